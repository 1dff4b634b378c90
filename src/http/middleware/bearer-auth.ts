import type { RequestHandler } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../errors';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * `Authorization: Bearer <token>` when `token` is set (DESIGN.md difference 11); compared in
 * constant time (both sides hashed first, so the length does not leak either).
 */
export function bearerAuth(token: string): RequestHandler {
  const want = digest(token);
  return (req, _res, next) => {
    if (token === '') return next();
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
    if (m !== null && timingSafeEqual(digest(m[1]), want)) return next();
    next(new HttpError('unauthorized', '', { 'WWW-Authenticate': 'Bearer' }));
  };
}

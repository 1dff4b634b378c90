import type { Request, RequestHandler, Response } from 'express';
import type { ServerResponse } from 'node:http';
import { encodeGoJson } from '../go-json';

/** Response writers that produce Go's exact bytes (express's res.send would add ETags, charsets). */

const send = (res: Response, status: number, body: string | Buffer): void => {
  res.statusCode = status;
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
};

/** Go's `http.Error` body: `body` already holds the trailing newline when there is one. */
export function sendText(res: Response, status: number, body: string): void {
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  send(res, status, body);
}

/** Go's `json.MarshalIndent(v, "", "    ")` body, `Content-Type: application/json`, no newline. */
export function sendJson(res: Response, value: unknown, status = 200): void {
  sendEncodedJson(res, encodeGoJson(value), status);
}

/** sendJson for a body already encoded. */
export function sendEncodedJson(res: Response, body: string, status = 200): void {
  res.setHeader('Content-Type', 'application/json');
  send(res, status, body);
}

/** A 200 with an empty body and no Content-Type (teller's dummy mutations). */
export function sendEmpty(res: Response): void {
  send(res, 200, '');
}

/** Appends `field` to the Vary header unless it is listed already (one comma-joined line). */
export function appendVary(res: ServerResponse, field: string): void {
  const current = res.getHeader('Vary');
  const list = (Array.isArray(current) ? current.join(', ') : String(current ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.some((s) => s === '*' || s.toLowerCase() === field.toLowerCase())) return;
  res.setHeader('Vary', [...list, field].join(', '));
}

/** An express handler for an async route: a rejection goes to the error handler. */
export function route(fn: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    fn(req, res).catch(next);
  };
}

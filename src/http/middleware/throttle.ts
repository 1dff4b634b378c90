import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { formatGoDuration } from '../../config/duration';
import type { WebConfig } from '../../config/types';
import { HttpError } from '../errors';

/**
 * teller's throttle on /api/bind and /api/status, with the meaning its docs give (DESIGN.md
 * difference 4): at most `throttle_max` requests per `throttle_duration` per client IP and route
 * (fixed window); every request counts, rejected and failed ones too; `throttle_max = 0` allows
 * nothing; `throttle_duration = 0` means unlimited. tollbooth's X-Rate-Limit-* headers go on every
 * response of the route, the 429 included.
 */

const firstHeader = (req: Request, name: string): string => req.headersDistinct[name]?.[0] ?? '';

function peerIp(req: Request): string {
  const ip = req.socket.remoteAddress ?? '';
  // A dual-stack listener reports IPv4 peers as IPv4-mapped IPv6; Go shows them as IPv4.
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}

/** The TCP peer as Go's `r.RemoteAddr` writes it: `ip:port`, IPv6 in brackets. */
export function remoteAddr(req: Request): string {
  const ip = peerIp(req);
  const port = req.socket.remotePort ?? 0;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The peer's IP, or behind a proxy the right-most X-Forwarded-For entry (the proxy's view). */
export function clientIp(req: Request, behindProxy: boolean): string {
  if (behindProxy) {
    const forwarded = firstHeader(req, 'x-forwarded-for').split(',');
    const last = (forwarded[forwarded.length - 1] ?? '').trim();
    if (last !== '') return last;
  }
  return peerIp(req);
}

/** The throttle stack for one route (`route` is its path, part of the bucket key). */
export function throttle(web: WebConfig, route: string): RequestHandler[] {
  const headers: RequestHandler = (req, res, next) => {
    res.setHeader('X-Rate-Limit-Limit', String(web.throttle_max));
    res.setHeader('X-Rate-Limit-Duration', formatGoDuration(web.throttle_duration_ms));
    res.setHeader('X-Rate-Limit-Request-Forwarded-For', firstHeader(req, 'x-forwarded-for'));
    res.setHeader('X-Rate-Limit-Request-Remote-Addr', remoteAddr(req));
    next();
  };
  if (web.throttle_duration_ms <= 0) return [headers];
  const limiter = rateLimit({
    windowMs: web.throttle_duration_ms,
    limit: web.throttle_max,
    keyGenerator: (req) => `${clientIp(req, web.behind_proxy)}|${route}`,
    standardHeaders: false,
    legacyHeaders: false,
    validate: false,
    handler: (_req, _res, next) => next(new HttpError('throttled')),
  });
  return [headers, limiter];
}

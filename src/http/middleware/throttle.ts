import type { RequestHandler } from 'express';
import { MemoryStore, rateLimit } from 'express-rate-limit';
import type { IncomingMessage } from 'node:http';
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

const firstHeader = (req: IncomingMessage, name: string): string => req.headersDistinct[name]?.[0] ?? '';

function peerIp(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? '';
  // A dual-stack listener reports IPv4 peers as IPv4-mapped IPv6; Go shows them as IPv4.
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}

/** The TCP peer as Go's `r.RemoteAddr` writes it: `ip:port`, IPv6 in brackets. */
export function remoteAddr(req: IncomingMessage): string {
  const ip = peerIp(req);
  const port = req.socket.remotePort ?? 0;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The peer's IP, or behind a proxy the right-most X-Forwarded-For entry (the proxy's view). */
export function clientIp(req: IncomingMessage, behindProxy: boolean): string {
  if (behindProxy) {
    const forwarded = firstHeader(req, 'x-forwarded-for').split(',');
    const last = (forwarded[forwarded.length - 1] ?? '').trim();
    if (last !== '') return last;
  }
  return peerIp(req);
}

/**
 * One route's throttle: its window counts, shared by the express stack and the fast lane
 * (src/http/fast-lane.ts), so a request counts once whichever lane serves it, and the 429 comes at
 * the same request.
 */
export class RouteThrottle {
  /** The express stack: the headers, then the limiter for requests the fast lane did not count. */
  readonly stack: RequestHandler[];
  private readonly counts = new MemoryStore();
  /** Requests the fast lane counted, then handed on: whether they were within the limit. */
  private readonly decided = new WeakMap<IncomingMessage, boolean>();
  private readonly limitHeaders: [string, string][];

  constructor(
    private readonly web: WebConfig,
    private readonly route: string,
  ) {
    this.limitHeaders = [
      ['X-Rate-Limit-Limit', String(web.throttle_max)],
      ['X-Rate-Limit-Duration', formatGoDuration(web.throttle_duration_ms)],
    ];
    const headers: RequestHandler = (req, res, next) => {
      for (const [name, value] of this.headers(req)) res.setHeader(name, value);
      next();
    };
    if (!this.limited) {
      this.stack = [headers];
      return;
    }
    const decidedBefore: RequestHandler = (req, _res, next) => {
      next(this.decided.get(req) === false ? new HttpError('throttled') : undefined);
    };
    const limiter = rateLimit({
      windowMs: web.throttle_duration_ms,
      limit: web.throttle_max,
      store: this.counts,
      keyGenerator: (req) => this.key(req),
      skip: (req) => this.decided.has(req),
      standardHeaders: false,
      legacyHeaders: false,
      validate: false,
      handler: (_req, _res, next) => next(new HttpError('throttled')),
    });
    this.stack = [headers, decidedBefore, limiter];
  }

  get limited(): boolean {
    return this.web.throttle_duration_ms > 0;
  }

  /** tollbooth's headers for `req`, in the order they go out. */
  headers(req: IncomingMessage): [string, string][] {
    return [
      ...this.limitHeaders,
      ['X-Rate-Limit-Request-Forwarded-For', firstHeader(req, 'x-forwarded-for')],
      ['X-Rate-Limit-Request-Remote-Addr', remoteAddr(req)],
    ];
  }

  /**
   * The fast lane's count: true if `req` is within the limit. The express stack will not count
   * it again if it is handed on (and rejects it if this said no).
   */
  async admit(req: IncomingMessage): Promise<boolean> {
    if (!this.limited) return true;
    const { totalHits } = await this.counts.increment(this.key(req));
    // express-rate-limit's own rule: the request that takes the count past the limit is refused.
    const within = totalHits <= this.web.throttle_max;
    this.decided.set(req, within);
    return within;
  }

  private key(req: IncomingMessage): string {
    return `${clientIp(req, this.web.behind_proxy)}|${this.route}`;
  }
}

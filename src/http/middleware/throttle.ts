import type { IncomingMessage } from 'node:http';
import { formatGoDuration } from '../../config/duration';
import type { WebConfig } from '../../config/types';

/**
 * teller's throttle on /api/bind and /api/status, with the meaning its docs give (DESIGN.md
 * difference 4): at most `throttle_max` requests per `throttle_duration` per client IP and route
 * (fixed window); every request counts, rejected and failed ones too; `throttle_max = 0` allows
 * nothing; `throttle_duration = 0` means unlimited. tollbooth's X-Rate-Limit-* headers go on every
 * response of the route, the 429 included.
 */

/** The first value of a header sent more than once (Node joins them in req.headers). */
const firstHeader = (req: IncomingMessage, name: string): string =>
  req.headers[name] === undefined ? '' : (req.headersDistinct[name]?.[0] ?? '');

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

interface Window {
  hits: number;
  /** Date.now() at which this key's window ends. */
  endsAt: number;
}

/**
 * Hit counts per key in fixed windows that start at a key's first hit (the rule of
 * express-rate-limit's MemoryStore, which this replaces on the one node:http path). Keys idle for
 * a whole window are dropped in bulk, without a timer: every `windowMs` the current map becomes
 * the previous one, and what was left in the previous one, not
 * hit for at least a window, has expired.
 */
class WindowCounts {
  private current = new Map<string, Window>();
  private previous = new Map<string, Window>();
  private rotateAt = 0;

  constructor(private readonly windowMs: number) {}

  /** Counts a hit of `key`; returns its hits in the current window, this one included. */
  hit(key: string, now = Date.now()): number {
    if (now >= this.rotateAt) {
      this.previous = this.current;
      this.current = new Map();
      this.rotateAt = now + this.windowMs;
    }
    let w = this.current.get(key);
    if (w === undefined) {
      w = this.previous.get(key) ?? { hits: 0, endsAt: 0 };
      this.previous.delete(key);
      this.current.set(key, w);
    }
    if (w.endsAt <= now) {
      w.hits = 0;
      w.endsAt = now + this.windowMs;
    }
    return ++w.hits;
  }
}

/** One route's throttle: its counts and its headers. */
export class RouteThrottle {
  private readonly counts: WindowCounts;
  private readonly limitHeaders: string[];

  constructor(
    private readonly web: WebConfig,
    private readonly route: string,
  ) {
    this.counts = new WindowCounts(web.throttle_duration_ms);
    this.limitHeaders = [
      'X-Rate-Limit-Limit',
      String(web.throttle_max),
      'X-Rate-Limit-Duration',
      formatGoDuration(web.throttle_duration_ms),
    ];
  }

  get limited(): boolean {
    return this.web.throttle_duration_ms > 0;
  }

  /** Appends tollbooth's headers for `req` to `head` (a flat name, value list), in wire order. */
  addHeaders(req: IncomingMessage, head: string[]): void {
    head.push(
      ...this.limitHeaders,
      'X-Rate-Limit-Request-Forwarded-For',
      firstHeader(req, 'x-forwarded-for'),
      'X-Rate-Limit-Request-Remote-Addr',
      remoteAddr(req),
    );
  }

  /** Counts `req`; true if it is within the limit (the request that goes past it is refused). */
  admit(req: IncomingMessage): boolean {
    if (!this.limited) return true;
    return this.counts.hit(`${clientIp(req, this.web.behind_proxy)}|${this.route}`) <= this.web.throttle_max;
  }
}

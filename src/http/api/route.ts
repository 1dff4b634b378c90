import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../util/logger';
import { HttpError, toHttpError } from '../errors';
import type { CorsPolicy } from '../middleware/cors';
import type { RequestTarget } from '../middleware/go-mux';
import { logWhenClosed } from '../middleware/request-log';
import type { RouteThrottle } from '../middleware/throttle';
import { acceptsGzip, GZIP_MIN_BYTES, type GzipCache } from './gzip';

/**
 * The one request path of the public API routes (spec teller-http.md §2.2): gzip → CORS →
 * throttle → request log → handler, as teller wraps each route, written against node:http with
 * the headers collected in a flat list and sent with one writeHead. The front (src/http/public.ts)
 * has done the whole-server steps and put the security headers first in that list.
 */

/** One request on an API route. */
export interface ApiCall {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly target: RequestTarget;
  /** The response headers so far, a flat [name, value, ...] list in wire order. */
  readonly head: string[];
  /** Where gzipped bodies come from, when the client takes gzip (never for HEAD). */
  readonly gzip: GzipCache | undefined;
}

/** Answers the call (send / sendError) or throws (rejects) with what to answer. */
export type ApiHandler = (call: ApiCall) => Promise<void>;

export interface ApiRoute {
  /** The route's path, as logged. */
  path: string;
  throttle?: RouteThrottle;
  handler: ApiHandler;
}

export interface ApiDeps {
  log: Logger;
  cors: CorsPolicy;
  gzip: GzipCache;
}

/** Runs one request on a route: `head` holds the security headers (a list of its own). */
export type ApiListener = (
  req: IncomingMessage,
  res: ServerResponse,
  target: RequestTarget,
  head: string[],
  start: number,
) => void;

export const TEXT_PLAIN = 'text/plain; charset=utf-8';
export const APPLICATION_JSON = 'application/json';

const THROTTLED = new HttpError('throttled');

/** Sets `name` in a flat header list: replaces its value where it is, or appends it. */
export function setHead(head: string[], name: string, value: string): void {
  const lower = name.toLowerCase();
  for (let i = 0; i < head.length; i += 2) {
    if (head[i].toLowerCase() === lower) {
      head[i + 1] = value;
      return;
    }
  }
  head.push(name, value);
}

/** The response: `body` with its type, gzipped by gziphandler's rule (chunked, no Content-Length). */
export function send(call: ApiCall, status: number, contentType: string, body: string): void {
  const cache = call.gzip;
  writeBody(call, status, contentType, body, Buffer.byteLength(body), cache && (() => cache.gzip(body)));
}

/** Whether `send` gzips a body of `bytes` for this call. */
export const sendsGzipped = (call: ApiCall, bytes: number): boolean =>
  call.gzip !== undefined && bytes >= GZIP_MIN_BYTES;

/**
 * `send` for a body of `bytes` whose bytes are ready (`plain`, `gzipped` find or make them), as
 * `send` writes it: the same headers, the same rule.
 */
export function sendBytes(
  call: ApiCall,
  contentType: string,
  bytes: number,
  plain: () => Buffer,
  gzipped: () => Buffer,
): void {
  writeBody(call, 200, contentType, plain, bytes, gzipped);
}

function writeBody(
  call: ApiCall,
  status: number,
  contentType: string,
  body: string | (() => Buffer),
  bytes: number,
  gzipped: (() => Buffer) | undefined,
): void {
  const { head, res } = call;
  head.push('Content-Type', contentType);
  if (gzipped !== undefined && sendsGzipped(call, bytes)) {
    head.push('Content-Encoding', 'gzip');
    res.writeHead(status, head);
    res.end(gzipped());
    return;
  }
  head.push('Content-Length', String(bytes));
  res.writeHead(status, head);
  res.end(typeof body === 'string' ? body : body());
}

/** Go's http.Error for `err`: its headers (e.g. Allow), then the text. */
export function sendError(call: ApiCall, err: HttpError): void {
  for (const [name, value] of Object.entries(err.headers)) setHead(call.head, name, value);
  setHead(call.head, 'X-Content-Type-Options', 'nosniff');
  send(call, err.status, TEXT_PLAIN, err.body);
}

/** A handler failed: its HttpError as tabled, anything else a logged 500 (as the final handler of express did). */
function fail(call: ApiCall, err: unknown, log: Logger): void {
  const { req, res, target } = call;
  const { error, expected } = toHttpError(err);
  if (!expected) log.error({ err, method: req.method, path: target.path }, 'request failed');
  else if (error.status >= 500) log.warn({ err, method: req.method, path: target.path }, 'request failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendError(call, error);
}

export function apiListener(route: ApiRoute, deps: ApiDeps): ApiListener {
  const { log, cors } = deps;
  const { throttle, handler, path } = route;
  return (req, res, target, head, start) => {
    if (cors.isPreflight(req)) {
      // rs/cors answers preflights itself: before the throttle and the request log.
      head.push(...cors.preflightHeaders(req), 'Content-Length', '0');
      res.writeHead(200, head);
      res.end();
      return;
    }
    if (req.method === 'OPTIONS') {
      head.push('Vary', 'Accept-Encoding');
    } else {
      head.push('Vary', 'Accept-Encoding, Origin');
      const allowOrigin = cors.allowOrigin(req);
      if (allowOrigin !== undefined) head.push('Access-Control-Allow-Origin', allowOrigin);
    }
    const gzip = req.method !== 'HEAD' && acceptsGzip(req.headers['accept-encoding']) ? deps.gzip : undefined;
    const call: ApiCall = { req, res, target, head, gzip };
    if (throttle !== undefined) {
      throttle.addHeaders(req, head);
      if (!throttle.admit(req)) {
        sendError(call, THROTTLED);
        return;
      }
    }
    logWhenClosed(log, req, res, path, start);
    handler(call).catch((err: unknown) => fail(call, err, log));
  };
}

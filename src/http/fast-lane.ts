import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../util/logger';
import { encodeGoJson, encodeStatusBody } from './go-json';
import { logWhenClosed } from './middleware/request-log';
import { appendVary } from './middleware/respond';
import { isTls, securityHeaders } from './middleware/security';
import type { RouteThrottle } from './middleware/throttle';
import type { PublicService, StatusEntry } from './services';

/**
 * The public server's fast lane: answers the plain, common requests of /api/config and
 * /api/status with the very bytes the express stack would send, without going through express
 * (express alone allows ~0.2× of bare node:http's requests/s: benchmark 4). It takes only
 *   GET /api/config
 *   GET /api/status?skyaddr=<letters and digits, a valid address>
 * with no Origin and no Accept-Encoding header, over plain HTTP with no HTTPS redirect or Host
 * allow-list configured. Everything else, and any request it cannot answer (a throttled one, a
 * failed lookup), goes to the express stack unchanged, which then answers it as always.
 * Requests are logged (src/http/middleware/request-log.ts) and counted (the metrics wrapper sits
 * outside both lanes) as the express stack does; /api/status shares the stack's throttle counts.
 */

export type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export interface FastLaneDeps {
  svc: PublicService;
  log: Logger;
  /** The express stack's /api/status throttle. */
  statusThrottle: RouteThrottle;
  /** The express stack, for everything the fast lane does not answer. */
  express: Listener;
}

const STATUS_PREFIX = '/api/status?skyaddr=';
/** A skyaddr that Go's query parsing leaves as it is (no escapes, `+`, `&`, `;`) and trims nothing off. */
const PLAIN_VALUE = /^[0-9A-Za-z]+$/;

/** A template response that remembers each header's name as it was set (Node keeps that case). */
class HeaderRecorder extends ServerResponse {
  private readonly names = new Map<string, string>();

  override setHeader(name: string, value: number | string | readonly string[]): this {
    this.names.set(name.toLowerCase(), name);
    return super.setHeader(name, value);
  }

  /** The headers as a flat [name, value, ...] list, in the order they go out. */
  flat(): string[] {
    return this.getHeaderNames().flatMap((key) => {
      const value = this.getHeader(key) ?? '';
      const name = this.names.get(key) ?? key;
      return (Array.isArray(value) ? value : [String(value)]).flatMap((v) => [name, v]);
    });
  }
}

/**
 * The headers the express stack sets before a JSON body on these routes (security headers, then
 * `Vary` from gzip and CORS): taken once from those very middlewares on a template response, so a
 * change there reaches the fast lane too.
 */
function commonHeaders(): string[] {
  const req = new IncomingMessage(new Socket());
  const res = new HeaderRecorder(req);
  let passed = false;
  securityHeaders()(req, res, (err?: unknown) => {
    if (err !== undefined) throw err;
    passed = true;
  });
  if (!passed) throw new Error('fast lane: the security headers were not set synchronously');
  appendVary(res, 'Accept-Encoding');
  appendVary(res, 'Origin');
  return res.flat();
}

/** The path of a request the fast lane took (logs never show queries). */
const routeOf = (req: IncomingMessage): string => (req.url ?? '').split('?')[0];

/** `headers` plus sendJson's own two, for `body`. */
const withJsonHeaders = (headers: string[], body: string): string[] =>
  headers.concat('Content-Type', 'application/json', 'Content-Length', String(Buffer.byteLength(body)));

/**
 * The public server's listener: the fast lane in front of `express`; `express` alone when the
 * configuration puts something in front of every request (HTTPS redirect, Host allow-list).
 */
export function withFastLane(deps: FastLaneDeps): Listener {
  const { svc, log, statusThrottle, express } = deps;
  const web = svc.config.web;
  if (web.auto_tls_host !== '' || web.https_addr !== '') return express;
  const common = commonHeaders();
  // The config body only changes with what publicConfig() returns (a new object each time it does).
  let configValue: object | undefined;
  let configBody = '';
  let configHeaders: string[] = [];

  /**
   * A lookup failed: express asks again, and answers (and logs) the request as it always does;
   * the fast lane's log line is taken back first.
   */
  const handOn = (req: IncomingMessage, res: ServerResponse, unlog: () => void, err: unknown): void => {
    log.warn({ err, path: routeOf(req) }, 'fast lane: lookup failed, handing the request to express');
    unlog();
    express(req, res);
  };

  const config = async (req: IncomingMessage, res: ServerResponse, start: number): Promise<void> => {
    const unlog = logWhenClosed(log, req, res, '/api/config', start);
    let value: object;
    try {
      value = await svc.publicConfig();
    } catch (err) {
      handOn(req, res, unlog, err);
      return;
    }
    if (value !== configValue) {
      configBody = encodeGoJson(value);
      configHeaders = withJsonHeaders(common, configBody);
      configValue = value;
    }
    res.writeHead(200, configHeaders);
    res.end(configBody);
  };

  const status = async (
    req: IncomingMessage,
    res: ServerResponse,
    skyaddr: string,
    start: number,
  ): Promise<void> => {
    // Counted here, once: express, if it gets the request, uses this decision (and sends the 429).
    if (statusThrottle.limited && !(await statusThrottle.admit(req))) return express(req, res);
    const unlog = logWhenClosed(log, req, res, '/api/status', start);
    let statuses: StatusEntry[];
    try {
      statuses = await svc.statuses(skyaddr);
    } catch (err) {
      handOn(req, res, unlog, err);
      return;
    }
    const body = encodeStatusBody(statuses);
    res.writeHead(200, withJsonHeaders(common.concat(...statusThrottle.headers(req)), body));
    res.end(body);
  };

  const failed = (req: IncomingMessage, res: ServerResponse) => (err: unknown) => {
    log.error({ err, method: req.method, path: routeOf(req) }, 'fast lane failed');
    res.destroy();
  };

  return (req, res) => {
    const start = performance.now();
    const { url, headers } = req;
    if (
      req.method !== 'GET' ||
      url === undefined ||
      headers.origin !== undefined ||
      headers['accept-encoding'] !== undefined ||
      isTls(req)
    ) {
      express(req, res);
    } else if (url === '/api/config') {
      config(req, res, start).catch(failed(req, res));
    } else if (url.startsWith(STATUS_PREFIX)) {
      const skyaddr = url.slice(STATUS_PREFIX.length);
      // An invalid address is express's to answer (and count).
      if (PLAIN_VALUE.test(skyaddr) && svc.validatePayoutAddress(skyaddr) === null)
        status(req, res, skyaddr, start).catch(failed(req, res));
      else express(req, res);
    } else {
      express(req, res);
    }
  };
}

import express, { type Express, type Request, type RequestHandler } from 'express';
import type { Logger } from '../util/logger';
import { HttpError, fromServiceError } from './errors';
import { withFastLane, type Listener } from './fast-lane';
import { decodeGoStruct, encodeStatusBody, GoJsonError, type GoField } from './go-json';
import { parseGoQuery } from './go-query';
import { baseApp } from './middleware/base-app';
import { cors } from './middleware/cors';
import { cleanPaths, goRoutes, rawQueryOf, rejectMalformedTargets } from './middleware/go-mux';
import { gzip } from './middleware/gzip';
import { requestLog } from './middleware/request-log';
import { route, sendEncodedJson, sendJson } from './middleware/respond';
import { hostAllowList, httpsRedirect, securityHeaders } from './middleware/security';
import { textErrors } from './middleware/text-error';
import { RouteThrottle } from './middleware/throttle';
import { readRawBody } from './middleware/raw-body';
import type { PublicService } from './services';
import { publicStatic } from './static';

/**
 * The public server (teller's src/teller/http.go; spec teller-http.md §2): security layer for the
 * whole server, then Go ServeMux routing to the API routes, each wrapped as teller wraps it
 * (gzip → CORS → throttle → request log → handler), and the web UI's files for everything else.
 * In front of it all, the fast lane (src/http/fast-lane.ts) answers the plain common
 * /api/config and /api/status requests with the same bytes.
 */

const BIND_FIELDS: GoField[] = [
  { name: 'skyaddr', type: 'string' },
  { name: 'coin_type', type: 'string' },
];

/** The service errors /api/bind documents; anything else is a logged 500. */
const BIND_ERRORS = {
  bind_disabled: 'bind_disabled',
  max_bound: 'max_bound',
  pool_empty: 'pool_empty',
} as const;

/** strings.Trim(s, " \t\n"): teller trims neither \r nor other whitespace. */
const trimGo = (s: string): string => s.replace(/^[ \t\n]+|[ \t\n]+$/g, '');

/** Exactly `application/json`, or (DESIGN.md difference 2) with `; charset=utf-8` in any case. */
function isJsonContentType(ct: string | undefined): boolean {
  if (ct === 'application/json') return true;
  return (
    ct !== undefined &&
    ct.startsWith('application/json;') &&
    /^;[ \t]*charset=("?)utf-8\1[ \t]*$/i.test(ct.slice(16))
  );
}

function requireMethod(req: Request, method: string): void {
  if (req.method !== method) throw new HttpError('invalid_method', '', { Allow: method });
}

function checkCoin(svc: PublicService, coin: string): void {
  if (coin === '') throw new HttpError('missing_coin_type');
  const state = svc.coinState(coin);
  if (state === 'unknown') throw new HttpError('invalid_coin_type');
  if (state === 'disabled') throw new HttpError('coin_not_enabled', coin);
}

/** What an EVM payout pays, in the bind error: the buyer must give a 0x address. */
const EVM_PAYOUT_KIND = { ETH: 'ETH', ERC20: 'an ERC-20 token' } as const;

function checkPayoutAddress(svc: PublicService, addr: string): void {
  const reason = svc.validatePayoutAddress(addr);
  if (reason === null) return;
  const coin = svc.config.payout.coin;
  // SKY keeps teller's exact text; it already names the kind of address it wants.
  if (coin === 'SKY') throw new HttpError('invalid_skycoin_address', reason);
  throw new HttpError(
    'invalid_evm_payout_address',
    `${reason} (this service pays ${EVM_PAYOUT_KIND[coin]}: skyaddr must be a 0x address)`,
  );
}

function bindHandler(svc: PublicService): RequestHandler {
  return route(async (req, res) => {
    res.setHeader('Accept', 'application/json');
    requireMethod(req, 'POST');
    if (!isJsonContentType(req.headers['content-type'])) throw new HttpError('invalid_content_type');
    const raw = await readRawBody(req, svc.config.web.max_body_bytes);
    let body: Record<string, string> | null;
    try {
      body = decodeGoStruct(raw, 'teller.bindRequest', BIND_FIELDS);
    } catch (err) {
      throw err instanceof GoJsonError ? new HttpError('invalid_json', err.message) : err;
    }
    // DESIGN.md difference 1: teller crashed on a JSON null body.
    if (body === null) throw new HttpError('invalid_json');
    const skyaddr = trimGo(body.skyaddr ?? '');
    if (skyaddr === '') throw new HttpError('missing_skyaddr');
    const coin = body.coin_type ?? '';
    checkCoin(svc, coin);
    checkPayoutAddress(svc, skyaddr);
    let result: object;
    try {
      result = await svc.bind(skyaddr, coin);
    } catch (err) {
      throw fromServiceError(err, BIND_ERRORS);
    }
    sendJson(res, result);
  });
}

/** /api/status, and (beyond teller) /api/v2/status with per-deposit detail for the buyer UI. */
function statusHandler(svc: PublicService, detail: boolean): RequestHandler {
  return route(async (req, res) => {
    requireMethod(req, 'GET');
    const skyaddr = trimGo(parseGoQuery(rawQueryOf(req)).get('skyaddr')?.[0] ?? '');
    if (skyaddr === '') throw new HttpError('missing_skyaddr');
    checkPayoutAddress(svc, skyaddr);
    if (detail) {
      sendJson(res, await svc.statusDetail(skyaddr));
      return;
    }
    sendEncodedJson(res, encodeStatusBody(await svc.statuses(skyaddr)));
  });
}

function getHandler(body: () => Promise<object> | object): RequestHandler {
  return route(async (req, res) => {
    requireMethod(req, 'GET');
    sendJson(res, await body());
  });
}

/** The public server's listener: the fast lane in front of the express stack. */
export function createPublicApp(svc: PublicService, log: Logger): Listener {
  const { app, statusThrottle } = createPublicExpress(svc, log);
  return withFastLane({ svc, log, statusThrottle, express: app });
}

/** The express stack alone, and its /api/status throttle (which the fast lane shares). */
export function createPublicExpress(
  svc: PublicService,
  log: Logger,
): { app: Express; statusThrottle: RouteThrottle } {
  const web = svc.config.web;
  if (web.auto_tls_host !== '' && (web.tls_cert === '' || web.tls_key === '')) {
    log.warn(
      { auto_tls_host: web.auto_tls_host },
      "web.auto_tls_host: Let's Encrypt certificates cannot be obtained (the ACME challenge teller used is gone); set web.tls_cert and web.tls_key. The host is used for the Host allow-list and the HTTPS redirect only",
    );
  }
  const statusThrottle = new RouteThrottle(web, '/api/status');
  const api = (handler: RequestHandler, throttle?: RouteThrottle): RequestHandler => {
    const stack = express.Router();
    stack.use(gzip(), cors(web.cors_allowed), ...(throttle?.stack ?? []), requestLog(log), handler);
    return stack;
  };
  const routes = new Map<string, RequestHandler>([
    ['/api/bind', api(bindHandler(svc), new RouteThrottle(web, '/api/bind'))],
    ['/api/status', api(statusHandler(svc, false), statusThrottle)],
    ['/api/v2/status', api(statusHandler(svc, true), new RouteThrottle(web, '/api/v2/status'))],
    ['/api/config', api(getHandler(() => svc.publicConfig()))],
    ['/api/health', api(getHandler(() => svc.health()))],
  ]);

  const app = baseApp();
  app.use(
    rejectMalformedTargets,
    hostAllowList(web.auto_tls_host),
    httpsRedirect(web.auto_tls_host || web.https_addr),
    securityHeaders(),
    cleanPaths,
    goRoutes((p) => routes.get(p)),
    gzip(),
    publicStatic(web.static_dir),
    textErrors(log),
  );
  return { app, statusThrottle };
}

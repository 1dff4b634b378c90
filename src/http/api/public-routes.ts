import { HttpError, fromServiceError } from '../errors';
import {
  decodeGoStruct,
  encodeGoJson,
  encodeRowsBody,
  encodeStatusBody,
  GoJsonError,
  quoteGo,
  type GoField,
} from '../go-json';
import { parseGoQuery } from '../go-query';
import { readRawBody } from '../middleware/raw-body';
import { clientIp, RouteThrottle } from '../middleware/throttle';
import type { PublicService } from '../services';
import {
  APPLICATION_JSON,
  send,
  sendBytes,
  sendsGzipped,
  type ApiCall,
  type ApiHandler,
  type ApiRoute,
} from './route';
import { StatusCache } from './status-cache';

/**
 * The public API's handlers (spec teller-http.md §2.7), in teller's validation order, with their
 * wire bodies: /api/bind, /api/status, /api/v2/status (beyond teller), /api/config, /api/health.
 */

const BIND_FIELDS: GoField[] = [
  { name: 'skyaddr', type: 'string' },
  { name: 'coin_type', type: 'string' },
];

/** The service errors /api/bind documents; anything else is a logged 500. */
const BIND_ERRORS = {
  bind_disabled: 'bind_disabled',
  rate_paused: 'rate_paused',
  max_bound: 'max_bound',
  pool_empty: 'pool_empty',
  throttled: 'throttled',
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

const METHOD_ERRORS = {
  GET: new HttpError('invalid_method', '', { Allow: 'GET' }),
  POST: new HttpError('invalid_method', '', { Allow: 'POST' }),
};

function requireMethod(call: ApiCall, method: keyof typeof METHOD_ERRORS): void {
  if (call.req.method !== method) throw METHOD_ERRORS[method];
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

const sendJson = (call: ApiCall, body: string): void => send(call, 200, APPLICATION_JSON, body);

function bindHandler(svc: PublicService): ApiHandler {
  const maxBodyBytes = svc.config.web.max_body_bytes;
  return async (call) => {
    const { req, head } = call;
    head.push('Accept', APPLICATION_JSON);
    requireMethod(call, 'POST');
    if (!isJsonContentType(req.headers['content-type'])) throw new HttpError('invalid_content_type');
    const raw = await readRawBody(req, maxBodyBytes);
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
      result = await svc.bind(skyaddr, coin, clientIp(req, svc.config.web.behind_proxy));
    } catch (err) {
      throw fromServiceError(err, BIND_ERRORS);
    }
    sendJson(call, encodeGoJson(result));
  };
}

/** A status route's body for an address, and what the cache needs to know of it. */
interface StatusBody {
  body: string;
  /** No bindings: not kept (cheap to make again, and any address can be asked for). */
  empty: boolean;
  /** A `waiting_deposit` row shows the current second. */
  showsClock: boolean;
}

const WAITING = 'waiting_deposit';
const nowSec = (): number => Math.floor(Date.now() / 1000);

/**
 * A status route: the first `skyaddr` of the query as Go parses it, trimmed, validated, then its
 * body, reused while the service's status stamp for it stays the same (StatusCache). Only valid
 * addresses are kept, so a body found needs no validation.
 */
function statusHandler(
  svc: PublicService,
  detail: boolean,
  view: (skyaddr: string) => Promise<StatusBody>,
): ApiHandler {
  const cache = new StatusCache();
  return async (call) => {
    requireMethod(call, 'GET');
    const skyaddr = trimGo(parseGoQuery(call.target.rawQuery).get('skyaddr')?.[0] ?? '');
    if (skyaddr === '') throw new HttpError('missing_skyaddr');
    const stamp = svc.statusStamp(skyaddr, detail);
    const second = nowSec();
    let entry = cache.get(skyaddr, stamp, second);
    if (entry === undefined) {
      checkPayoutAddress(svc, skyaddr);
      const made = await view(skyaddr);
      if (made.empty) return sendJson(call, made.body);
      const gzipped = sendsGzipped(call, Buffer.byteLength(made.body));
      entry = cache.set(skyaddr, stamp, made.showsClock ? second : -1, made.body, gzipped);
    }
    const found = entry;
    sendBytes(
      call,
      APPLICATION_JSON,
      found.bytes,
      () => cache.plain(skyaddr, found),
      () => cache.gzip(skyaddr, found),
    );
  };
}

/**
 * A GET route whose body is the Go encoding of `value()`; the encoding is reused while `value()`
 * returns the very same object (publicConfig returns one frozen object per state).
 */
function getHandler(value: () => Promise<object> | object): ApiHandler {
  let last: object | undefined;
  let lastBody = '';
  return async (call) => {
    requireMethod(call, 'GET');
    const v = await value();
    if (v !== last) {
      lastBody = encodeGoJson(v);
      last = v;
    }
    sendJson(call, lastBody);
  };
}

/** Stands for the uptime in the kept encoding of /api/health's other fields. */
const UPTIME_MARK = '\u0000uptime\u0000';
const QUOTED_UPTIME_MARK = quoteGo(UPTIME_MARK);

/**
 * /api/health: the uptime changes on every request, the other fields only with the daemon's state.
 * Their Go encoding is kept as the text around the uptime and reused while they are the same,
 * compared as JSON.stringify's text (native, several times cheaper than the Go encoder).
 */
function healthHandler(svc: PublicService): ApiHandler {
  let lastRest = '';
  let before = '';
  let after = '';
  return async (call) => {
    requireMethod(call, 'GET');
    const health = await svc.health();
    const rest = JSON.stringify({ ...health, uptime: '' });
    if (rest !== lastRest) {
      const body = encodeGoJson({ ...health, uptime: UPTIME_MARK });
      const at = body.indexOf(QUOTED_UPTIME_MARK);
      before = body.slice(0, at);
      after = body.slice(at + QUOTED_UPTIME_MARK.length);
      lastRest = rest;
    }
    sendJson(call, before + quoteGo(health.uptime) + after);
  };
}

/**
 * The public listener's route table: each API path with its handler and, where teller had one,
 * its throttle. The request path (public.ts) and the metric labels (PUBLIC_API_PATHS) both come
 * from it.
 */
const PUBLIC_API: Record<string, { throttled: boolean; handler: (svc: PublicService) => ApiHandler }> = {
  '/api/bind': { throttled: true, handler: bindHandler },
  '/api/status': {
    throttled: true,
    handler: (svc) =>
      statusHandler(svc, false, async (skyaddr) => {
        const entries = await svc.statuses(skyaddr);
        return {
          body: encodeStatusBody(entries),
          empty: entries.length === 0,
          showsClock: entries.some((e) => e.status === WAITING),
        };
      }),
  },
  '/api/v2/status': {
    throttled: true,
    handler: (svc) =>
      statusHandler(svc, true, async (skyaddr) => {
        const detail = await svc.statusDetail(skyaddr);
        return {
          body: encodeRowsBody('deposits', detail.deposits),
          empty: detail.deposits.length === 0,
          showsClock: detail.deposits.some((d) => d.status === WAITING),
        };
      }),
  },
  '/api/config': { throttled: false, handler: (svc) => getHandler(() => svc.publicConfig()) },
  '/api/health': { throttled: false, handler: healthHandler },
};

/** The public API's paths (labels of teller_http_requests_total). */
export const PUBLIC_API_PATHS: readonly string[] = Object.keys(PUBLIC_API);

/** The public API routes, built for `svc`. */
export function publicApiRoutes(svc: PublicService): ApiRoute[] {
  return Object.entries(PUBLIC_API).map(([path, route]) => ({
    path,
    handler: route.handler(svc),
    throttle: route.throttled ? new RouteThrottle(svc.config.web, path) : undefined,
  }));
}

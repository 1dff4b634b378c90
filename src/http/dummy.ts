import type { Express, Request, RequestHandler } from 'express';
import type { Config } from '../config/types';
import { BASE_COINS, type ScannedDeposit } from '../core/deposit';
import type { Logger } from '../util/logger';
import { HttpError, type HttpErrorCode } from './errors';
import { goFormValue, parseGoForm, parseGoQuery } from './go-query';
import { baseApp } from './middleware/base-app';
import { bearerAuth } from './middleware/bearer-auth';
import { cleanPaths, goRoutes, notFound, rawQueryOf, rejectMalformedTargets } from './middleware/go-mux';
import { hostGuard, sameOriginOnly } from './middleware/local-only';
import { readRawBody } from './middleware/raw-body';
import { requestLog } from './middleware/request-log';
import { route, sendEmpty, sendJson } from './middleware/respond';
import { textErrors } from './middleware/text-error';
import type { DummyService } from './services';

/**
 * The dummy control server (spec teller-http.md §4, DESIGN.md difference 14): inject scanner
 * deposits, list and confirm dummy-sender broadcasts, and (beyond teller) set the dummy balance and
 * make the next broadcast fail permanently (to exercise errored deposits and the admin retry).
 * Parameters are read as Go's r.FormValue reads them (query string, urlencoded body). Beyond
 * teller: a loopback or allow-listed `Host`, no cross-site request (even a GET deposits), and the
 * bearer `dummy.token` when set (middleware/local-only.ts).
 */

const INT64_MAX = (1n << 63n) - 1n;
const UINT32_MAX = 0xffffffffn;

/** A base-10 int64 >= 0 written with digits only (no sign, spaces or decimals). */
const parseNonNegative = (s: string): bigint | null =>
  /^\d+$/.test(s) && BigInt(s) <= INT64_MAX ? BigInt(s) : null;

/** r.FormValue: the body is read for POST, PUT and PATCH (as net/http's ParseForm does). */
async function formOf(req: Request, limitBytes: number): Promise<(name: string) => string> {
  const query = parseGoQuery(rawQueryOf(req));
  const hasBody = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
  const body = hasBody
    ? parseGoForm(req.headers['content-type'], (await readRawBody(req, limitBytes)).toString('utf8'))
    : undefined;
  return (name) => goFormValue(query, body, name);
}

function required(value: string, missing: HttpErrorCode): string {
  if (value === '') throw new HttpError(missing);
  return value;
}

function depositHandler(svc: DummyService, cfg: Config): RequestHandler {
  const coins = new Set<string>([...BASE_COINS, ...cfg.eth_tokens.map((t) => t.symbol)]);
  return route(async (req, res) => {
    const form = await formOf(req, cfg.web.max_body_bytes);
    const coin = form('coin') || 'BTC';
    if (!coins.has(coin)) throw new HttpError('invalid_coin');
    const addr = required(form('addr'), 'addr_required');
    if (svc.validateDepositAddress(coin, addr) !== null) throw new HttpError('invalid_addr');
    const value = parseNonNegative(required(form('value'), 'value_required'));
    if (value === null) throw new HttpError('invalid_value');
    const height = parseNonNegative(required(form('height'), 'height_required'));
    // Heights are JS numbers in the pipeline; none beyond 2^53 exists.
    if (height === null || height > BigInt(Number.MAX_SAFE_INTEGER)) throw new HttpError('invalid_height');
    const tx = required(form('tx'), 'tx_required');
    const nText = form('n');
    let n = 0n;
    if (nText !== '') {
      const parsed = parseNonNegative(nText);
      if (parsed === null) throw new HttpError('invalid_n');
      if (parsed > UINT32_MAX) throw new HttpError('n_too_large');
      n = parsed;
    }
    const deposit: ScannedDeposit = {
      coin_type: coin,
      address: addr,
      value,
      height: Number(height),
      tx,
      n: Number(n),
    };
    if (!svc.deposit(deposit)) throw new HttpError('channel_full');
    sendEmpty(res);
  });
}

function broadcastsHandler(svc: DummyService): RequestHandler {
  return route(async (req, res) => {
    // teller's dummy sender answers 405 without an Allow header.
    if (req.method !== 'GET') throw new HttpError('method_not_allowed');
    sendJson(res, await svc.broadcasts());
  });
}

function confirmHandler(svc: DummyService, cfg: Config): RequestHandler {
  return route(async (req, res) => {
    const form = await formOf(req, cfg.web.max_body_bytes);
    const txid = form('txid');
    const seqText = form('seq');
    if (txid === '' && seqText === '') throw new HttpError('txid_or_seq_required');
    let seq: number | undefined;
    if (seqText !== '') {
      // strconv.ParseInt(seq, 10, 64): a sign is allowed; a negative seq simply finds nothing.
      if (!/^[+-]?\d+$/.test(seqText)) throw new HttpError('invalid_seq');
      const parsed = BigInt(seqText);
      if (parsed > INT64_MAX || parsed < -INT64_MAX - 1n) throw new HttpError('invalid_seq');
      seq = Number(parsed);
    }
    if (!(await svc.confirm(txid === '' ? undefined : txid, seq))) throw new HttpError('txn_not_found');
    sendEmpty(res);
  });
}

function balanceHandler(svc: DummyService, cfg: Config): RequestHandler {
  return route(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'POST') {
      throw new HttpError('method_not_allowed', '', { Allow: 'GET, POST' });
    }
    const form = await formOf(req, cfg.web.max_body_bytes);
    const coins = required(form('coins'), 'coins_required');
    if (!/^\d+$/.test(coins)) throw new HttpError('invalid_coins');
    await svc.setBalance(BigInt(coins));
    sendEmpty(res);
  });
}

/** Beyond teller: `mode=permanent` fails the next payout broadcast for good, `mode=off` disarms it. */
function failHandler(svc: DummyService, cfg: Config): RequestHandler {
  return route(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'POST') {
      throw new HttpError('method_not_allowed', '', { Allow: 'GET, POST' });
    }
    const form = await formOf(req, cfg.web.max_body_bytes);
    const mode = required(form('mode'), 'mode_required');
    if (mode !== 'permanent' && mode !== 'off') throw new HttpError('invalid_mode');
    svc.failNextBroadcast(mode === 'permanent');
    sendEmpty(res);
  });
}

/** `extra`: more control routes on the same listener (the simulated passthrough exchange's). */
export function createDummyApp(
  svc: DummyService,
  cfg: Config,
  log: Logger,
  extra: ReadonlyMap<string, RequestHandler> = new Map(),
): Express {
  const routes = new Map<string, RequestHandler>(extra);
  if (cfg.dummy.scanner) routes.set('/dummy/scanner/deposit', depositHandler(svc, cfg));
  if (cfg.dummy.sender) {
    routes.set('/dummy/sender/broadcasts', broadcastsHandler(svc));
    routes.set('/dummy/sender/confirm', confirmHandler(svc, cfg));
    routes.set('/dummy/sender/balance', balanceHandler(svc, cfg));
    routes.set('/dummy/sender/fail', failHandler(svc, cfg));
  }
  const local = { allowedHosts: cfg.dummy.allowed_hosts, allowedHostsKey: 'dummy.allowed_hosts' };
  const app = baseApp();
  app.use(
    rejectMalformedTargets,
    requestLog(log),
    hostGuard(local),
    sameOriginOnly(local),
    bearerAuth(cfg.dummy.token),
    cleanPaths,
    goRoutes((p) => routes.get(p)),
    notFound,
    textErrors(log),
  );
  return app;
}

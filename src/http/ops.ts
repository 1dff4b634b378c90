import type { Express, Request, RequestHandler, Response } from 'express';
import type http from 'node:http';
import { isStatus, type StoredStatus } from '../core/deposit';
import { verifyAudit } from '../ops/audit';
import { depositRecords, exportContentType, isExportFormat, writeDeposits } from '../ops/export';
import { readiness } from '../ops/health';
import type { TellerMetrics } from '../ops/metrics';
import { lookupTransaction, type TxLookup } from '../ops/recheck';
import { canRescan } from '../scanner/rescan';
import type { OpsSource } from '../ops/source';
import type { Scanner } from '../scanner/types';
import { TellerError, errorMessage } from '../util/errors';
import type { Logger } from '../util/logger';
import { HttpError } from './errors';
import { parseGoQuery } from './go-query';
import { baseApp } from './middleware/base-app';
import {
  cleanPaths,
  goRoutes,
  notFound,
  pathOf,
  rawQueryOf,
  rejectMalformedTargets,
} from './middleware/go-mux';
import { readRawBody } from './middleware/raw-body';
import { route, sendJson, sendText } from './middleware/respond';
import { textErrors } from './middleware/text-error';

/**
 * Operator HTTP surfaces:
 *  - the metrics listener (`metrics.http_addr`): GET /metrics, /healthz, /readyz;
 *  - `healthRoutes` (/healthz, /readyz) to mount on another app as well;
 *  - `opsAdminRoutes` for the admin app (behind its bearer token): GET /api/audit/verify,
 *    GET /api/export?format=csv|json[&status=s], POST /api/rescan {chain, from_height},
 *    POST /api/recheck {txid, chain?}. Their failures are JSON `{"error": "..."}` bodies;
 *  - `withHttpMetrics`: wraps an app's listener to count requests by API, teller route and status.
 */

/** Request bodies of the ops routes are tiny JSON objects. */
const MAX_BODY_BYTES = 4096;

/**
 * A path → route label function: a known route is its own label, a pattern its template, any other
 * /api path 'other', anything else 'static' (the web UI's files). Never the raw path: every label
 * value is a new time series.
 */
export function routeLabeler(
  known: Iterable<string>,
  patterns: readonly (readonly [RegExp, string])[] = [],
): (path: string) => string {
  const routes = new Set(known);
  return (p) => {
    if (routes.has(p)) return p;
    const hit = patterns.find(([re]) => re.test(p));
    if (hit) return hit[1];
    return p === '/api' || p.startsWith('/api/') ? 'other' : 'static';
  };
}

/** The request path, `%XX` decoded to one char per byte as the Go mux sees it (go-mux.ts). */
function requestPath(url: string): string {
  const q = url.indexOf('?');
  const raw = q < 0 ? url : url.slice(0, q);
  if (!raw.includes('%')) return raw;
  return raw.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Wraps a listener (an express app) so that every finished request of `api` is counted, whatever
 * the app does with it: the apps themselves stay unaware of metrics.
 */
export function withHttpMetrics(
  listener: http.RequestListener,
  metrics: Pick<TellerMetrics, 'countHttp'>,
  api: string,
  label: (path: string) => string,
): http.RequestListener {
  return (req, res) => {
    res.once('close', () => metrics.countHttp(api, label(requestPath(req.url ?? '')), res.statusCode));
    listener(req, res);
  };
}

export const sendError = (res: Response, status: number, error: string): void =>
  sendJson(res, { error }, status);

export function allow(req: Request, ...methods: string[]): void {
  if (!methods.includes(req.method))
    throw new HttpError('method_not_allowed', '', { Allow: methods.join(', ') });
}

export interface HealthDeps {
  source: Pick<OpsSource, 'store' | 'scanners'>;
  /** /readyz fails for a scanner further behind than this (notification.scanner_lag_blocks). */
  maxLagBlocks: number;
}

/** /healthz: the process answers. /readyz: the store reads and the scanners keep up (503 if not). */
export function healthRoutes(deps: HealthDeps): Map<string, RequestHandler> {
  return new Map<string, RequestHandler>([
    [
      '/healthz',
      route(async (req, res) => {
        allow(req, 'GET', 'HEAD');
        sendText(res, 200, 'ok\n');
      }),
    ],
    [
      '/readyz',
      route(async (req, res) => {
        allow(req, 'GET', 'HEAD');
        const r = await readiness(deps.source, deps.maxLagBlocks);
        sendJson(res, r, r.ready ? 200 : 503);
      }),
    ],
  ]);
}

/** The metrics listener's app: /metrics, /healthz, /readyz; 404 for the rest. */
export function createMetricsApp(metrics: TellerMetrics, health: HealthDeps, log: Logger): Express {
  const routes = healthRoutes(health);
  routes.set(
    '/metrics',
    route(async (req, res) => {
      allow(req, 'GET', 'HEAD');
      const { contentType, body } = await metrics.render();
      res.setHeader('Content-Type', contentType);
      res.setHeader('Content-Length', Buffer.byteLength(body));
      res.end(body);
    }),
  );
  const app = baseApp();
  app.use(
    rejectMalformedTargets,
    cleanPaths,
    goRoutes((p) => routes.get(p)),
    notFound,
    textErrors(log),
  );
  return app;
}

export interface OpsAdminDeps {
  store: OpsSource['store'];
  scanners: readonly Scanner[];
  log: Logger;
}

export async function readJsonObject(req: Request): Promise<Record<string, unknown>> {
  const raw = await readRawBody(req, MAX_BODY_BYTES);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new BadRequest(`request body is not JSON: ${errorMessage(err)}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequest('request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** A client mistake in an ops route: 400 with a JSON error. */
export class BadRequest extends TellerError {
  constructor(message: string) {
    super('bad_request', message);
  }
}

/** Runs an ops handler: BadRequest → 400, a scanner's refusal (TellerError) → 409, as JSON. */
export function opsRoute(log: Logger, fn: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return route(async (req, res) => {
    try {
      await fn(req, res);
    } catch (err) {
      if (err instanceof HttpError || res.headersSent) throw err;
      if (err instanceof BadRequest) return sendError(res, 400, err.message);
      if (err instanceof TellerError && !err.retryable) return sendError(res, 409, err.message);
      log.error({ err, path: pathOf(req) }, 'ops request failed');
      sendError(res, 500, errorMessage(err));
    }
  });
}

function exportHandler(deps: OpsAdminDeps): RequestHandler {
  return opsRoute(deps.log, async (req, res) => {
    allow(req, 'GET');
    const query = parseGoQuery(rawQueryOf(req));
    const format = query.get('format')?.[0] ?? 'json';
    if (!isExportFormat(format)) throw new BadRequest(`format must be csv or json, got "${format}"`);
    const given = query.get('status')?.[0] ?? '';
    let status: StoredStatus | undefined;
    if (given !== '') {
      if (!isStatus(given) || given === 'waiting_deposit') throw new BadRequest(`unknown status "${given}"`);
      status = given;
    }
    res.setHeader('Content-Type', exportContentType(format));
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="teller-deposits-${Math.floor(Date.now() / 1000)}.${format}"`,
    );
    // A client that goes away must not leave the export waiting for a 'drain' that never comes.
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const rows = await writeDeposits(depositRecords(deps.store, status), format, res, gone.signal);
    deps.log.info({ rows, format }, 'deposits exported');
    res.end();
  });
}

function scannerOf(deps: OpsAdminDeps, chain: string): Scanner | undefined {
  return deps.scanners.find((s) => s.chain === chain);
}

function rescanHandler(deps: OpsAdminDeps): RequestHandler {
  return opsRoute(deps.log, async (req, res) => {
    allow(req, 'POST');
    const body = await readJsonObject(req);
    const { chain, from_height: from } = body;
    if (typeof chain !== 'string' || chain === '') throw new BadRequest('chain (string) is required');
    if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 0) {
      throw new BadRequest('from_height (whole number >= 0) is required');
    }
    const scanner = scannerOf(deps, chain);
    if (!scanner) return sendError(res, 404, `no scanner for chain ${chain}`);
    if (!canRescan(scanner))
      return sendError(
        res,
        501,
        `the ${chain} scanner cannot rescan while running; stop teller and run "teller rescan ${chain} ${from}"`,
      );
    const result = await scanner.rescanFrom(from);
    deps.log.warn({ chain, fromHeight: from }, 'rescan requested by admin');
    sendJson(res, result);
  });
}

/** The scanner's live view of a transaction: its status and pending (unconfirmed) outputs. */
function scannerView(scanner: Scanner, lookup: TxLookup): object {
  const addresses = new Set([
    ...lookup.deposits.map((d) => d.record.deposit_address),
    ...lookup.scan.map((s) => s.deposit.address),
  ]);
  const txids = new Set([lookup.txid, lookup.txid.toLowerCase()]);
  const pending = [...addresses].flatMap((a) => scanner.pending(a)).filter((p) => txids.has(p.deposit.tx));
  return { chain: scanner.chain, status: scanner.status(), pending };
}

function recheckHandler(deps: OpsAdminDeps): RequestHandler {
  return opsRoute(deps.log, async (req, res) => {
    allow(req, 'POST');
    const { txid, chain } = await readJsonObject(req);
    if (typeof txid !== 'string' || txid.trim() === '') throw new BadRequest('txid (string) is required');
    if (chain !== undefined && typeof chain !== 'string') throw new BadRequest('chain must be a string');
    const lookup = await lookupTransaction(deps.store, txid.trim());
    const scanners =
      chain === undefined || chain === '' ? deps.scanners : deps.scanners.filter((s) => s.chain === chain);
    if (chain && scanners.length === 0) return sendError(res, 404, `no scanner for chain ${chain}`);
    sendJson(res, { ...lookup, scanners: scanners.map((s) => scannerView(s, lookup)) });
  });
}

/** The admin app's ops routes, to merge into its route table (they sit behind its bearer token). */
export function opsAdminRoutes(deps: OpsAdminDeps): Map<string, RequestHandler> {
  return new Map<string, RequestHandler>([
    [
      '/api/audit/verify',
      opsRoute(deps.log, async (req, res) => {
        allow(req, 'GET');
        sendJson(res, await verifyAudit(deps.store));
      }),
    ],
    ['/api/export', exportHandler(deps)],
    ['/api/rescan', rescanHandler(deps)],
    ['/api/recheck', recheckHandler(deps)],
  ]);
}

import type { Express, Request, RequestHandler } from 'express';
import type { Config } from '../config/types';
import { isStatus } from '../core/deposit';
import { errorMessage } from '../util/errors';
import type { Logger } from '../util/logger';
import { HttpError, fromServiceError } from './errors';
import { goFormValue, parseGoQuery } from './go-query';
import { baseApp } from './middleware/base-app';
import { bearerAuth } from './middleware/bearer-auth';
import { cleanPaths, goRoutes, pathOf, rawQueryOf, rejectMalformedTargets } from './middleware/go-mux';
import { hostGuard, sameOriginWrites } from './middleware/local-only';
import { clientGone } from './middleware/raw-body';
import { requestLog } from './middleware/request-log';
import { route, sendJson } from './middleware/respond';
import { securityHeaders } from './middleware/security';
import { textErrors } from './middleware/text-error';
import type { AdminService } from './services';
import { routeLabeler } from './ops';
import { adminStatic } from './static';

/**
 * The admin server: teller's monitor API (spec teller-http.md §3, DESIGN.md differences 11 and
 * 13) plus deposit detail, retry and an overview for the dashboard, which is served at `/`, and
 * the EVM nonce gap (GET /api/payout/nonce-gaps, POST /api/payout/nonce-gaps/<nonce>/fill).
 * Every /api path needs the bearer token when admin_panel.token is set. Every request needs a
 * loopback or allow-listed `Host`, and every POST a same-origin (or no) `Origin` and a JSON body if
 * any (middleware/local-only.ts): a web page the operator visits must not approve a payout.
 */

/** A gap fill refused: 409 with the reason. */
const GAP_ERRORS = {
  not_a_gap: 'not_retryable',
  not_retryable: 'not_retryable',
  not_found: 'not_retryable',
  fee_above_ceiling: 'not_retryable',
  insufficient_balance: 'not_retryable',
  broadcast_rejected: 'not_retryable',
  broadcast_failed: 'not_retryable',
  nonce_busy: 'not_retryable',
  evm_node_unreachable: 'not_retryable',
  evm_rpc_error: 'not_retryable',
} as const;

const RETRY_ERRORS = {
  not_found: 'deposit_not_found',
  not_retryable: 'not_retryable',
  note_required: 'not_retryable',
} as const;

function requireMethod(req: Request, method: string): void {
  if (req.method !== method) throw new HttpError('method_not_allowed', '', { Allow: method });
}

/** A GET-only JSON route (405 `Method Not Allowed`, `Allow: GET` otherwise). */
function getJson(body: (req: Request) => Promise<object>): RequestHandler {
  return route(async (req, res) => {
    requireMethod(req, 'GET');
    sendJson(res, await body(req));
  });
}

function depositsHandler(svc: AdminService): RequestHandler {
  return getJson(async (req) => {
    const status = goFormValue(parseGoQuery(rawQueryOf(req)), undefined, 'status');
    if (status !== '' && !isStatus(status)) throw new HttpError('invalid_status');
    return { deposits: await svc.deposits(status === '' ? undefined : status) };
  });
}

/** GET only (teller accepted any method here); a consistent snapshot as an attachment. */
function backupHandler(svc: AdminService, log: Logger): RequestHandler {
  return route(async (req, res) => {
    requireMethod(req, 'GET');
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Disposition', `attachment; filename="${svc.backupFileName()}"`);
    try {
      await svc.backup(res);
    } catch (err) {
      if (clientGone(req, err) || res.destroyed) {
        log.info({ error: errorMessage(err) }, 'backup download closed by the client');
        return;
      }
      log.error({ err }, 'backup failed');
      throw new HttpError('backup_failed', err instanceof Error ? err.message : String(err));
    }
    if (!res.writableEnded) res.end();
  });
}

/** POST /api/deposits/<id>/{retry,approve,handled}: the service's answer, its refusals as tabled. */
function depositAction(action: (req: Request) => Promise<object>): RequestHandler {
  return route(async (req, res) => {
    requireMethod(req, 'POST');
    try {
      sendJson(res, await action(req));
    } catch (err) {
      throw fromServiceError(err, RETRY_ERRORS);
    }
  });
}

/** POST /api/payout/nonce-gaps/<nonce>/fill (EVM). */
function fillGapHandler(svc: AdminService, nonce: number): RequestHandler {
  return route(async (req, res) => {
    requireMethod(req, 'POST');
    try {
      sendJson(res, await svc.fillNonceGap(nonce));
    } catch (err) {
      throw fromServiceError(err, GAP_ERRORS);
    }
  });
}

/** The deposit id in a path, as the Go mux passes it on (one char per byte → UTF-8). */
const idOf = (m: RegExpExecArray): string => Buffer.from(m[1], 'latin1').toString('utf8');

/**
 * The admin listener's own routes, one table from which both the routing and the metric labels
 * (teller_http_requests_total's `route`) come: a route with a parameter is labelled by its
 * template, never by the raw path. An exact path wins over a template (/api/deposits/errored).
 */
type AdminRoute =
  | { label: string; handler: (svc: AdminService, log: Logger) => RequestHandler }
  /** A template: the path pattern (its first group the parameter) and the handler for a match. */
  | { label: string; pattern: RegExp; handlerFor: (svc: AdminService, m: RegExpExecArray) => RequestHandler };

export const ADMIN_ROUTES: readonly AdminRoute[] = [
  { label: '/api/deposit-addresses', handler: (svc) => getJson(() => svc.depositAddresses()) },
  { label: '/api/deposits', handler: (svc) => depositsHandler(svc) },
  {
    label: '/api/deposits/errored',
    handler: (svc) => getJson(async () => ({ deposits: await svc.errored() })),
  },
  { label: '/api/accounting', handler: (svc) => getJson(() => svc.accounting()) },
  { label: '/api/backup', handler: (svc, log) => backupHandler(svc, log) },
  { label: '/api/overview', handler: (svc) => getJson(() => svc.overview()) },
  { label: '/api/payout/nonce-gaps', handler: (svc) => getJson(() => svc.nonceGap()) },
  {
    label: '/api/deposits/:id/retry',
    pattern: /^\/api\/deposits\/([^/]+)\/retry$/,
    handlerFor: (svc, m) => depositAction(() => svc.retry(idOf(m))),
  },
  {
    label: '/api/deposits/:id/approve',
    pattern: /^\/api\/deposits\/([^/]+)\/approve$/,
    handlerFor: (svc, m) => depositAction(() => svc.approve(idOf(m))),
  },
  {
    label: '/api/deposits/:id/handled',
    pattern: /^\/api\/deposits\/([^/]+)\/handled$/,
    handlerFor: (svc, m) =>
      depositAction((req) => svc.markHandled(idOf(m), parseGoQuery(rawQueryOf(req)).get('note')?.[0] ?? '')),
  },
  {
    label: '/api/deposits/:id',
    pattern: /^\/api\/deposits\/([^/]+)$/,
    handlerFor: (svc, m) =>
      getJson(async () => {
        const deposit = await svc.deposit(idOf(m));
        if (deposit === undefined) throw new HttpError('deposit_not_found');
        return deposit;
      }),
  },
  {
    label: '/api/payout/nonce-gaps/:nonce/fill',
    pattern: /^\/api\/payout\/nonce-gaps\/(\d{1,15})\/fill$/,
    handlerFor: (svc, m) => fillGapHandler(svc, Number(m[1])),
  },
];

/**
 * The admin listener's metric labels: its routes' labels, the extra routes' paths (ops and rate
 * routes), any other /api path 'other', anything else 'static' (the dashboard's files).
 */
export function adminRouteLabeler(extraRoutes: Iterable<string>): (path: string) => string {
  const exact = ADMIN_ROUTES.flatMap((r) => ('pattern' in r ? [] : [r.label]));
  const templates = ADMIN_ROUTES.flatMap((r) => ('pattern' in r ? [[r.pattern, r.label] as const] : []));
  return routeLabeler([...exact, ...extraRoutes], templates);
}

export function createAdminApp(
  svc: AdminService,
  cfg: Config,
  log: Logger,
  /** More routes behind the same token (src/http/ops.ts opsAdminRoutes). */
  extraRoutes: ReadonlyMap<string, RequestHandler> = new Map(),
): Express {
  const exact = new Map<string, RequestHandler>();
  for (const r of ADMIN_ROUTES) if (!('pattern' in r)) exact.set(r.label, r.handler(svc, log));
  const templated = (p: string): RequestHandler | undefined => {
    for (const r of ADMIN_ROUTES) {
      const m = 'pattern' in r ? r.pattern.exec(p) : null;
      if (m && 'pattern' in r) return r.handlerFor(svc, m);
    }
    return undefined;
  };
  const auth = bearerAuth(cfg.admin_panel.token);
  const apiAuth: RequestHandler = (req, res, next) => {
    const p = pathOf(req);
    if (p === '/api' || p.startsWith('/api/')) auth(req, res, next);
    else next();
  };
  const dashboard = securityHeaders();
  const local = { allowedHosts: cfg.admin_panel.allowed_hosts, allowedHostsKey: 'admin_panel.allowed_hosts' };
  const app = baseApp();
  app.use(
    rejectMalformedTargets,
    requestLog(log),
    hostGuard(local),
    sameOriginWrites(local),
    cleanPaths,
    apiAuth,
    goRoutes((p) => exact.get(p) ?? extraRoutes.get(p) ?? templated(p)),
    dashboard,
    adminStatic(cfg.web.static_dir),
    textErrors(log),
  );
  return app;
}

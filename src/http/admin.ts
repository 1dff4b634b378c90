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

function depositRoutes(svc: AdminService, path: string): RequestHandler | undefined {
  const m = /^\/api\/deposits\/([^/]+)(\/retry|\/handled|\/approve)?$/.exec(path);
  if (m === null) return undefined;
  const id = Buffer.from(m[1], 'latin1').toString('utf8');
  if (m[2] !== undefined) {
    const action = m[2];
    return route(async (req, res) => {
      requireMethod(req, 'POST');
      try {
        if (action === '/retry') sendJson(res, await svc.retry(id));
        else if (action === '/approve') sendJson(res, await svc.approve(id));
        else sendJson(res, await svc.markHandled(id, parseGoQuery(rawQueryOf(req)).get('note')?.[0] ?? ''));
      } catch (err) {
        throw fromServiceError(err, RETRY_ERRORS);
      }
    });
  }
  return getJson(async () => {
    const deposit = await svc.deposit(id);
    if (deposit === undefined) throw new HttpError('deposit_not_found');
    return deposit;
  });
}

/** POST /api/payout/nonce-gaps/<nonce>/fill (EVM). */
function payoutRoutes(svc: AdminService, path: string): RequestHandler | undefined {
  const m = /^\/api\/payout\/nonce-gaps\/(\d{1,15})\/fill$/.exec(path);
  if (m === null) return undefined;
  const nonce = Number(m[1]);
  return route(async (req, res) => {
    requireMethod(req, 'POST');
    try {
      sendJson(res, await svc.fillNonceGap(nonce));
    } catch (err) {
      throw fromServiceError(err, GAP_ERRORS);
    }
  });
}

export function createAdminApp(
  svc: AdminService,
  cfg: Config,
  log: Logger,
  /** More routes behind the same token (src/http/ops.ts opsAdminRoutes). */
  extraRoutes: ReadonlyMap<string, RequestHandler> = new Map(),
): Express {
  const routes = new Map<string, RequestHandler>([
    ['/api/deposit-addresses', getJson(() => svc.depositAddresses())],
    ['/api/deposits', depositsHandler(svc)],
    ['/api/deposits/errored', getJson(async () => ({ deposits: await svc.errored() }))],
    ['/api/accounting', getJson(() => svc.accounting())],
    ['/api/backup', backupHandler(svc, log)],
    ['/api/overview', getJson(() => svc.overview())],
    ['/api/payout/nonce-gaps', getJson(() => svc.nonceGap())],
  ]);
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
    goRoutes((p) => routes.get(p) ?? extraRoutes.get(p) ?? depositRoutes(svc, p) ?? payoutRoutes(svc, p)),
    dashboard,
    adminStatic(cfg.web.static_dir),
    textErrors(log),
  );
  return app;
}

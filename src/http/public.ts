import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../util/logger';
import { apiListener, type ApiListener } from './api/route';
import { publicApiRoutes } from './api/public-routes';
import { GzipCache } from './api/gzip';
import { HttpError } from './errors';
import { baseApp } from './middleware/base-app';
import { CorsPolicy } from './middleware/cors';
import {
  goCleanPath,
  goEscapePath,
  goRedirect,
  parseTarget,
  rememberTarget,
  requestUri,
} from './middleware/go-mux';
import { gzip } from './middleware/gzip';
import { isTls, securityHeaderLists } from './middleware/security';
import { textErrors } from './middleware/text-error';
import type { PublicService } from './services';
import { publicStatic } from './static';

export { PUBLIC_API_PATHS } from './api/public-routes';

/**
 * The public server (teller's src/teller/http.go; spec teller-http.md §2): the whole-server steps
 * (Go's request-target checks, the Host allow-list, the HTTPS redirect, the security headers, Go
 * ServeMux path cleaning), then the API routes on their own request path (src/http/api/route.ts),
 * and the web UI's files (express) for every other path. Each path has exactly one way through.
 */

export type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Go's http.Error before any other header was set (the front's own refusals). */
function sendBareError(res: ServerResponse, err: HttpError, head: string[] = []): void {
  head.push(
    'Content-Type',
    'text/plain; charset=utf-8',
    'X-Content-Type-Options',
    'nosniff',
    'Content-Length',
    String(Buffer.byteLength(err.body)),
  );
  res.writeHead(err.status, head);
  res.end(err.body);
}

export function createPublicApp(svc: PublicService, log: Logger): Listener {
  const web = svc.config.web;
  if (web.auto_tls_host !== '' && (web.tls_cert === '' || web.tls_key === '')) {
    log.warn(
      { auto_tls_host: web.auto_tls_host },
      "web.auto_tls_host: Let's Encrypt certificates cannot be obtained (the ACME challenge teller used is gone); set web.tls_cert and web.tls_key. The host is used for the Host allow-list and the HTTPS redirect only",
    );
  }
  const security = securityHeaderLists();
  const deps = { log, cors: new CorsPolicy(web.cors_allowed), gzip: new GzipCache() };
  const routes = new Map<string, ApiListener>(
    publicApiRoutes(svc).map((route) => [route.path, apiListener(route, deps)]),
  );
  const files = baseApp();
  files.use(gzip(), publicStatic(web.static_dir), textErrors(log));
  const allowedHost = web.auto_tls_host.toLowerCase();
  const sslHost = web.auto_tls_host || web.https_addr;

  return (req, res) => {
    const start = performance.now();
    const url = req.url ?? '';
    // Go's server: `OPTIONS *` gets an empty 200; a target it cannot parse a 400 and a closed connection.
    if (url === '*' && req.method === 'OPTIONS') {
      res.writeHead(200, ['Content-Length', '0']);
      res.end();
      return;
    }
    const target = parseTarget(url);
    if (target === null) {
      sendBareError(res, new HttpError('malformed_request'), ['Connection', 'close']);
      return;
    }
    // unrolled/secure: Host allow-list (auto-TLS only), HTTPS redirect, then the security headers.
    if (allowedHost !== '' && (req.headers.host ?? '').toLowerCase() !== allowedHost) {
      const err = new HttpError('bad_host');
      log.warn({ method: req.method, path: target.path, error: err.message }, 'request failed');
      sendBareError(res, err);
      return;
    }
    const tls = isTls(req);
    if (sslHost !== '' && !tls) {
      goRedirect(req, res, `https://${sslHost}${requestUri(target)}`);
      return;
    }
    const headers = tls ? security.tls : security.plain;
    // A route's path is clean: ServeMux's redirect to the clean path only concerns the others.
    const route = routes.get(target.path);
    if (route !== undefined) {
      route(req, res, target, headers.slice(), start);
      return;
    }
    for (let i = 0; i < headers.length; i += 2) res.setHeader(headers[i], headers[i + 1]);
    const clean = goCleanPath(target.path);
    if (clean !== target.path) {
      const query = target.rawQuery;
      goRedirect(req, res, query === '' ? goEscapePath(clean) : `${goEscapePath(clean)}?${query}`);
      return;
    }
    rememberTarget(req, target);
    files(req, res);
  };
}

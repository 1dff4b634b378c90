import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TLSSocket } from 'node:tls';
import { HttpError } from '../errors';
import { goRedirect, requestTarget, requestUri } from './go-mux';

/**
 * teller's `unrolled/secure` layer, outermost on the public server: Host allow-list (auto-TLS
 * only), redirect of plain-HTTP requests when an HTTPS host is configured, and the security
 * headers on every other response.
 */

export const isTls = (req: IncomingMessage): boolean =>
  req.socket instanceof TLSSocket && req.socket.encrypted;

/** With auto_tls_host set, any other Host (compared case-insensitively, port included) is a 500. */
export function hostAllowList(allowedHost: string): RequestHandler {
  const allowed = allowedHost.toLowerCase();
  return (req, _res, next) => {
    if (allowed === '' || (req.headers.host ?? '').toLowerCase() === allowed) next();
    else next(new HttpError('bad_host'));
  };
}

/** Every request that did not arrive over TLS → 301 to `https://<sslHost><path>?<query>`. */
export function httpsRedirect(sslHost: string): RequestHandler {
  return (req, res, next) => {
    const target = requestTarget(req);
    if (sslHost === '' || isTls(req) || target === null) next();
    else goRedirect(req, res, `https://${sslHost}${requestUri(target)}`);
  };
}

/** The UI is built to need nothing beyond its own origin (and data: images). */
const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  styleSrc: ["'self'"],
  scriptSrc: ["'self'"],
  connectSrc: ["'self'"],
};

/**
 * X-Frame-Options DENY, nosniff, Referrer-Policy no-referrer, X-Xss-Protection `1; mode=block`
 * (helmet can only write 0), a CSP for the UI, and HSTS on TLS requests only. helmet's other
 * defaults are off: teller did not send them and CORP would stop cross-origin API use.
 */
export function securityHeaders(): (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void {
  const base = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: false,
    crossOriginResourcePolicy: false,
    originAgentCluster: false,
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
    xContentTypeOptions: true,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xFrameOptions: { action: 'deny' },
    xPermittedCrossDomainPolicies: false,
    xPoweredBy: true,
    xXssProtection: false,
  });
  const hsts = helmet.strictTransportSecurity({ maxAge: 31536000, includeSubDomains: false });
  return (req, res, next) => {
    base(req, res, (err?: unknown) => {
      if (err !== undefined) {
        next(err);
        return;
      }
      res.setHeader('X-Xss-Protection', '1; mode=block');
      if (isTls(req)) hsts(req, res, next);
      else next();
    });
  };
}

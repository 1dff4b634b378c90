import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { HttpError } from '../errors';

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

/** The UI is built to need nothing beyond its own origin (and data: images). */
const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  styleSrc: ["'self'"],
  scriptSrc: ["'self'"],
  connectSrc: ["'self'"],
};

/**
 * The security headers, set per request: X-Frame-Options DENY, nosniff, Referrer-Policy no-referrer, X-Xss-Protection `1; mode=block`
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
 * The security headers as a flat [name, value, ...] list in wire order, for requests over plain
 * HTTP and over TLS (HSTS): taken once from the middleware above on a template request, as they do
 * not depend on anything else in the request.
 */
export function securityHeaderLists(): { plain: string[]; tls: string[] } {
  const apply = securityHeaders();
  const listFor = (tls: boolean): string[] => {
    const socket = tls ? new TLSSocket(new Socket()) : new Socket();
    const req = new IncomingMessage(socket);
    const res = new HeaderRecorder(req);
    let passed = false;
    apply(req, res, (err?: unknown) => {
      if (err !== undefined) throw err;
      passed = true;
    });
    if (!passed) throw new Error('security headers: the middleware did not finish synchronously');
    return res.flat();
  };
  return { plain: listFor(false), tls: listFor(true) };
}

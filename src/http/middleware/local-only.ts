import type { Request, RequestHandler } from 'express';
import { isLoopbackHost, splitHostHeader } from '../../util/loopback';
import { HttpError } from '../errors';

/**
 * Guards of the operator's listeners (admin, dummy), which a web page in the operator's own
 * browser can reach: DNS rebinding is stopped by the `Host` check, cross-site form posts and
 * no-cors fetches by the `Origin` / `Sec-Fetch-Site` check (DESIGN.md "Safety rules").
 */

export interface LocalOnlyOptions {
  /** Extra `Host` values: `name` (any port) or `name:port`, compared case-insensitively. */
  allowedHosts: readonly string[];
  /** The config key that lists them, named in the 403. */
  allowedHostsKey: string;
}

/** The request's `Host` is loopback or allow-listed; `allowed` holds lower-cased entries. */
function hostAllowed(value: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (value === undefined) return false;
  const parsed = splitHostHeader(value);
  if (parsed === null) return false;
  return isLoopbackHost(parsed.host) || allowed.has(parsed.host) || allowed.has(value.toLowerCase());
}

/** Every request: 403 unless its `Host` names loopback or an allowed host. */
export function hostGuard(opts: LocalOnlyOptions): RequestHandler {
  const allowed = new Set(opts.allowedHosts.map((h) => h.toLowerCase()));
  return (req, _res, next) => {
    if (hostAllowed(req.headers.host, allowed)) next();
    else next(new HttpError('host_not_allowed', opts.allowedHostsKey));
  };
}

/** `Sec-Fetch-Site` values a browser sends for the page's own requests and typed-in URLs. */
const SAME_SITE_FETCH = new Set(['same-origin', 'none']);

/**
 * The request comes from the listener's own pages, from an allowed host's pages, or from no page
 * at all (curl, scripts): `Sec-Fetch-Site` absent or same-origin, `Origin` absent or naming the
 * request's own `Host` (or an allowed host: a TLS proxy in front may rewrite `Host`).
 */
export function isSameOrigin(req: Request, allowedHosts: ReadonlySet<string> = new Set()): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && !SAME_SITE_FETCH.has(site.toLowerCase())) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const url = URL.parse(origin);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) return false;
  const host = url.host.toLowerCase();
  return (
    host === (req.headers.host ?? '').toLowerCase() ||
    allowedHosts.has(host) ||
    allowedHosts.has(url.hostname.toLowerCase())
  );
}

/** A request that carries a body (a length other than 0, or chunked). */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** `application/json`, with parameters (charset) or not. */
const isJson = (ct: string | undefined): boolean =>
  ct !== undefined && /^application\/json[ \t]*(;|$)/i.test(ct);

/**
 * State-changing requests (every method but GET and HEAD): same-origin only, and a body, if any,
 * must be JSON, which a cross-site form or a no-cors fetch cannot send without a preflight.
 */
export function sameOriginWrites(opts: LocalOnlyOptions): RequestHandler {
  const allowed = new Set(opts.allowedHosts.map((h) => h.toLowerCase()));
  return (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    if (!isSameOrigin(req, allowed)) return next(new HttpError('cross_site'));
    if (hasBody(req) && !isJson(req.headers['content-type']))
      return next(new HttpError('json_body_required'));
    next();
  };
}

/** Every request, whatever its method (the dummy API changes state on GET): same-origin only. */
export function sameOriginOnly(opts: LocalOnlyOptions): RequestHandler {
  const allowed = new Set(opts.allowedHosts.map((h) => h.toLowerCase()));
  return (req, _res, next) => next(isSameOrigin(req, allowed) ? undefined : new HttpError('cross_site'));
}

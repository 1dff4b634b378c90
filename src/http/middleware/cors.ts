import type { IncomingMessage } from 'node:http';

/**
 * rs/cors as teller configures it: AllowedOrigins = web.cors_allowed (empty = all, answered `*`),
 * methods GET/POST/HEAD, request headers Origin/Accept/Content-Type, no credentials, no max-age.
 * Hand-written because the `cors` package answers preflights and `Vary` differently. Non-OPTIONS
 * requests always get `Vary: Origin`; an OPTIONS request without Access-Control-Request-Method goes
 * on to the route (which answers 405) without it.
 */

const ALLOWED_METHODS = ['GET', 'POST', 'HEAD'];
const ALLOWED_HEADERS = ['Origin', 'Accept', 'Content-Type'];

interface OriginPolicy {
  all: boolean;
  exact: string[];
  wildcards: { prefix: string; suffix: string }[];
}

function compileOrigins(origins: readonly string[]): OriginPolicy {
  const policy: OriginPolicy = { all: origins.length === 0, exact: [], wildcards: [] };
  for (const o of origins.map((x) => x.toLowerCase())) {
    if (o === '*') return { all: true, exact: [], wildcards: [] };
    const star = o.indexOf('*');
    if (star < 0) policy.exact.push(o);
    else policy.wildcards.push({ prefix: o.slice(0, star), suffix: o.slice(star + 1) });
  }
  return policy;
}

function isOriginAllowed(p: OriginPolicy, origin: string): boolean {
  if (p.all) return true;
  const o = origin.toLowerCase();
  return (
    p.exact.includes(o) ||
    p.wildcards.some(
      (w) => o.length >= w.prefix.length + w.suffix.length && o.startsWith(w.prefix) && o.endsWith(w.suffix),
    )
  );
}

function isMethodAllowed(method: string): boolean {
  const m = method.toUpperCase();
  return m === 'OPTIONS' || ALLOWED_METHODS.includes(m);
}

/** rs/cors parseHeaderList: split on space/comma, keep [A-Za-z0-9_.-], canonicalise the case. */
export function parseHeaderList(list: string): string[] {
  const out: string[] = [];
  let h = '';
  let upper = true;
  for (let i = 0; i < list.length; i++) {
    const b = list[i];
    if (/[a-z]/.test(b)) h += upper ? b.toUpperCase() : b;
    else if (/[A-Z]/.test(b)) h += upper ? b : b.toLowerCase();
    else if (/[-_.0-9]/.test(b)) h += b;
    if (b === ' ' || b === ',' || i === list.length - 1) {
      if (h !== '') out.push(h);
      h = '';
      upper = true;
    } else {
      upper = b === '-';
    }
  }
  return out;
}

const header = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));

/** `Vary` of a preflight's answer, after gzip's Accept-Encoding. */
const PREFLIGHT_VARY =
  'Accept-Encoding, Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

/** web.cors_allowed, compiled once; the public API routes ask it per request. */
export class CorsPolicy {
  private readonly policy: OriginPolicy;

  constructor(allowedOrigins: readonly string[]) {
    this.policy = compileOrigins(allowedOrigins);
  }

  /** True for a preflight (OPTIONS with Access-Control-Request-Method), which CORS answers itself. */
  isPreflight(req: IncomingMessage): boolean {
    return req.method === 'OPTIONS' && header(req.headers['access-control-request-method']) !== '';
  }

  /**
   * A preflight's headers after the security ones: the three `Vary` fields and, only if origin,
   * method and requested headers are all allowed, the Access-Control-Allow-* answers.
   */
  preflightHeaders(req: IncomingMessage): string[] {
    const origin = header(req.headers.origin);
    const requestMethod = header(req.headers['access-control-request-method']);
    const out = ['Vary', PREFLIGHT_VARY];
    const requestHeaders = parseHeaderList(header(req.headers['access-control-request-headers']));
    if (
      origin !== '' &&
      isOriginAllowed(this.policy, origin) &&
      isMethodAllowed(requestMethod) &&
      requestHeaders.every((h) => ALLOWED_HEADERS.includes(h))
    ) {
      out.push('Access-Control-Allow-Origin', this.allowOriginValue(origin));
      out.push('Access-Control-Allow-Methods', requestMethod.toUpperCase());
      if (requestHeaders.length > 0) out.push('Access-Control-Allow-Headers', requestHeaders.join(', '));
    }
    return out;
  }

  /**
   * Access-Control-Allow-Origin for an actual (non-OPTIONS) request, or undefined when it gets
   * none (no Origin, an origin not allowed, a method CORS does not allow).
   */
  allowOrigin(req: IncomingMessage): string | undefined {
    const origin = header(req.headers.origin);
    if (origin === '' || !isOriginAllowed(this.policy, origin) || !isMethodAllowed(req.method ?? '')) {
      return undefined;
    }
    return this.allowOriginValue(origin);
  }

  private allowOriginValue(origin: string): string {
    return this.policy.all ? '*' : origin;
  }
}

import type { RequestHandler } from 'express';
import { appendVary } from './respond';

/**
 * rs/cors as teller configures it: AllowedOrigins = web.cors_allowed (empty = all, answered `*`),
 * methods GET/POST/HEAD, request headers Origin/Accept/Content-Type, no credentials, no max-age.
 * Hand-written because the `cors` package answers preflights and `Vary` differently.
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

export function cors(allowedOrigins: readonly string[]): RequestHandler {
  const policy = compileOrigins(allowedOrigins);
  const allowOriginValue = (origin: string): string => (policy.all ? '*' : origin);
  return (req, res, next) => {
    const origin = header(req.headers.origin);
    const requestMethod = header(req.headers['access-control-request-method']);
    if (req.method === 'OPTIONS' && requestMethod !== '') {
      appendVary(res, 'Origin');
      appendVary(res, 'Access-Control-Request-Method');
      appendVary(res, 'Access-Control-Request-Headers');
      const requestHeaders = parseHeaderList(header(req.headers['access-control-request-headers']));
      if (
        origin !== '' &&
        isOriginAllowed(policy, origin) &&
        isMethodAllowed(requestMethod) &&
        requestHeaders.every((h) => ALLOWED_HEADERS.includes(h))
      ) {
        res.setHeader('Access-Control-Allow-Origin', allowOriginValue(origin));
        res.setHeader('Access-Control-Allow-Methods', requestMethod.toUpperCase());
        if (requestHeaders.length > 0)
          res.setHeader('Access-Control-Allow-Headers', requestHeaders.join(', '));
      }
      res.statusCode = 200;
      res.setHeader('Content-Length', '0');
      res.end();
      return;
    }
    if (req.method !== 'OPTIONS') {
      appendVary(res, 'Origin');
      if (origin !== '' && isOriginAllowed(policy, origin) && isMethodAllowed(req.method)) {
        res.setHeader('Access-Control-Allow-Origin', allowOriginValue(origin));
      }
    }
    next();
  };
}

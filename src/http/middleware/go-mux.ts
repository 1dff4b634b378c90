import type { RequestHandler } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from '../errors';

/**
 * Go's net/http request-target handling and http.ServeMux routing as teller's servers exhibit it:
 * routes match the *decoded* path exactly, unclean paths (`//`, `/./`, `/../`) are 301-redirected
 * to the cleaned path first, and a path with a bad `%` escape never reaches a handler (400).
 */

export interface RequestTarget {
  /** The path as sent (still escaped). */
  rawPath: string;
  /** The query without the `?` ('' when absent). */
  rawQuery: string;
  /** Whether the target had a `?` (Go keeps `?` with an empty query: URL.ForceQuery). */
  forceQuery: boolean;
  /** The decoded path, one char per byte (Go's `r.URL.Path`; Node only accepts ASCII targets). */
  path: string;
}

const targets = new WeakMap<IncomingMessage, RequestTarget | null>();

const HEX = /^[0-9a-fA-F]{2}$/;

/** url.PathUnescape (mode encodePath): `%XX` → byte, `+` kept; undefined on a bad escape. */
function unescapePath(raw: string): string | undefined {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== '%') {
      out += raw[i];
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return undefined;
    out += String.fromCharCode(parseInt(hex, 16));
    i += 2;
  }
  return out;
}

/** A request target as Go's server parses it; null when it would answer 400. */
export function parseTarget(url: string): RequestTarget | null {
  let rest = url;
  // Absolute-form targets (`GET http://host/path`), as Go's url.ParseRequestURI accepts them.
  const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?]*/.exec(rest);
  if (abs) rest = rest.slice(abs[0].length) || '/';
  if (!rest.startsWith('/')) return null;
  const q = rest.indexOf('?');
  const rawPath = q < 0 ? rest : rest.slice(0, q);
  const path = unescapePath(rawPath);
  if (path === undefined) return null;
  return { rawPath, rawQuery: q < 0 ? '' : rest.slice(q + 1), forceQuery: q >= 0, path };
}

/** The parsed request target; null when Go's server would have rejected it with 400. */
export function requestTarget(req: IncomingMessage & { originalUrl?: string }): RequestTarget | null {
  let t = targets.get(req);
  if (t === undefined) {
    t = parseTarget(req.originalUrl || (req.url ?? ''));
    targets.set(req, t);
  }
  return t;
}

/** Records a target parsed already (requestTarget then returns it). */
export function rememberTarget(req: IncomingMessage, t: RequestTarget | null): void {
  targets.set(req, t);
}

/** The decoded request path ('' for a malformed target, which never reaches a route). */
export const pathOf = (req: IncomingMessage): string => requestTarget(req)?.path ?? '';
export const rawQueryOf = (req: IncomingMessage): string => requestTarget(req)?.rawQuery ?? '';

/** Go's cleanPath: path.Clean, rooted, keeping a trailing slash. */
export function goCleanPath(p: string): string {
  if (p === '') return '/';
  const rooted = p.startsWith('/') ? p : `/${p}`;
  const out: string[] = [];
  for (const seg of rooted.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  const clean = `/${out.join('/')}`;
  return rooted.endsWith('/') && clean !== '/' ? `${clean}/` : clean;
}

const isAlnum = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** net/url shouldEscape(c, encodePath). */
const shouldEscapeInPath = (c: number): boolean =>
  !isAlnum(c) && !'-_.~$&+,/:;=@'.includes(String.fromCharCode(c));

const pct = (c: number): string => `%${c.toString(16).toUpperCase().padStart(2, '0')}`;

/** url.URL{Path: p}.EscapedPath() for a path whose chars are bytes. */
export function goEscapePath(p: string): string {
  let out = '';
  for (const ch of p) {
    const c = ch.charCodeAt(0);
    if (c > 0xff) for (const b of Buffer.from(ch, 'utf8')) out += pct(b);
    else out += shouldEscapeInPath(c) ? pct(c) : ch;
  }
  return out;
}

/** net/url validEncoded(s, encodePath): Go then keeps the raw path as sent. */
const validEncodedPath = (s: string): boolean =>
  [...s].every((ch) => "%!$&'()*+,;=:@[]".includes(ch) || !shouldEscapeInPath(ch.charCodeAt(0)));

/** r.URL.String() without scheme and host: the escaped path and the query. */
export function requestUri(t: RequestTarget): string {
  const path = validEncodedPath(t.rawPath) ? t.rawPath : goEscapePath(t.path);
  return t.forceQuery || t.rawQuery !== '' ? `${path}?${t.rawQuery}` : path;
}

const htmlEscape = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c] ?? c,
  );

const hexEscapeNonAscii = (s: string): string =>
  s.replace(/[\u0080-\u{10ffff}]/gu, (ch) => [...Buffer.from(ch, 'utf8')].map(pct).join(''));

/** http.Redirect with 301 for a URL that is already clean (absolute, or a clean rooted path). */
export function goRedirect(req: IncomingMessage, res: ServerResponse, url: string): void {
  const hadContentType = res.hasHeader('Content-Type');
  res.setHeader('Location', hexEscapeNonAscii(url));
  if (!hadContentType && (req.method === 'GET' || req.method === 'HEAD')) {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
  }
  res.statusCode = 301;
  const body =
    !hadContentType && req.method === 'GET' ? `<a href="${htmlEscape(url)}">Moved Permanently</a>.\n\n` : '';
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** Go's server-level checks: `OPTIONS *` gets an empty 200; an unparsable target a 400. */
export const rejectMalformedTargets: RequestHandler = (req, res, next) => {
  if (req.url === '*' && req.method === 'OPTIONS') {
    res.setHeader('Content-Length', '0');
    res.end();
    return;
  }
  if (requestTarget(req) === null) {
    res.setHeader('Connection', 'close');
    next(new HttpError('malformed_request'));
    return;
  }
  next();
};

/** ServeMux's first step: a request for an unclean path is redirected to the clean one. */
export const cleanPaths: RequestHandler = (req, res, next) => {
  const t = requestTarget(req);
  if (t === null) {
    next(new HttpError('malformed_request'));
    return;
  }
  const clean = goCleanPath(t.path);
  if (clean === t.path) {
    next();
    return;
  }
  goRedirect(req, res, t.rawQuery === '' ? goEscapePath(clean) : `${goEscapePath(clean)}?${t.rawQuery}`);
};

/** ServeMux dispatch: `resolve` maps an exact decoded path to its handler stack. */
export function goRoutes(resolve: (path: string) => RequestHandler | undefined): RequestHandler {
  return (req, res, next) => {
    const handler = resolve(pathOf(req));
    if (handler === undefined) next();
    else handler(req, res, next);
  };
}

/** The mux's fallback: `404 page not found`. */
export const notFound: RequestHandler = (_req, _res, next) => {
  next(new HttpError('page_not_found'));
};

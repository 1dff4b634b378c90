import { Buffer } from 'node:buffer';
import { decodeGoUtf8 } from './go-json';

/**
 * Go's net/url and net/http form handling as teller's handlers see it (Go ≥ 1.17): `r.URL.Query()`,
 * `r.FormValue(name)` and the urlencoded part of `r.ParseForm`. Keys and values are Go strings of
 * bytes; here they are text with each invalid UTF-8 byte as U+FFFD (what Go's JSON encoder would
 * write for them).
 */

const MAX_FORM_BYTES = 10 << 20; // net/http: "10 MB is a lot of text"

const isHexByte = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** url.QueryUnescape: `+` → space, `%XX` → byte; undefined where Go returns an EscapeError. */
function queryUnescape(s: string): string | undefined {
  const b = Buffer.from(s, 'utf8');
  const out = Buffer.alloc(b.length);
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0x25) {
      if (i + 2 >= b.length || !isHexByte(b[i + 1]) || !isHexByte(b[i + 2])) return undefined;
      out[n++] = parseInt(b.toString('latin1', i + 1, i + 3), 16);
      i += 2;
    } else {
      out[n++] = c === 0x2b ? 0x20 : c;
    }
  }
  return decodeGoUtf8(out, 0, n);
}

/**
 * url.ParseQuery of a raw query (without the `?`): pairs split on `&`; a pair containing `;` and a
 * pair with a bad `%` escape in its key or value are dropped (Go reports an error that FormValue and
 * Query ignore); a pair without `=` has the value ''. Values keep their order per key.
 */
export function parseGoQuery(raw: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const pair of raw.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const key = queryUnescape(eq < 0 ? pair : pair.slice(0, eq));
    const value = queryUnescape(eq < 0 ? '' : pair.slice(eq + 1));
    if (key === undefined || value === undefined) continue;
    const values = out.get(key);
    if (values === undefined) out.set(key, [value]);
    else values.push(value);
  }
  return out;
}

// ---- mime.ParseMediaType, as far as it decides whether a body is a urlencoded form ------------

/** unicode.IsSpace (strings.TrimSpace and the mime parser use it; JavaScript's trim differs). */
const isGoSpace = (ch: string): boolean =>
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/.test(ch);

function trimGoSpaceLeft(s: string): string {
  let i = 0;
  while (i < s.length && isGoSpace(s.charAt(i))) i++;
  return s.slice(i);
}

const trimGoSpace = (s: string): string => {
  const left = trimGoSpaceLeft(s);
  let end = left.length;
  while (end > 0 && isGoSpace(left.charAt(end - 1))) end--;
  return left.slice(0, end);
};

/** strings.ToLower, rune by rune (U+0130 lowers to a plain `i` in Go). */
const goToLower = (s: string): string =>
  Array.from(s, (ch) => (ch === '\u0130' ? 'i' : ch.toLowerCase())).join('');

const isTokenChar = (ch: string): boolean => ch > ' ' && ch < '\x7f' && !'()<>@,;:\\"/[]?='.includes(ch);

function consumeToken(v: string): [token: string, rest: string] {
  let i = 0;
  while (i < v.length && isTokenChar(v.charAt(i))) i++;
  return [v.slice(0, i), v.slice(i)];
}

/** mime's consumeValue: a token or a quoted string; ['', v] when there is none. */
function consumeValue(v: string): [value: string, rest: string] {
  if (!v.startsWith('"')) return consumeToken(v);
  let value = '';
  for (let i = 1; i < v.length; i++) {
    const ch = v.charAt(i);
    if (ch === '"') return [value, v.slice(i + 1)];
    if (ch === '\r' || ch === '\n') break;
    // A backslash escapes only a tspecial; otherwise it is literal (the MSIE file-path quirk).
    const next = v.charAt(i + 1);
    if (ch === '\\' && next !== '' && '()<>@,;:\\"/[]?='.includes(next)) value += v.charAt(++i);
    else value += ch;
  }
  return ['', v];
}

/** Go's parameter loop: true when the parameters name one key twice (Go then drops the media type). */
function hasDuplicateParam(params: string): boolean {
  const seen = new Set<string>();
  let v = params;
  for (;;) {
    v = trimGoSpaceLeft(v);
    if (v === '' || !v.startsWith(';')) return false; // the end, or a parse error that keeps the type
    const [rawKey, afterKey] = consumeToken(trimGoSpaceLeft(v.slice(1)));
    const key = goToLower(rawKey);
    const afterEq = trimGoSpaceLeft(afterKey);
    if (key === '' || !afterEq.startsWith('=')) return false;
    const rest = trimGoSpaceLeft(afterEq.slice(1));
    const [value, after] = consumeValue(rest);
    if (value === '' && after === rest) return false;
    if (seen.has(key)) return true;
    seen.add(key);
    v = after;
  }
}

/** The media type net/http compares: mime.ParseMediaType's, or '' where it fails with no type. */
function goMediaType(contentType: string | undefined): string {
  const ct = contentType === undefined || contentType === '' ? 'application/octet-stream' : contentType;
  const semi = ct.indexOf(';');
  const base = semi < 0 ? ct : ct.slice(0, semi);
  return hasDuplicateParam(ct.slice(base.length)) ? '' : trimGoSpace(goToLower(base));
}

/**
 * The urlencoded body values net/http's ParseForm reads for POST, PUT and PATCH (the caller checks
 * the method). Only `application/x-www-form-urlencoded` (any case, any parameters) is parsed, as
 * Go does, up to 10 MB (a larger body yields no values); anything else yields an empty map.
 * Multipart bodies are not parsed.
 */
export function parseGoForm(contentType: string | undefined, body: string): Map<string, string[]> {
  if (goMediaType(contentType) !== 'application/x-www-form-urlencoded') return new Map();
  if (Buffer.byteLength(body, 'utf8') > MAX_FORM_BYTES) return new Map();
  return parseGoQuery(body);
}

/**
 * r.FormValue(name): the first value in r.Form, where r.Form lists the body's values (POST, PUT,
 * PATCH with a urlencoded body) before the query string's. '' when there is none.
 */
export function goFormValue(
  query: Map<string, string[]>,
  body: Map<string, string[]> | undefined,
  name: string,
): string {
  return body?.get(name)?.[0] ?? query.get(name)?.[0] ?? '';
}

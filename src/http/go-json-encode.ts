import type { StatusEntry } from './services';

/**
 * Go's json.MarshalIndent for the API's success bodies: insertion-ordered keys (callers order
 * them; goJsonMapKeysSorted for Go maps), bigint as a bare integer, HTML-safe escaping.
 */
const KEY_ORDER = Symbol('go-json key order');

/** Go's string encoder with HTML escaping (json.Marshal's default). */
export function quoteGo(s: string): string {
  let out = '"';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string;
    if (c < 0x80) {
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c !== 0x3c && c !== 0x3e && c !== 0x26) continue;
      const named: Record<number, string> = {
        0x22: '\\"',
        0x5c: '\\\\',
        0x0a: '\\n',
        0x0d: '\\r',
        0x09: '\\t',
      };
      esc = named[c] ?? `\\u00${c.toString(16).padStart(2, '0')}`;
    } else if (c === 0x2028 || c === 0x2029) {
      esc = `\\u${c.toString(16)}`;
    } else if (c >= 0xd800 && c < 0xe000) {
      const next = s.charCodeAt(i + 1);
      if (c < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
        i++;
        continue;
      }
      esc = '\\ufffd'; // a lone surrogate, as Go writes an invalid UTF-8 byte
    } else {
      continue;
    }
    out += s.slice(run, i) + esc;
    run = i + 1;
  }
  return `${out}${s.slice(run)}"`;
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`json: unsupported value: ${n}`);
  // ECMAScript's shortest round-trip form switches to exponents at the same bounds as Go's float
  // encoder (1e-6, 1e21) and prints them the same way (1e-7, 1e+21). -0 is written as an int would be.
  return Object.is(n, -0) ? '0' : String(n);
}

function entriesOf(v: object): [string, unknown][] {
  if (v instanceof Map) return Array.from(v, ([k, x]): [string, unknown] => [String(k), x]);
  const order: unknown = Reflect.get(v, KEY_ORDER);
  if (!Array.isArray(order)) return Object.entries(v);
  const own = Object.keys(v);
  const keys = order.filter((k): k is string => own.includes(String(k)));
  for (const k of own) if (!keys.includes(k)) keys.push(k);
  return keys.map((k) => [k, Reflect.get(v, k)]);
}

/**
 * Go's `json.MarshalIndent(v, "", "    ")` (indent = number of spaces; 0 gives json.Marshal's compact
 * form). Object keys in insertion order (see goJsonMapKeysSorted for Go maps); Maps in iteration
 * order; bigint as a bare integer; `undefined` properties omitted (array holes become null).
 * Plain loops and string appends: the status routes encode a body per request.
 */
export function encodeGoJson(value: unknown, indent = 4): string {
  const unit = ' '.repeat(indent);
  const [nl, colon] = indent > 0 ? ['\n', ': '] : ['', ':'];
  const parents = new Set<object>();
  const enc = (v: unknown, pad: string): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') return quoteGo(v);
    if (typeof v === 'number') return formatNumber(v);
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v !== 'object') throw new TypeError(`json: unsupported type: ${typeof v}`);
    if (parents.has(v)) throw new TypeError('json: unsupported value: encountered a cycle');
    parents.add(v);
    const inner = nl + pad + unit;
    let body = '';
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) body += (i === 0 ? inner : `,${inner}`) + enc(v[i], pad + unit);
    } else {
      for (const [k, x] of entriesOf(v)) {
        if (x === undefined) continue;
        body += (body === '' ? inner : `,${inner}`) + quoteGo(k) + colon + enc(x, pad + unit);
      }
    }
    parents.delete(v);
    const [open, shut] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
    return body === '' ? open + shut : `${open}${body}${nl}${pad}${shut}`;
  };
  if (value === undefined) throw new TypeError('json: unsupported value: undefined');
  return enc(value, '');
}

const utf8Compare = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * A copy of `obj` whose keys encodeGoJson writes in Go's map order (byte-wise sorted), even keys
 * such as "10" and "9" that a JavaScript object would reorder (the order rides on a hidden symbol,
 * so spread copies lose it).
 */
export function goJsonMapKeysSorted<T>(obj: Readonly<Record<string, T>>): Record<string, T> {
  const keys = Object.keys(obj).sort(utf8Compare);
  const out: Record<string, T> = {};
  for (const k of keys)
    Object.defineProperty(out, k, { value: obj[k], enumerable: true, writable: true, configurable: true });
  Object.defineProperty(out, KEY_ORDER, { value: keys, enumerable: false });
  return out;
}

/**
 * encodeGoJson of `{ [name]: rows }` for rows of strings and numbers (/api/v2/status's body),
 * written out directly: it is encoded for every address not asked for lately, and the general
 * encoder's walk cost ~30 µs of it for five rows.
 */
export function encodeRowsBody(
  name: string,
  rows: readonly Readonly<Record<string, string | number>>[],
): string {
  if (rows.length === 0) return `{\n    ${quoteGo(name)}: []\n}`;
  let items = '';
  for (const row of rows) {
    let fields = '';
    for (const [k, v] of Object.entries(row)) {
      fields +=
        `${fields === '' ? '' : ','}\n            ${quoteGo(k)}: ` +
        (typeof v === 'string' ? quoteGo(v) : formatNumber(v));
    }
    items += `${items === '' ? '' : ','}\n        ${fields === '' ? '{}' : `{${fields}\n        }`}`;
  }
  return `{\n    ${quoteGo(name)}: [${items}\n    ]\n}`;
}

/**
 * encodeGoJson of /api/status's body (`{}` without entries, else `{"statuses": [...]}`), written
 * out directly: it is encoded per request, and the general encoder's walk cost ~4 µs of it.
 */
export function encodeStatusBody(statuses: readonly StatusEntry[]): string {
  if (statuses.length === 0) return '{}';
  let items = '';
  for (const s of statuses) {
    items +=
      `${items === '' ? '' : ','}\n        {\n            "seq": ${formatNumber(s.seq)},` +
      `\n            "updated_at": ${formatNumber(s.updated_at)},` +
      `\n            "status": ${quoteGo(s.status)},` +
      `\n            "coin_type": ${quoteGo(s.coin_type)}\n        }`;
  }
  return `{\n    "statuses": [${items}\n    ]\n}`;
}

import { Buffer } from 'node:buffer';
import { TellerError } from '../util/errors';

/**
 * Go encoding/json behaviours that teller's clients can observe: the decoder's error texts and
 * quirks for `json.NewDecoder(body).Decode(&req)` into a struct of strings (Go 1.19, the version
 * the spec was probed with), and `json.MarshalIndent` output.
 */

/** A decode failure; `message` is Go's error text (the caller adds `Invalid json request body: `). */
export class GoJsonError extends TellerError<'invalid_json'> {
  constructor(message: string) {
    super('invalid_json', message);
  }
}

export interface GoField {
  /** The JSON name from the Go struct tag, e.g. `skyaddr`. */
  name: string;
  type: 'string';
}

// ---- scanner: a port of the state machine of Go's encoding/json/scanner.go -------------------

type Op = 'continue' | 'skip' | 'close' | 'end' | 'error';
type Ctx = 'key' | 'value' | 'array';
type Step = (s: Scanner, c: number) => Op;

const MAX_NESTING_DEPTH = 10000;

class Scanner {
  step: Step = beginValue;
  readonly stack: Ctx[] = [];
  error = '';

  fail(c: number, context: string): Op {
    this.step = () => 'error';
    this.error = `invalid character ${quoteChar(c)} ${context}`;
    return 'error';
  }

  push(c: number, ctx: Ctx): Op {
    this.stack.push(ctx);
    return this.stack.length <= MAX_NESTING_DEPTH ? 'continue' : this.fail(c, 'exceeded max depth');
  }
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** Go's scanner quoteChar: a byte shown as a rune in single quotes, escaped as strconv.Quote does. */
export function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  if (c === 0x5c) return `'\\\\'`;
  const named: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r' };
  const name = named[c];
  if (name !== undefined) return `'\\${name}'`;
  const hex2 = c.toString(16).padStart(2, '0');
  if (c < 0x20 || c === 0x7f) return `'\\x${hex2}'`;
  // strconv.IsPrint for Latin-1: printable ASCII and U+00A1..U+00FF except the soft hyphen.
  if (c < 0x7f || (c >= 0xa1 && c !== 0xad)) return `'${String.fromCharCode(c)}'`;
  return `'\\u00${hex2}'`;
}

/** Moves to `step` having consumed the byte. */
const to = (s: Scanner, step: Step): Op => {
  s.step = step;
  return 'continue';
};

function beginValue(s: Scanner, c: number): Op {
  if (isSpace(c)) return 'skip';
  if (c === 0x7b) return to(s, beginKeyOrEmpty) && s.push(c, 'key');
  if (c === 0x5b) return to(s, beginValueOrEmpty) && s.push(c, 'array');
  const start = c >= 0x31 && c <= 0x39 ? inInteger : VALUE_STARTS.get(c);
  return start === undefined ? s.fail(c, 'looking for beginning of value') : to(s, start);
}

function beginValueOrEmpty(s: Scanner, c: number): Op {
  if (isSpace(c)) return 'skip';
  return c === 0x5d ? endValue(s, c) : beginValue(s, c);
}

function beginKeyOrEmpty(s: Scanner, c: number): Op {
  if (isSpace(c) || c !== 0x7d) return beginKey(s, c);
  s.stack[s.stack.length - 1] = 'value';
  return endValue(s, c);
}

function beginKey(s: Scanner, c: number): Op {
  if (isSpace(c)) return 'skip';
  return c === 0x22 ? to(s, inString) : s.fail(c, 'looking for beginning of object key string');
}

function close(s: Scanner): Op {
  s.stack.pop();
  s.step = s.stack.length === 0 ? () => 'end' : endValue;
  return 'close';
}

function endValue(s: Scanner, c: number): Op {
  const n = s.stack.length;
  // The top-level value ended before this byte; whatever the byte is, decoding stops here.
  if (n === 0) return 'end';
  if (isSpace(c)) return to(s, endValue) && 'skip';
  const ctx = s.stack[n - 1];
  if (ctx === 'key') {
    if (c !== 0x3a) return s.fail(c, 'after object key');
    s.stack[n - 1] = 'value';
    return to(s, beginValue);
  }
  if (c === 0x2c) {
    s.stack[n - 1] = ctx === 'value' ? 'key' : 'array';
    return to(s, ctx === 'value' ? beginKey : beginValue);
  }
  if (c === (ctx === 'value' ? 0x7d : 0x5d)) return close(s);
  return s.fail(c, ctx === 'value' ? 'after object key:value pair' : 'after array element');
}

function inString(s: Scanner, c: number): Op {
  if (c === 0x22) return to(s, endValue);
  if (c === 0x5c) return to(s, inEscape);
  return c < 0x20 ? s.fail(c, 'in string literal') : 'continue';
}

const hexSteps: Step[] = [0, 1, 2, 3].map(
  (i) => (s, c) =>
    isHex(c) ? to(s, hexSteps[i + 1] ?? inString) : s.fail(c, 'in \\u hexadecimal character escape'),
);

function inEscape(s: Scanner, c: number): Op {
  if ('bfnrt\\/"'.includes(String.fromCharCode(c))) return to(s, inString);
  return c === 0x75 ? to(s, hexSteps[0] ?? inString) : s.fail(c, 'in string escape code');
}

function afterMinus(s: Scanner, c: number): Op {
  if (c === 0x30) return to(s, afterZero);
  return c >= 0x31 && c <= 0x39 ? to(s, inInteger) : s.fail(c, 'in numeric literal');
}

const inInteger: Step = (s, c) => (isDigit(c) ? 'continue' : afterZero(s, c));
const isE = (c: number): boolean => c === 0x65 || c === 0x45;

function afterZero(s: Scanner, c: number): Op {
  if (c === 0x2e) return to(s, afterDot);
  return isE(c) ? to(s, afterE) : endValue(s, c);
}

const afterDot: Step = (s, c) =>
  isDigit(c) ? to(s, inFraction) : s.fail(c, 'after decimal point in numeric literal');
const inFraction: Step = (s, c) => (isDigit(c) ? 'continue' : isE(c) ? to(s, afterE) : endValue(s, c));
const afterE: Step = (s, c) => (c === 0x2b || c === 0x2d ? to(s, afterESign) : afterESign(s, c));
const afterESign: Step = (s, c) =>
  isDigit(c) ? to(s, inExponent) : s.fail(c, 'in exponent of numeric literal');
const inExponent: Step = (s, c) => (isDigit(c) ? 'continue' : endValue(s, c));

/** The steps after the first letter of `word`, each expecting the next letter. */
function literalSteps(word: string): Step {
  let next: Step = endValue;
  for (let i = word.length - 1; i >= 1; i--) {
    const [want, after] = [word.charCodeAt(i), next];
    const context = `in literal ${word} (expecting '${word.charAt(i)}')`;
    next = (s, c) => (c === want ? to(s, after) : s.fail(c, context));
  }
  return next;
}

const VALUE_STARTS = new Map<number, Step>([
  [0x22, inString],
  [0x2d, afterMinus],
  [0x30, afterZero],
  [0x74, literalSteps('true')],
  [0x66, literalSteps('false')],
  [0x6e, literalSteps('null')],
]);

/** Decoder.readValue: the length of the first JSON value in `buf`, or Go's error. */
function firstValueLength(buf: Uint8Array): number {
  const s = new Scanner();
  for (let i = 0; i < buf.length; i++) {
    const op = s.step(s, buf[i]);
    if (op === 'end') return i;
    if (op === 'close' && s.stack.length === 0) return i + 1;
    if (op === 'error') throw new GoJsonError(s.error);
  }
  if (s.step(s, 0x20) === 'end') return buf.length;
  throw new GoJsonError(buf.some((c) => !isSpace(c)) ? 'unexpected EOF' : 'EOF');
}

// ---- decoding a value the scanner accepted ------------------------------------------------------

/** Length of the valid UTF-8 sequence at `i`, or 0 where Go's utf8.DecodeRune reports RuneError. */
function utf8SequenceLength(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  let n = 0;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) [n, lo, hi] = [3, c === 0xe0 ? 0xa0 : 0x80, c === 0xed ? 0x9f : 0xbf];
  else if (c >= 0xf0 && c <= 0xf4) [n, lo, hi] = [4, c === 0xf0 ? 0x90 : 0x80, c === 0xf4 ? 0x8f : 0xbf];
  if (n === 0 || i + n > end || b[i + 1] < lo || b[i + 1] > hi) return 0;
  for (let k = 2; k < n; k++) if ((b[i + k] & 0xc0) !== 0x80) return 0;
  return n;
}

/** Bytes to text as Go does when it must produce valid UTF-8: each invalid byte becomes U+FFFD. */
export function decodeGoUtf8(bytes: Uint8Array, start = 0, end = bytes.length): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out = '';
  let run = start;
  for (let i = start; i < end;) {
    if (buf[i] < 0x80) {
      i++;
      continue;
    }
    const n = utf8SequenceLength(buf, i, end);
    if (n > 0) {
      i += n;
      continue;
    }
    out += `${buf.toString('utf8', run, i)}\uFFFD`;
    run = ++i;
  }
  return out + buf.toString('utf8', run, end);
}

const SIMPLE_ESCAPES: Record<number, string> = {
  0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t',
}; // prettier-ignore

const hex4 = (b: Uint8Array, i: number): number =>
  parseInt(String.fromCharCode(b[i], b[i + 1], b[i + 2], b[i + 3]), 16);

/** Go's unquoteBytes on the body of a scanned string (between the quotes). */
function unquote(b: Uint8Array, start: number, end: number): string {
  let out = '';
  let run = start;
  let i = start;
  while (i < end) {
    if (b[i] !== 0x5c) {
      i++;
      continue;
    }
    out += decodeGoUtf8(b, run, i);
    if (b[i + 1] !== 0x75) {
      out += SIMPLE_ESCAPES[b[i + 1]] ?? '';
      i += 2;
    } else {
      let r = hex4(b, i + 2);
      i += 6;
      if (r >= 0xd800 && r < 0xe000) {
        const pairs = i + 6 <= end && b[i] === 0x5c && b[i + 1] === 0x75;
        const r2 = pairs ? hex4(b, i + 2) : -1;
        if (r < 0xdc00 && r2 >= 0xdc00 && r2 < 0xe000) {
          r = 0x10000 + ((r - 0xd800) << 10) + (r2 - 0xdc00);
          i += 6;
        } else {
          r = 0xfffd; // a lone surrogate; the next escape is decoded on its own
        }
      }
      out += String.fromCodePoint(r);
    }
    run = i;
  }
  return out + decodeGoUtf8(b, run, end);
}

/** Index just past the string starting at `p` (a quote). */
function stringEnd(b: Uint8Array, p: number): number {
  let i = p + 1;
  while (b[i] !== 0x22) i += b[i] === 0x5c ? 2 : 1;
  return i + 1;
}

/** Index just past the (valid) value starting at `p`. */
function valueEnd(b: Uint8Array, p: number): number {
  if (b[p] === 0x22) return stringEnd(b, p);
  if (b[p] !== 0x7b && b[p] !== 0x5b) {
    let i = p;
    while (i < b.length && !isSpace(b[i]) && b[i] !== 0x2c && b[i] !== 0x7d && b[i] !== 0x5d) i++;
    return i;
  }
  let depth = 0;
  for (let i = p; ; i++) {
    const c = b[i];
    if (c === 0x22) i = stringEnd(b, i) - 1;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) return i + 1;
  }
}

const skipSpace = (b: Uint8Array, p: number): number => {
  while (isSpace(b[p])) p++;
  return p;
};

function kindOf(c: number): string {
  if (c === 0x7b) return 'object';
  if (c === 0x5b) return 'array';
  if (c === 0x22) return 'string';
  return c === 0x74 || c === 0x66 ? 'bool' : 'number';
}

const FOLDS_TO = new Map([
  ['\u017f', 's'],
  ['\u212a', 'k'],
]);

/**
 * Go's case-insensitive key match (encoding/json fold.go, Go 1.19). For an ASCII name: ASCII letters
 * match in either case, and `s`/`k` also match U+017F (long s) and U+212A (Kelvin sign). Non-ASCII
 * names (bytes.EqualFold) are approximated by Unicode lower/upper-case equality.
 */
function foldEquals(name: string, key: string): boolean {
  const names = Array.from(name);
  const keys = Array.from(key);
  return (
    names.length === keys.length &&
    names.every((n, i) => {
      const k = keys[i];
      if (k === n) return true;
      if (n < '\x80') return (k < '\x80' ? k.toLowerCase() : FOLDS_TO.get(k)) === n.toLowerCase();
      return k.toLowerCase() === n.toLowerCase() || k.toUpperCase() === n.toUpperCase();
    })
  );
}

function findField(fields: readonly GoField[], key: string): GoField | undefined {
  return fields.find((f) => f.name === key) ?? fields.find((f) => foldEquals(f.name, key));
}

/**
 * `json.NewDecoder(body).Decode(&req)` with `req` a pointer to a struct of string fields, Go type
 * `typeName` (e.g. `teller.bindRequest`). Returns every field (missing ones as ''), or null for a
 * top-level JSON `null`. Throws GoJsonError with Go's text. Pass the raw bytes for exact handling
 * of invalid UTF-8; a string is encoded as UTF-8 first.
 */
export function decodeGoStruct(
  body: string | Uint8Array,
  typeName: string,
  fields: readonly GoField[],
): Record<string, string> | null {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  firstValueLength(b); // syntax first: a syntax error anywhere in the first value wins
  let p = skipSpace(b, 0);
  if (b[p] === 0x6e) return null;
  if (b[p] !== 0x7b)
    throw new GoJsonError(`json: cannot unmarshal ${kindOf(b[p])} into Go value of type ${typeName}`);
  const structName = typeName.slice(typeName.lastIndexOf('.') + 1);
  const out = new Map<string, string>(fields.map((f) => [f.name, '']));
  let typeError: string | undefined;
  p = skipSpace(b, p + 1);
  while (b[p] !== 0x7d) {
    const keyEnd = stringEnd(b, p);
    const field = findField(fields, unquote(b, p + 1, keyEnd - 1));
    p = skipSpace(b, skipSpace(b, keyEnd) + 1);
    const end = valueEnd(b, p);
    if (field !== undefined && b[p] === 0x22) out.set(field.name, unquote(b, p + 1, end - 1));
    else if (field !== undefined && b[p] !== 0x6e && typeError === undefined) {
      // Go records only the first type error, keeps decoding and reports it at the end; null is a no-op.
      typeError = `json: cannot unmarshal ${kindOf(b[p])} into Go struct field ${structName}.${field.name} of type ${field.type}`;
    }
    p = skipSpace(b, end);
    if (b[p] === 0x2c) p = skipSpace(b, p + 1);
  }
  if (typeError !== undefined) throw new GoJsonError(typeError);
  return Object.fromEntries(out);
}

export {
  encodeGoJson,
  encodeRowsBody,
  encodeStatusBody,
  goJsonMapKeysSorted,
  quoteGo,
} from './go-json-encode';

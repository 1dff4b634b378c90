import type { HexSpan } from './block-parser';

/**
 * A JSON-RPC reply whose result is one long hex string (`getblock <hash> 0`: ~3.5 MB for a mainnet
 * block), read in place. Making that string and JSON.parse scanning it cost more than parsing the
 * block, and each 3.5 MB string landed in V8's old space, bringing on full collections of a heap
 * that holds a million watched scripts. Here the hex is located by its key and handed on as a span
 * of the reply bytes (the block parser decodes what it reads); the rest of the reply goes through
 * JSON.parse with the string emptied, so `error` and `id` are read exactly as before.
 *
 * `"result"` followed by a colon cannot occur unescaped inside a JSON string, so a match is a key;
 * a nested one is caught by the check of the rest. A reply of any other shape (an error with a null
 * result, a result that is not a string) gives `undefined`: the caller parses it the ordinary way.
 */

const RESULT_KEY = Buffer.from('"result"');
const QUOTE = 0x22;
const COLON = 0x3a;

/** JSON's insignificant whitespace (bcoin indents its replies; Core sends none). */
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Where the string value of a `"result"` key starts (after its quote), or -1. */
function resultStringStart(body: Buffer): number {
  const at = body.indexOf(RESULT_KEY);
  if (at < 0) return -1;
  let p = at + RESULT_KEY.length;
  while (isSpace(body[p])) p++;
  if (body[p++] !== COLON) return -1;
  while (isSpace(body[p])) p++;
  return body[p] === QUOTE ? p + 1 : -1;
}

export interface HexReply {
  id?: unknown;
  result: HexSpan;
  error?: unknown;
}

/** The reply with its string result as a span of `body`, or `undefined` when not of that shape. */
export function hexReply(body: Buffer): HexReply | undefined {
  const start = resultStringStart(body);
  if (start < 0) return undefined;
  const end = body.indexOf(QUOTE, start);
  if (end < 0) return undefined;
  let shell: unknown;
  try {
    shell = JSON.parse(body.toString('utf8', 0, start) + body.toString('utf8', end));
  } catch {
    return undefined;
  }
  if (typeof shell !== 'object' || shell === null || (shell as { result?: unknown }).result !== '') {
    return undefined;
  }
  return { ...(shell as object), result: { text: body, start, end } };
}

export const isHexSpan = (v: unknown): v is HexSpan =>
  typeof v === 'object' && v !== null && (v as HexSpan).text instanceof Uint8Array;

/** A hex string result (from the ordinary JSON path) as a span. */
export function hexSpan(hex: string): HexSpan {
  const text = Buffer.from(hex);
  return { text, start: 0, end: text.length };
}

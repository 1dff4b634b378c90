import v8 from 'node:v8';

/**
 * How the store writes values: v8 serialization. One-byte strings and 32-bit integers (the index
 * spaces' values: other records' keys, seqs, counters) are written and read here in the same
 * format, without a v8 serializer: each one is a native object that the young-generation GC must
 * finalize, and a bind wrote three such values besides its record (their scavenges grew by ~2 ms
 * under load). Everything else goes through v8.serialize and v8.deserialize.
 */

/** v8's header: 0xFF and its format version, as this v8 writes it. */
const HEADER = v8.serialize(0).subarray(0, 2);
const ONE_BYTE_STRING = 0x22; // '"'
const INT32 = 0x49; // 'I'

export function encodeValue(v: unknown): Uint8Array {
  if (typeof v === 'string' && isOneByte(v)) return framed(ONE_BYTE_STRING, v.length, v);
  if (typeof v === 'number' && (v | 0) === v && !Object.is(v, -0)) {
    return framed(INT32, ((v << 1) ^ (v >> 31)) >>> 0); // zigzag
  }
  return v8.serialize(v);
}

export const decodeValue = <T>(b: Uint8Array): T => (fastValue(b) ?? v8.deserialize(b)) as T;

function isOneByte(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

/** Header, tag, a varint, then `latin1` (if any) as one byte per character. */
function framed(tag: number, n: number, latin1 = ''): Buffer {
  const out = Buffer.allocUnsafe(HEADER.length + 1 + 5 + latin1.length);
  HEADER.copy(out);
  let i = HEADER.length;
  out[i++] = tag;
  for (; n >= 0x80; n = Math.floor(n / 128)) out[i++] = (n & 0x7f) | 0x80;
  out[i++] = n;
  i += out.write(latin1, i, 'latin1');
  return out.subarray(0, i);
}

/**
 * A value v8.serialize (or encodeValue) wrote as a one-byte string or a 32-bit integer, read
 * directly: its header (0xFF, version), the tag, a varint (the length, or the zigzag integer),
 * then the Latin-1 bytes. On the 100,000 index values read at startup, a deserializer per value
 * was a third of the time. Anything else (or unexpected framing): undefined.
 */
function fastValue(b: Uint8Array): string | number | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] >= 0x80 || (b[2] !== ONE_BYTE_STRING && b[2] !== INT32))
    return undefined;
  let n = 0;
  let i = 3;
  for (let shift = 0; shift <= 28; shift += 7) {
    const byte = b[i++] ?? 0;
    n += (byte & 0x7f) * 2 ** shift;
    if (byte >= 0x80) continue;
    if (b[2] === INT32) return i === b.length && n <= 0xffffffff ? (n >>> 1) ^ -(n & 1) : undefined;
    return i + n === b.length ? Buffer.from(b.buffer, b.byteOffset + i, n).toString('latin1') : undefined;
  }
  return undefined;
}

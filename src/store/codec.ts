import { deserialize, serialize } from 'node:v8';

/** How the store writes values: v8 serialization, with a fast path for one-byte strings. */
export const encodeValue = (v: unknown): Uint8Array => serialize(v);
export const decodeValue = <T>(b: Uint8Array): T => (oneByteString(b) ?? deserialize(b)) as T;

/**
 * A value that v8.serialize wrote as a one-byte string (the index spaces' keys of other records),
 * read directly: its header (0xFF, version), the tag '"', the length as a varint, Latin-1 bytes.
 * v8.deserialize builds a deserializer per call: on the 100,000 such values read at startup that
 * was a third of the time. Anything else (or unexpected framing): undefined.
 */
function oneByteString(b: Uint8Array): string | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] >= 0x80 || b[2] !== 0x22) return undefined;
  let length = 0;
  let i = 3;
  for (let shift = 0; shift <= 21; shift += 7) {
    const byte = b[i++] ?? 0;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80)
      return i + length === b.length
        ? Buffer.from(b.buffer, b.byteOffset + i, length).toString('latin1')
        : undefined;
  }
  return undefined;
}

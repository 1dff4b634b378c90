import { createHash } from 'node:crypto';
import { TellerError } from '../../util/errors';

/**
 * A raw-block parser for the deposit scanner (`getblock <hash> 0`), written for speed: it walks the
 * serialization with Buffer reads, looks every output script up in the watched-script index, and
 * hashes (txid) only the transactions that pay a watched script. Values are read as the exact
 * 8-byte little-endian satoshi amount, never through JSON floats.
 *
 * The index is keyed by the script bytes as a latin1 string (one char per byte): building the key
 * is one native copy, and a Map lookup on short strings is cheaper than hex encoding every output.
 */

export class BlockParseError extends TellerError {
  constructor(message: string) {
    super('btc_block_parse', message);
  }
}

/** watched scriptPubKey (as `scriptKey`) -> the address string it was watched as. */
export type ScriptIndex = ReadonlyMap<string, string>;

/** The index key of a scriptPubKey. */
export const scriptKey = (script: Uint8Array): string => Buffer.from(script).toString('latin1');

export interface MatchedOutput {
  txid: string;
  /** Output index in its transaction. */
  n: number;
  value: bigint;
  address: string;
}

export interface ParsedBlock {
  /** Block hash (reversed hex of the double SHA-256 of the header), as RPC reports it. */
  hash: string;
  prevHash: string;
  txCount: number;
  outputCount: number;
  /** Outputs of none of the five address templates (OP_RETURN, bare multisig, nonstandard). */
  otherOutputs: number;
  matched: MatchedOutput[];
}

const HEADER_BYTES = 80;

const sha256d = (parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return createHash('sha256').update(h.digest()).digest();
};

/** Reversed hex, the byte order RPC shows hashes in. */
const reversedHex = (b: Buffer): string => Buffer.from(b).reverse().toString('hex');

/** P2PKH, P2SH, P2WPKH, P2WSH, P2TR: the only templates a pool address can produce. */
function isAddressTemplate(raw: Buffer, start: number, len: number): boolean {
  const op = raw[start];
  switch (len) {
    case 25: // OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG
      return op === 0x76 && raw[start + 1] === 0xa9 && raw[start + 2] === 0x14 && raw[start + 24] === 0xac;
    case 23: // OP_HASH160 <20> OP_EQUAL
      return op === 0xa9 && raw[start + 1] === 0x14 && raw[start + 22] === 0x87;
    case 22: // OP_0 <20>
      return op === 0x00 && raw[start + 1] === 0x14;
    case 34: // OP_0 <32> or OP_1 <32>
      return (op === 0x00 || op === 0x51) && raw[start + 1] === 0x20;
    default:
      return false;
  }
}

/** A cursor over the block bytes; every read is bounds-checked. */
class Reader {
  off = 0;
  constructor(readonly raw: Buffer) {}

  need(n: number): void {
    if (this.off + n > this.raw.length) {
      throw new BlockParseError(
        `block truncated: need ${n} bytes at offset ${this.off} of ${this.raw.length}`,
      );
    }
  }

  skip(n: number): void {
    this.need(n);
    this.off += n;
  }

  varint(): number {
    this.need(1);
    const first = this.raw[this.off];
    if (first < 0xfd) {
      this.off += 1;
      return first;
    }
    if (first === 0xfd) {
      this.need(3);
      const v = this.raw.readUInt16LE(this.off + 1);
      this.off += 3;
      return v;
    }
    if (first === 0xfe) {
      this.need(5);
      const v = this.raw.readUInt32LE(this.off + 1);
      this.off += 5;
      return v;
    }
    this.need(9);
    const v = this.raw.readBigUInt64LE(this.off + 1);
    // No count or length in a valid block comes near 2^32; a bigger one is garbage.
    if (v > 0xffffffffn) throw new BlockParseError(`varint ${v} at offset ${this.off} is too large`);
    this.off += 9;
    return Number(v);
  }
}

interface TxMatch {
  n: number;
  value: bigint;
  address: string;
}

/** Parses one transaction at the reader's offset; returns its matched outputs (txid included). */
function parseTx(r: Reader, index: ScriptIndex, block: ParsedBlock): void {
  const raw = r.raw;
  const start = r.off;
  r.skip(4); // version
  r.need(2);
  // BIP144: a 0x00 marker where the input count would be, then a non-zero flag.
  const segwit = raw[r.off] === 0x00 && raw[r.off + 1] !== 0x00;
  if (segwit) r.off += 2;
  const bodyStart = r.off;
  const inputs = r.varint();
  for (let i = 0; i < inputs; i++) {
    r.skip(36); // outpoint
    r.skip(r.varint()); // scriptSig
    r.skip(4); // sequence
  }
  const outputs = r.varint();
  let matches: TxMatch[] | undefined;
  for (let n = 0; n < outputs; n++) {
    r.need(8);
    const valueAt = r.off;
    r.off += 8;
    const len = r.varint();
    r.need(len);
    const scriptAt = r.off;
    r.off += len;
    if (!isAddressTemplate(raw, scriptAt, len)) {
      block.otherOutputs++;
      continue;
    }
    const address = index.get(raw.toString('latin1', scriptAt, scriptAt + len));
    if (address === undefined) continue;
    (matches ??= []).push({ n, value: raw.readBigUInt64LE(valueAt), address });
  }
  block.outputCount += outputs;
  const bodyEnd = r.off;
  if (segwit) {
    for (let i = 0; i < inputs; i++) {
      const items = r.varint();
      for (let j = 0; j < items; j++) r.skip(r.varint());
    }
  }
  r.skip(4); // locktime
  if (matches === undefined) return;
  // The txid hashes the legacy serialization: version, inputs and outputs, locktime (no witness).
  const txid = reversedHex(
    sha256d([
      raw.subarray(start, start + 4),
      raw.subarray(bodyStart, bodyEnd),
      raw.subarray(r.off - 4, r.off),
    ]),
  );
  for (const m of matches) block.matched.push({ txid, ...m });
}

/** Parses a serialized block and returns its outputs paying watched scripts. */
export function parseBlock(raw: Buffer, index: ScriptIndex): ParsedBlock {
  if (raw.length < HEADER_BYTES + 1) throw new BlockParseError(`block of ${raw.length} bytes is too short`);
  const header = raw.subarray(0, HEADER_BYTES);
  const block: ParsedBlock = {
    hash: reversedHex(sha256d([header])),
    prevHash: reversedHex(raw.subarray(4, 36)),
    txCount: 0,
    outputCount: 0,
    otherOutputs: 0,
    matched: [],
  };
  const r = new Reader(raw);
  r.off = HEADER_BYTES;
  block.txCount = r.varint();
  for (let i = 0; i < block.txCount; i++) parseTx(r, index, block);
  if (r.off !== raw.length) {
    throw new BlockParseError(`${raw.length - r.off} trailing bytes after ${block.txCount} transactions`);
  }
  return block;
}

/** Parses the hex `getblock <hash> 0` returns. */
export function parseBlockHex(hex: string, index: ScriptIndex): ParsedBlock {
  const raw = Buffer.from(hex, 'hex');
  // Buffer.from stops silently at the first non-hex pair: a short result means bad input.
  if (raw.length * 2 !== hex.length) throw new BlockParseError('block is not hex');
  return parseBlock(raw, index);
}

import { createHash } from 'node:crypto';
import { TellerError } from '../../util/errors';
import type { ScriptIndex } from './script-index';

/**
 * A raw-block parser for the deposit scanner (`getblock <hash> 0`), written for speed: it walks the
 * serialization with Buffer reads, looks every output script up in the watched-script index, and
 * hashes (txid) only the transactions that pay a watched script. Values are read as the exact
 * 8-byte little-endian satoshi amount, never through JSON floats.
 *
 * Given the block as hex (the node's reply text), it decodes only the bytes it reads: counts,
 * output scripts and values, the header, and whole transactions that pay a watched script. The
 * inputs' scripts and the witnesses, most of a block, are stepped over undecoded; hex it steps over
 * is not checked (every byte it reads is, and the header is checked against the requested hash).
 */

export class BlockParseError extends TellerError {
  constructor(message: string) {
    super('btc_block_parse', message);
  }
}

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

/**
 * The head of a template script that isAddressTemplate and the index's prefilter read (with its last
 * byte): the opcodes and the push, then 8 bytes of the hash (P2PKH's starts after 3 bytes).
 */
const TEMPLATE_HEAD = 11;

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

/** Two ASCII hex digits, read as one little-endian 16-bit word -> their byte; 0xffff if not hex. */
const HEX_PAIRS = (() => {
  const table = new Uint16Array(65536).fill(0xffff);
  const digits = '0123456789abcdefABCDEF';
  for (const hi of digits) {
    for (const lo of digits) table[hi.charCodeAt(0) | (lo.charCodeAt(0) << 8)] = parseInt(hi + lo, 16);
  }
  return table;
})();

/** The block as hex digits: `text[start, end)`. */
export interface HexSpan {
  text: Uint8Array;
  start: number;
  end: number;
}

/**
 * A cursor over the block bytes; every read is bounds-checked. Over a hex block, `raw` is scratch
 * space that holds decoded bytes only where a read (`need`, `bytes`) asked for them.
 */
class Reader {
  off = 0;
  constructor(
    readonly raw: Buffer,
    private readonly hex?: HexSpan,
  ) {}

  private inBounds(n: number): void {
    if (this.off + n > this.raw.length) {
      throw new BlockParseError(
        `block truncated: need ${n} bytes at offset ${this.off} of ${this.raw.length}`,
      );
    }
  }

  /** Makes the next `n` bytes readable in `raw`. */
  need(n: number): void {
    this.inBounds(n);
    if (this.hex) this.decode(this.off, this.off + n);
  }

  /**
   * Makes the next `n` bytes safe to read but decodes only the first `head` and the last one: what
   * an output script's template check and the index's prefilter read (the rest only on a filter hit).
   */
  needEnds(n: number, head: number): void {
    this.inBounds(n);
    if (this.hex) {
      this.decode(this.off, this.off + head);
      this.decode(this.off + n - 1, this.off + n);
    }
  }

  skip(n: number): void {
    this.inBounds(n);
    this.off += n;
  }

  /** Bytes `[from, to)` (already passed by the cursor), decoded. */
  bytes(from: number, to: number): Buffer {
    if (this.hex) this.decode(from, to);
    return this.raw.subarray(from, to);
  }

  private decode(from: number, to: number): void {
    const { text, start } = this.hex as HexSpan;
    let bad = 0;
    for (let i = from, p = start + 2 * from; i < to; i++, p += 2) {
      const byte = HEX_PAIRS[text[p] | (text[p + 1] << 8)];
      bad |= byte;
      this.raw[i] = byte;
    }
    if (bad > 0xff) throw new BlockParseError(`block is not hex (bytes ${from}..${to})`);
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

/**
 * Where the parser's first pass leaves the outputs worth a lookup (address-template scripts) and
 * the transactions' bounds. Parsing is synchronous, so one set of growable arrays serves every call.
 */
class Candidates {
  /** Per output: script offset, script length, value offset, index in its tx, tx number. */
  out: Int32Array = new Int32Array(5 * 16384);
  outputs = 0;
  /** Per tx: start, body start (after a segwit marker), body end (before witnesses), end. */
  tx: Int32Array = new Int32Array(4 * 8192);

  reset(): void {
    this.outputs = 0;
  }

  addOutput(scriptAt: number, len: number, valueAt: number, n: number, txNo: number): void {
    const at = 5 * this.outputs++;
    if (at + 5 > this.out.length) this.out = grown(this.out);
    const out = this.out;
    out[at] = scriptAt;
    out[at + 1] = len;
    out[at + 2] = valueAt;
    out[at + 3] = n;
    out[at + 4] = txNo;
  }

  setTx(txNo: number, start: number, bodyStart: number, bodyEnd: number, end: number): void {
    const at = 4 * txNo;
    if (at + 4 > this.tx.length) this.tx = grown(this.tx);
    const tx = this.tx;
    tx[at] = start;
    tx[at + 1] = bodyStart;
    tx[at + 2] = bodyEnd;
    tx[at + 3] = end;
  }
}

const grown = (a: Int32Array): Int32Array => {
  const b = new Int32Array(2 * a.length);
  b.set(a);
  return b;
};

const candidates = new Candidates();

/** Steps over one transaction at the reader's offset, noting its bounds and candidate outputs. */
function walkTx(r: Reader, txNo: number, block: ParsedBlock): void {
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
  for (let n = 0; n < outputs; n++) {
    const valueAt = r.off;
    r.skip(8);
    const len = r.varint();
    const scriptAt = r.off;
    // Only scripts of an address template's length are worth decoding (over hex) and checking.
    const candidate = len === 22 || len === 23 || len === 25 || len === 34;
    if (candidate) r.needEnds(len, TEMPLATE_HEAD);
    r.skip(len);
    if (candidate && isAddressTemplate(raw, scriptAt, len))
      candidates.addOutput(scriptAt, len, valueAt, n, txNo);
    else block.otherOutputs++;
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
  candidates.setTx(txNo, start, bodyStart, bodyEnd, r.off);
}

/**
 * Looks the candidate outputs up, in block order. The prefilter probes go first, in one tight loop
 * over all of them: each is a likely cache miss in an 8 MB bitmap, and with no parsing between them
 * the CPU overlaps the misses (one probe per output as the parser met it cost most of a block's time).
 */
function matchCandidates(r: Reader, index: ScriptIndex, block: ParsedBlock): void {
  const { raw } = r;
  const { out, tx, outputs } = candidates;
  const hits: number[] = [];
  for (let i = 0, at = 0; i < outputs; i++, at += 5)
    if (index.mayHold(raw, out[at], out[at + 1])) hits.push(at);
  let txNo = -1;
  let matches: { n: number; value: bigint; address: string }[] = [];
  const flush = (): void => {
    if (matches.length === 0) return;
    const t = 4 * txNo;
    // The txid hashes the legacy serialization: version, inputs and outputs, locktime (no witness).
    const txid = reversedHex(
      sha256d([r.bytes(tx[t], tx[t] + 4), r.bytes(tx[t + 1], tx[t + 2]), r.bytes(tx[t + 3] - 4, tx[t + 3])]),
    );
    for (const m of matches) block.matched.push({ txid, ...m });
    matches = [];
  };
  for (const at of hits) {
    const scriptAt = out[at];
    r.bytes(scriptAt, scriptAt + out[at + 1]);
    const address = index.get(raw, scriptAt, out[at + 1]);
    if (address === undefined) continue;
    if (out[at + 4] !== txNo) {
      flush();
      txNo = out[at + 4];
    }
    const valueAt = out[at + 2];
    matches.push({ n: out[at + 3], value: r.bytes(valueAt, valueAt + 8).readBigUInt64LE(0), address });
  }
  flush();
}

/** Parses a serialized block and returns its outputs paying watched scripts. */
export function parseBlock(raw: Buffer, index: ScriptIndex): ParsedBlock {
  return parse(new Reader(raw), index);
}

/** Scratch space for hex blocks: parsing is synchronous, so one buffer serves every call. */
let scratch = Buffer.alloc(0);

/** Parses a block given as hex (`getblock <hash> 0`'s result), decoding only what it reads. */
export function parseBlockHex(hex: HexSpan, index: ScriptIndex): ParsedBlock {
  const digits = hex.end - hex.start;
  if (digits % 2 !== 0) throw new BlockParseError('block is not hex (odd length)');
  if (scratch.length < digits / 2) scratch = Buffer.allocUnsafe(digits / 2);
  return parse(new Reader(scratch.subarray(0, digits / 2), hex), index);
}

function parse(r: Reader, index: ScriptIndex): ParsedBlock {
  const raw = r.raw;
  if (raw.length < HEADER_BYTES + 1) throw new BlockParseError(`block of ${raw.length} bytes is too short`);
  const header = r.bytes(0, HEADER_BYTES);
  const block: ParsedBlock = {
    hash: reversedHex(sha256d([header])),
    prevHash: reversedHex(header.subarray(4, 36)),
    txCount: 0,
    outputCount: 0,
    otherOutputs: 0,
    matched: [],
  };
  r.off = HEADER_BYTES;
  block.txCount = r.varint();
  candidates.reset();
  for (let i = 0; i < block.txCount; i++) walkTx(r, i, block);
  if (r.off !== raw.length) {
    throw new BlockParseError(`${raw.length - r.off} trailing bytes after ${block.txCount} transactions`);
  }
  matchCandidates(r, index, block);
  return block;
}

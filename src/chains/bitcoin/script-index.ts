/**
 * The watched scriptPubKeys, for the block parser: a Map from script bytes (as a latin1 string, one
 * char per byte) to the address it was watched as, behind a bitmap prefilter.
 *
 * A mainnet block has ~10,000 outputs and almost none pays a watched script; building a key string
 * and probing a million-entry Map for each costs more than parsing the block. The prefilter reads
 * eight bytes of the script's hash (uniformly random for every address template) and tests two bits,
 * so all but ~0.1 % of outputs are dismissed with no allocation at a million watched scripts.
 */

/** 2^26 bits (8 MB), two bits a script: ~0.1 % false positives at 1,000,000 scripts. */
const FILTER_BITS = 26;

/** Offset of the hash inside a template script: after OP_DUP OP_HASH160 <20> (P2PKH), else after 2 bytes. */
const hashOffset = (len: number): number => (len === 25 ? 3 : 2);

/**
 * A filter slot of a script of `len` bytes at `start`, from the 4 hash bytes at `word` (0 or 4);
 * the length keeps P2PKH and P2WPKH apart.
 */
function slot(raw: Uint8Array, start: number, len: number, word: number): number {
  const at = start + hashOffset(len) + word;
  const bits = raw[at] | (raw[at + 1] << 8) | (raw[at + 2] << 16) | (raw[at + 3] << 24);
  return (bits ^ Math.imul(len, 0x9e3779b1)) >>> (32 - FILTER_BITS);
}

export class ScriptIndex {
  private readonly scripts = new Map<string, string>();
  private readonly filter = new Int32Array(1 << (FILTER_BITS - 5));

  /** Watches `script` (one of the address templates: P2PKH, P2SH, P2WPKH, P2WSH, P2TR) as `address`. */
  add(script: Uint8Array, address: string): void {
    for (const word of [0, 4]) {
      const s = slot(script, 0, script.length, word);
      this.filter[s >>> 5] |= 1 << (s & 31);
    }
    this.scripts.set(Buffer.from(script).toString('latin1'), address);
  }

  get size(): number {
    return this.scripts.size;
  }

  /** The prefilter: false means the script is not watched (true: ~0.1 % of the others too). */
  mayHold(raw: Uint8Array, start: number, len: number): boolean {
    const { filter } = this;
    const a = slot(raw, start, len, 0);
    const b = slot(raw, start, len, 4);
    return ((filter[a >>> 5] >>> (a & 31)) & (filter[b >>> 5] >>> (b & 31)) & 1) === 1;
  }

  /**
   * The address watched for the template script `raw[start, start + len)`, if any: the exact lookup,
   * for a script the prefilter let through.
   */
  get(raw: Buffer, start: number, len: number): string | undefined {
    return this.scripts.get(raw.toString('latin1', start, start + len));
  }
}

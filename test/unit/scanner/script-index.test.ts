import { randomBytes } from 'node:crypto';
import { ScriptIndex } from '../../../src/chains/bitcoin/script-index';

const p2wpkh = (hash: Buffer) => Buffer.concat([Buffer.of(0x00, 0x14), hash]);
const p2pkh = (hash: Buffer) => Buffer.concat([Buffer.of(0x76, 0xa9, 0x14), hash, Buffer.of(0x88, 0xac)]);

/** A script embedded in a larger buffer, as the parser sees it inside a block. */
const inBlock = (script: Buffer) => Buffer.concat([randomBytes(7), script, randomBytes(5)]);

/** A lookup as the block parser makes it: the prefilter, then the exact lookup. */
const find = (index: ScriptIndex, raw: Buffer, start: number, len: number) =>
  index.mayHold(raw, start, len) ? index.get(raw, start, len) : undefined;

describe('ScriptIndex', () => {
  it('finds a watched script at any offset, and tells templates of the same hash apart', () => {
    const hash = randomBytes(20);
    const index = new ScriptIndex();
    index.add(p2wpkh(hash), 'bcrt1q-watched');
    expect(index.size).toBe(1);
    const raw = inBlock(p2wpkh(hash));
    expect(find(index, raw, 7, 22)).toBe('bcrt1q-watched');
    // The same 20-byte hash as P2PKH is another address.
    expect(find(index, inBlock(p2pkh(hash)), 7, 25)).toBeUndefined();
  });

  it('answers undefined for a script that passes the filter but is not watched', () => {
    const index = new ScriptIndex();
    const hash = randomBytes(20);
    index.add(p2wpkh(hash), 'watched');
    // Same first eight hash bytes (same filter slots), different rest: the Map decides.
    const twin = Buffer.from(hash);
    twin[19] ^= 0xff;
    expect(index.mayHold(p2wpkh(twin), 0, 22)).toBe(true);
    expect(find(index, p2wpkh(twin), 0, 22)).toBeUndefined();
  });

  it('keeps every one of 200,000 scripts and stops all but a few of 10,000 random ones at the filter', () => {
    const index = new ScriptIndex();
    const hashes = Array.from({ length: 200_000 }, () => randomBytes(20));
    hashes.forEach((h, i) => index.add(p2wpkh(h), `a${i}`));
    expect(hashes.every((h, i) => find(index, p2wpkh(h), 0, 22) === `a${i}`)).toBe(true);
    // Random scripts are never found (the Map check), whatever the filter says.
    let found = 0;
    let passed = 0;
    for (let i = 0; i < 10_000; i++) {
      const script = p2wpkh(randomBytes(20));
      if (index.mayHold(script, 0, 22)) passed++;
      if (find(index, script, 0, 22) !== undefined) found++;
    }
    expect(found).toBe(0);
    // Two bits of 2^26 a script: ~0.004 % expected here (one bit of 2^25, the filter before: ~0.6 %).
    expect(passed).toBeLessThan(10);
  });
});

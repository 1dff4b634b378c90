import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PoolError } from '../../../src/pool/errors';
import type { PoolCoin } from '../../../src/pool/load';
import { AddressPool, type AddressList } from '../../../src/pool/pool';
import { loadPoolStamped, type PoolStamp, type PoolStamps } from '../../../src/pool/stamp';
import { loadPool } from '../../../src/pool/validate';

/** A pool file validated once is reused while its text, network, build and rules stay the same. */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'teller-stamp-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const BTC = [
  '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA',
  '37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf',
  'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu',
  'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr',
];

function memoryStamps(): PoolStamps & { map: Map<PoolCoin, PoolStamp> } {
  const map = new Map<PoolCoin, PoolStamp>();
  return { map, get: async (c) => map.get(c), put: async (c, s) => void map.set(c, s) };
}

/** The result with its list as an array, to compare. */
const load = async (...args: Parameters<typeof loadPoolStamped>) => {
  const r = await loadPoolStamped(...args);
  return { addresses: toArray(r.addresses), reused: r.reused };
};
const toArray = (list: AddressList): (string | undefined)[] =>
  Array.from({ length: list.length }, (_, i) => list.at(i));

const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('loadPoolStamped', () => {
  it('validates the first time, then reuses the result for the same text', async () => {
    // Upper-case bech32 and comments: reuse must normalize exactly as validation does.
    const file = write(
      'btc.txt',
      `# pool\n${BTC[0]}\n  ${BTC[1]} # note\n${BTC[2].toUpperCase()}\r\n${BTC[3]}\n`,
    );
    const stamps = memoryStamps();
    const first = await load(file, 'BTC', 'mainnet', 'v1', stamps);
    expect(first).toEqual({ addresses: BTC, reused: false });
    expect(first.addresses).toEqual(loadPool(file, 'BTC', 'mainnet'));
    expect(stamps.map.get('BTC')?.count).toBe(4);
    expect(await load(file, 'BTC', 'mainnet', 'v1', stamps)).toEqual({
      addresses: BTC,
      reused: true,
    });
  });

  it('keeps a text pool as its text and offsets from the first start, not as an array of strings', async () => {
    const file = write('btc.txt', `${BTC.join('\n')}\n`);
    const stamps = memoryStamps();
    const first = await loadPoolStamped(file, 'BTC', 'mainnet', 'v1', stamps);
    const again = await loadPoolStamped(file, 'BTC', 'mainnet', 'v1', stamps);
    expect([first.reused, again.reused]).toEqual([false, true]);
    expect(Array.isArray(first.addresses)).toBe(false);
    expect(first.addresses.constructor).toBe(again.addresses.constructor);
    expect(toArray(first.addresses)).toEqual(BTC);
  });

  it('validates again after any change of text, network or build', async () => {
    const file = write('btc.txt', BTC.join('\n'));
    const stamps = memoryStamps();
    await load(file, 'BTC', 'mainnet', 'v1', stamps);
    expect((await load(file, 'BTC', 'mainnet', 'v2', stamps)).reused).toBe(false);
    await expect(load(file, 'BTC', 'testnet', 'v2', stamps)).rejects.toBeInstanceOf(PoolError);
    writeFileSync(file, BTC.slice(0, 3).join('\n'));
    expect(await load(file, 'BTC', 'mainnet', 'v2', stamps)).toEqual({
      addresses: BTC.slice(0, 3),
      reused: false,
    });
  });

  it('reports every problem of an invalid file and stamps nothing', async () => {
    const file = write('btc.txt', `${BTC[0]}\nnot-an-address\n${BTC[0]}\n`);
    const stamps = memoryStamps();
    await expect(load(file, 'BTC', 'mainnet', 'v1', stamps)).rejects.toThrow(
      /btc\.txt:2: invalid BTC address "not-an-address"[\s\S]*btc\.txt:3: .* is a duplicate of line 1/,
    );
    expect(stamps.map.size).toBe(0);
  });

  it('never reuses without a build name, nor a stamp whose count disagrees', async () => {
    const file = write('btc.txt', BTC.join('\n'));
    const stamps = memoryStamps();
    await load(file, 'BTC', 'mainnet', '', stamps);
    expect(stamps.map.size).toBe(0);
    await load(file, 'BTC', 'mainnet', 'v1', stamps);
    const stamp = stamps.map.get('BTC');
    if (!stamp) throw new Error('no stamp');
    stamps.map.set('BTC', { ...stamp, count: 3 });
    expect((await load(file, 'BTC', 'mainnet', 'v1', stamps)).reused).toBe(false);
  });

  it('reuses JSON pools too', async () => {
    const file = write(
      'eth.json',
      JSON.stringify({ eth_addresses: ['0xBcd4042DE499D14e55001CcbB24a551F3b954096'] }),
    );
    const stamps = memoryStamps();
    const expected = ['0xbcd4042de499d14e55001ccbb24a551f3b954096'];
    expect(await load(file, 'ETH', 'mainnet', 'v1', stamps)).toEqual({
      addresses: expected,
      reused: false,
    });
    expect(await load(file, 'ETH', 'mainnet', 'v1', stamps)).toEqual({
      addresses: expected,
      reused: true,
    });
  });
});

describe('the reused list', () => {
  it('gives exactly the validated addresses, and a pool over it behaves as over the array', async () => {
    const lines = [
      '# header',
      '',
      `  ${BTC[0]}  `,
      `${BTC[2].toUpperCase()} # upper-case bech32`,
      '\t# indented comment',
      `\uFEFF${BTC[1]}\r`,
      BTC[3],
    ];
    const file = write('btc.txt', lines.join('\n'));
    const stamps = memoryStamps();
    const validated = (await loadPoolStamped(file, 'BTC', 'mainnet', 'v1', stamps)).addresses;
    const reused = await loadPoolStamped(file, 'BTC', 'mainnet', 'v1', stamps);
    expect(reused.reused).toBe(true);
    expect(toArray(reused.addresses)).toEqual(toArray(validated));
    expect([reused.addresses.at(-1), reused.addresses.at(4), reused.addresses.at(1.5)]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const a = new AddressPool('BTC', validated, [BTC[0], BTC[3]]);
    const b = new AddressPool('BTC', reused.addresses, [BTC[0], BTC[3]]);
    expect([b.peek(), b.usedCount(), b.remaining(), b.has(BTC[2]), b.isUsed(BTC[3])]).toEqual([
      a.peek(),
      a.usedCount(),
      a.remaining(),
      a.has(BTC[2]),
      a.isUsed(BTC[3]),
    ]);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prefixRange, seqKey, Store, type Op } from '../../../src/store/store';

/** Reads of whole spaces come in large batches (src/store/store.ts ITERATOR_BATCH_BYTES). */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'teller-store-batches-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Store range reads', () => {
  it('returns every key and value of a space larger than one batch, in key order', async () => {
    const store = await Store.open(dir);
    const n = 5_000;
    const value = 'x'.repeat(400); // 2 MB in all: more than one read batch
    const ops: Op[] = Array.from({ length: n }, (_, i) => ({
      type: 'put',
      space: 'deposits',
      key: seqKey(i, 6),
      value: { i, value },
    }));
    await store.write(ops);
    const keys = await store.keyList('deposits');
    expect(keys).toHaveLength(n);
    expect(keys).toEqual([...keys].sort());
    expect(keys[0]).toBe('000000');
    const values = await store.values<{ i: number }>('deposits');
    expect(values.map((v) => v.i)).toEqual(Array.from({ length: n }, (_, i) => i));
    let streamed = 0;
    for await (const [k, v] of store.entries<{ i: number }>('deposits')) {
      expect(k).toBe(seqKey(v.i, 6));
      streamed++;
    }
    expect(streamed).toBe(n);
    await store.close();
  });

  it('keeps ranges and limits', async () => {
    const store = await Store.open(dir);
    await store.write(
      ['BTC!a', 'BTC!b', 'BTCX!c', 'ETH!d'].map((key): Op => ({
        type: 'put',
        space: 'pool_used',
        key,
        value: 1,
      })),
    );
    expect(await store.keyList('pool_used', prefixRange('BTC!'))).toEqual(['BTC!a', 'BTC!b']);
    expect(await store.keyList('pool_used', { reverse: true, limit: 1 })).toEqual(['ETH!d']);
    expect(await store.values('pool_used', prefixRange('ETH!'))).toEqual([1]);
    await store.close();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../../src/config';
import { Binder } from '../../../src/exchange/binder';
import { depositCoins } from '../../../src/exchange/coins';
import { DepositStore } from '../../../src/exchange/deposit-store';
import {
  derivedEntries,
  DerivedPool,
  derivedStates,
  loadDerivedState,
  type DerivedSource,
} from '../../../src/pool';
import { Store } from '../../../src/store/store';
import { silentLogger } from '../../../src/util/logger';

/**
 * Derived pools through the Binder and a real store: the index is written with the binding, a
 * restart resumes after it, an address bound before (from a pool file) is passed over and recorded.
 */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'teller-derived-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const SKY = [
  '2do3K1YLMy3Aq6EcPMdncEurP5BfAUdFPJj',
  '2GgFvqoyk9RjwVzj8tqfcXVXB4orBwoc9qv',
  'tWZ11Nvor9parjg4FkwxNVcby59WVTw2iL',
];

/** A stand-in key: address i is `d<i>` (the derivation itself is tested against the BIP vectors). */
const source = (over: Partial<DerivedSource> = {}): DerivedSource => ({
  coin: 'BTC',
  key: 'btc_scanner.deposit_xpub',
  xpub: 'xpubA',
  type: 'p2wpkh',
  network: 'regtest',
  derive: (i) => `d${i}`,
  ...over,
});

async function open(src = source()) {
  const store = await Store.open(dir);
  const deposits = new DepositStore(store);
  await deposits.open();
  const state = await loadDerivedState(store, src);
  const pool = new DerivedPool(src, state);
  const config = defaultConfig();
  config.teller.max_bound_addrs = 0;
  const watched: string[] = [];
  const binder = new Binder({
    config,
    deposits,
    pools: new Map([['BTC', pool]]),
    coins: depositCoins(config),
    onBound: (_coin, address) => watched.push(address),
    log: silentLogger(),
  });
  return { store, deposits, pool, binder, watched, state };
}

describe('DerivedPool', () => {
  it('derives the next index on each bind, watches it, and resumes after a restart', async () => {
    const a = await open();
    const bound = [];
    for (const sky of SKY) bound.push((await a.binder.bind(sky, 'BTC')).address);
    expect(bound).toEqual(['d0', 'd1', 'd2']);
    expect(a.watched).toEqual(bound);
    expect(a.pool.status()).toMatchObject({ kind: 'derived', next_index: 3, bound: 3 });
    await a.store.close();

    const b = await open();
    expect(b.state).toEqual({ next: 3, bound: 3 });
    expect((await b.binder.bind(SKY[0], 'BTC')).address).toBe('d3');
    const entries = [];
    for await (const e of derivedEntries(b.store, 'BTC')) entries.push([e.index, e.entry.address]);
    expect(entries).toEqual([
      [0, 'd0'],
      [1, 'd1'],
      [2, 'd2'],
      [3, 'd3'],
    ]);
    expect(await derivedStates(b.store, 'BTC')).toMatchObject([{ xpub: 'xpubA', next: 4, bound: 4 }]);
    await b.store.close();
  });

  it('passes over (and records) an index whose address was bound before, e.g. from a pool file', async () => {
    const a = await open();
    await a.deposits.bind(SKY[1], 'BTC', 'BTC', 'd0', 'direct');
    await a.deposits.bind(SKY[1], 'BTC', 'BTC', 'd1', 'direct');
    expect((await a.binder.bind(SKY[0], 'BTC')).address).toBe('d2');
    const entries = [];
    for await (const e of derivedEntries(a.store, 'BTC')) entries.push(e);
    expect(entries.map((e) => [e.index, e.entry])).toEqual([
      [0, { address: 'd0', skipped: 'taken' }],
      [1, { address: 'd1', skipped: 'taken' }],
      [2, { address: 'd2' }],
    ]);
    expect(a.pool.status()).toMatchObject({ next_index: 3, bound: 1 });
    await a.store.close();
    const b = await open();
    expect(b.state).toEqual({ next: 3, bound: 1 });
    await b.store.close();
  });

  it('binds in flight together get distinct indexes; the stored state is the last durable one', async () => {
    const a = await open();
    const write = jest.spyOn(a.store, 'write');
    const got = await Promise.all(Array.from({ length: 20 }, (_, i) => a.binder.bind(SKY[i % 3], 'BTC')));
    expect(got.map((b) => b.address).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `d${i}`).sort());
    expect(write.mock.calls.length).toBe(20);
    write.mockRestore();
    await a.store.close();
    const b = await open();
    expect(b.state).toEqual({ next: 20, bound: 20 });
    await b.store.close();
  });

  it('keeps each key’s index apart: another xpub starts at 0', async () => {
    const a = await open();
    await a.binder.bind(SKY[0], 'BTC');
    await a.store.close();
    const b = await open(source({ xpub: 'xpubB', derive: (i) => `e${i}` }));
    expect((await b.binder.bind(SKY[0], 'BTC')).address).toBe('e0');
    expect((await derivedStates(b.store, 'BTC')).map((s) => [s.xpub, s.next])).toEqual(
      expect.arrayContaining([
        ['xpubA', 1],
        ['xpubB', 1],
      ]),
    );
    await b.store.close();
  });

  it('consumes nothing when the write fails', async () => {
    const a = await open();
    await a.binder.bind(SKY[0], 'BTC');
    const write = jest.spyOn(a.store, 'write').mockRejectedValueOnce(new Error('disk full'));
    await expect(a.binder.bind(SKY[1], 'BTC')).rejects.toThrow('disk full');
    write.mockRestore();
    expect(a.pool.status()).toMatchObject({ bound: 1 });
    expect((await a.binder.bind(SKY[1], 'BTC')).address).toBe('d1');
    expect((await a.binder.bind(SKY[1], 'BTC')).address).toBe('d2');
    await a.store.close();
    const b = await open();
    expect(b.state).toEqual({ next: 3, bound: 3 });
    await b.store.close();
    return;
    await a.store.close();
  });

  it('resumes after the last entry if the state is behind it (damaged store), and says so', async () => {
    const a = await open();
    await a.binder.bind(SKY[0], 'BTC');
    await a.binder.bind(SKY[1], 'BTC');
    const [state] = await derivedStates(a.store, 'BTC');
    await a.store.write([
      { type: 'put', space: 'meta', key: `derived:BTC!${state?.id}`, value: { ...state, next: 0, bound: 0 } },
    ]);
    await a.store.close();
    const b = await open();
    expect(b.state).toMatchObject({ next: 2, bound: 2 });
    expect(b.state).toHaveProperty('problem', expect.stringContaining('resuming at 2'));
    expect((await b.binder.bind(SKY[2], 'BTC')).address).toBe('d2');
    await b.store.close();
  });
});

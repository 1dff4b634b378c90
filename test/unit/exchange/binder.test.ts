import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../../src/config/load';
import { Binder } from '../../../src/exchange/binder';
import { depositCoins } from '../../../src/exchange/coins';
import { DepositStore } from '../../../src/exchange/deposit-store';
import { AddressPool, type PoolCoin } from '../../../src/pool';
import { Store } from '../../../src/store/store';
import { silentLogger } from '../../../src/util/logger';
import { aroundBatchWrites, failNextBatch } from '../../helpers/store-faults';

/**
 * Binder: concurrent binds hand out distinct addresses in pool order, count each other against
 * max_bound_addrs, and are committed together; a bind whose write fails burns no address.
 */

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'teller-binder-'));
  store = await Store.open(dir);
});
afterEach(async () => {
  await store.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const POOL = Array.from({ length: 100 }, (_, i) => `addr${String(i).padStart(3, '0')}`);

async function rig(maxBound = 0) {
  const config = defaultConfig();
  config.teller.max_bound_addrs = maxBound;
  config.btc_scanner.enabled = true;
  const deposits = new DepositStore(store);
  await deposits.open();
  const pool = new AddressPool('BTC', POOL, []);
  const bound: string[] = [];
  const binder = new Binder({
    config,
    deposits,
    pools: new Map<PoolCoin, AddressPool>([['BTC', pool]]),
    coins: depositCoins(config),
    onBound: (_coin, address) => bound.push(address),
    log: silentLogger(),
  });
  return { binder, deposits, pool, bound };
}

/**
 * Counts the synced LevelDB batches the store writes. With `holdFirstUntil`, the first batch waits
 * (up to 20 s, checked every turn of the event loop) until it holds: the writes queued behind it
 * then show whether they are committed together, whatever the machine's speed.
 */
function countBatches(s: Store, holdFirstUntil?: () => boolean): { batches: number } {
  const seen = { batches: 0 };
  aroundBatchWrites(s, async (write) => {
    if (seen.batches++ === 0 && holdFirstUntil) {
      const deadline = Date.now() + 20_000;
      while (!holdFirstUntil() && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    }
    return write();
  });
  return seen;
}

/** Writes waiting in the store's queue behind the batch in flight. */
const queued = (s: Store): number => (Reflect.get(s, 'queue') as unknown[]).length;

describe('Binder', () => {
  it('binds concurrently: distinct addresses in pool order, written in fewer batches than binds', async () => {
    const { binder, deposits, pool, bound } = await rig();
    // The first bind's write is held until the other 31 are queued behind it: a timing-free check
    // that queued binds are committed together (on a loaded machine each write could otherwise
    // finish before the next bind's decision, and nothing would be grouped).
    const seen = countBatches(store, () => queued(store) >= 31);
    const results = await Promise.all(Array.from({ length: 32 }, (_, i) => binder.bind(`sky${i}`, 'BTC')));
    expect(results.map((b) => b.address)).toEqual(POOL.slice(0, 32));
    expect(bound).toEqual(POOL.slice(0, 32));
    expect(pool.usedCount()).toBe(32);
    expect(pool.peek()).toBe(POOL[32]);
    expect(seen.batches).toBe(2);
    expect(new Set(results.map((b) => b.seq)).size).toBe(32);
    for (let i = 0; i < 32; i++) expect(await deposits.countBindings(`sky${i}`)).toBe(1);
  });

  it('counts binds in flight against max_bound_addrs', async () => {
    const { binder, deposits } = await rig(3);
    const settled = await Promise.allSettled(Array.from({ length: 5 }, () => binder.bind('sky', 'BTC')));
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
    ]);
    expect(settled[3]).toMatchObject({ reason: { code: 'max_bound' } });
    expect(await deposits.countBindings('sky')).toBe(3);
  });

  it('a bind whose write just became durable is counted once against max_bound_addrs', async () => {
    // Waves of binds overlapping the previous wave's commits: counting "durable + in flight" as two
    // numbers read at different moments counted a just-committed bind twice and refused one below
    // the cap (a CI run under load).
    const { binder, deposits } = await rig(3);
    for (let wave = 0; wave < 20; wave++) {
      const first = binder.bind(`sky${wave}`, 'BTC');
      const rest = Array.from({ length: 4 }, () => binder.bind(`sky${wave}`, 'BTC'));
      const settled = await Promise.allSettled([first, ...rest]);
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(3);
      expect(await deposits.countBindings(`sky${wave}`)).toBe(3);
    }
  });

  it('a failed write burns no address: the next bind gets it', async () => {
    const { binder, pool } = await rig();
    failNextBatch(store, 'disk full');
    await expect(binder.bind('sky', 'BTC')).rejects.toThrow('disk full');
    expect(pool.usedCount()).toBe(0);
    expect((await binder.bind('sky', 'BTC')).address).toBe(POOL[0]);
  });

  it('an empty pool is pool_empty, also when the last addresses are promised to binds in flight', async () => {
    const { binder } = await rig();
    const settled = await Promise.allSettled(
      Array.from({ length: 101 }, (_, i) => binder.bind(`s${i}`, 'BTC')),
    );
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(100);
    expect(settled[100]).toMatchObject({ status: 'rejected', reason: { code: 'pool_empty' } });
  });
});

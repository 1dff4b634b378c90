import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DepositStore } from '../../../src/exchange/deposit-store';
import { emptyPassthrough, type DepositRecord } from '../../../src/exchange/types';
import { Store } from '../../../src/store/store';

/**
 * DepositStore's startup reads: the errored-deposits index in `meta` (kept by every commit, with the
 * summaries, rebuilt from the records when they are not current with the event chain) and the bound
 * addresses (payout-index.test.ts covers the summaries).
 */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'teller-depstore-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function open(): Promise<{ store: Store; deposits: DepositStore }> {
  const store = await Store.open(dir);
  const deposits = new DepositStore(store);
  await deposits.open();
  return { store, deposits };
}

const record = (i: number): Omit<DepositRecord, 'seq'> => ({
  updated_at: 1,
  status: 'waiting_send',
  coin_type: 'BTC',
  sky_address: 'sky',
  buy_method: 'direct',
  deposit_address: `addr${i}`,
  deposit_id: `tx${i}:0`,
  txid: '',
  conversion_rate: '500',
  max_decimals: 3,
  deposit_value: 1000n,
  sky_sent: 0n,
  passthrough: emptyPassthrough(),
  error: '',
  deposit: {
    coin_type: 'BTC',
    address: `addr${i}`,
    value: 1000n,
    height: 1,
    tx: `tx${i}`,
    n: 0,
    processed: true,
  },
  last_error: '',
  attempts: 0,
  created_at: 1,
});

async function metaKeys(store: Store): Promise<string[]> {
  return (await store.keyList('meta')).filter((k) => k.startsWith('deposit_'));
}

describe('DepositStore errored index', () => {
  it('keeps errors set and cleared across restarts without reading the records', async () => {
    let { store, deposits } = await open();
    const [a, b] = [await deposits.create(record(1), 'a'), await deposits.create(record(2), 'b')];
    const aFailed = await deposits.update(a, { error: 'boom' }, 'error');
    await deposits.update(b, { error: 'bad address' }, 'error');
    await deposits.update(aFailed, { error: '' }, 'retry');
    expect([...deposits.errored]).toEqual(['tx2:0']);
    await store.close();

    ({ store, deposits } = await open());
    expect([...deposits.errored]).toEqual(['tx2:0']);
    expect(await metaKeys(store)).toEqual(['deposit_error!tx2:0', 'deposit_indices_at']);
    // The index is read, not the records: a record changed behind the store's back is not seen.
    const raw = await store.get<DepositRecord>('deposits', 'tx1:0');
    await store.write([{ type: 'put', space: 'deposits', key: 'tx1:0', value: { ...raw, error: 'x' } }]);
    await store.close();
    ({ store, deposits } = await open());
    expect([...deposits.errored]).toEqual(['tx2:0']);
    await store.close();
  });

  it('builds the index from the records for a store written without it', async () => {
    let { store, deposits } = await open();
    const a = await deposits.create(record(1), 'a');
    await deposits.create(record(2), 'b');
    await deposits.update(a, { error: 'boom' }, 'error');
    // An older build: no index keys at all.
    await store.write(
      (await metaKeys(store)).map((key) => ({ type: 'del' as const, space: 'meta' as const, key })),
    );
    await store.close();

    ({ store, deposits } = await open());
    expect([...deposits.errored]).toEqual(['tx1:0']);
    expect(await metaKeys(store)).toEqual(['deposit_error!tx1:0', 'deposit_indices_at']);
    await store.close();
  });

  it('rebuilds the index when a transition was committed without keeping it', async () => {
    let { store, deposits } = await open();
    const a = await deposits.create(record(1), 'a');
    await deposits.update(a, { error: 'boom' }, 'error');
    await store.close();
    // A build that does not keep the index clears the error and appends its event.
    store = await Store.open(dir);
    const rec = await store.get<DepositRecord>('deposits', 'tx1:0');
    const events = await store.keyList('events');
    const last = events[events.length - 1];
    const next = String(Number(last) + 1).padStart(last.length, '0');
    await store.write([
      { type: 'put', space: 'deposits', key: 'tx1:0', value: { ...rec, error: '' } },
      {
        type: 'put',
        space: 'events',
        key: next,
        value: { seq: Number(next), hash: 'h', deposit_id: 'tx1:0' },
      },
    ]);
    await store.close();

    ({ store, deposits } = await open());
    expect(deposits.errored.size).toBe(0);
    expect(await metaKeys(store)).toEqual(['deposit_indices_at']);
    await store.close();
  });
});

describe('DepositStore.boundAddresses', () => {
  it('lists every binding once as coin and address, before and after a restart', async () => {
    let { store, deposits } = await open();
    await deposits.bind('sky1', 'BTC', 'BTC', 'bc1qaaa', 'direct');
    await deposits.bind('sky1', 'USDT', 'ETH', '0xabc', 'direct');
    await deposits.bind('sky2', 'ETH', 'ETH', '0xdef', 'direct');
    const expected = ['BTC!bc1qaaa', 'ETH!0xdef', 'USDT!0xabc'];
    const listed = async () => (await deposits.boundAddresses()).map((b) => `${b.coin}!${b.address}`).sort();
    expect(await listed()).toEqual(expected);
    expect((await deposits.allBindings()).map((b) => `${b.coin_type}!${b.address}`)).toEqual(expected);
    await store.close();

    ({ store, deposits } = await open());
    expect(await listed()).toEqual(expected);
    await store.close();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DepositStore } from '../../../src/exchange/deposit-store';
import type { DepositRecord } from '../../../src/exchange/types';
import { Store } from '../../../src/store/store';
import { depositRecord } from '../../helpers/deposit-record';

/**
 * DepositStore's indices: the errored deposits in `meta` and the deposits' summaries (kept by every
 * commit, rebuilt from the records when they are not current with the event chain), and the
 * in-memory payout index (src/exchange/payout-index.ts) the status routes read: it agrees with the
 * store while it changes, after a restart, and never runs ahead of a failed write.
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

/** Deposit `tx<i>:0` to `addr<i>`, 1000 sat. */
const record = (i: number): Omit<DepositRecord, 'seq'> =>
  depositRecord(`tx${i}`, 0, {
    status: 'waiting_send',
    deposit_address: `addr${i}`,
    deposit_value: 1000n,
    sky_address: 'sky',
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

/** A deposit of `tx` on `address`, recorded at `updatedAt`. */
const deposit = (
  coin: string,
  address: string,
  tx: string,
  updatedAt: number,
): Omit<DepositRecord, 'seq'> => ({
  ...record(0),
  updated_at: updatedAt,
  created_at: updatedAt,
  status: 'waiting_decide',
  coin_type: coin,
  deposit_address: address,
  deposit_id: `${tx}:0`,
  deposit: { coin_type: coin, address, value: 1000n, height: 1, tx, n: 0, processed: true },
});

/** Binds sky1 to BTC a1 and ETH e1, sky2 to BTC a2; two deposits on a1, one on a2. */
async function seed(deposits: DepositStore): Promise<DepositRecord[]> {
  await deposits.bind('sky1', 'BTC', 'BTC', 'a1', 'direct');
  await deposits.bind('sky2', 'BTC', 'BTC', 'a2', 'direct');
  await deposits.bind('sky1', 'ETH', 'ETH', 'e1', 'direct');
  return [
    await deposits.create(deposit('BTC', 'a1', 'tx1', 100), 'seen'),
    await deposits.create(deposit('BTC', 'a2', 'tx2', 200), 'seen'),
    await deposits.create(deposit('BTC', 'a1', 'tx3', 300), 'seen'),
  ];
}

const SKY1_VIEW = [
  {
    coin: 'BTC',
    deposits: [
      { status: 'waiting_decide', updated_at: 100 },
      { status: 'waiting_decide', updated_at: 300 },
    ],
  },
  { coin: 'ETH', deposits: [] },
];

describe('DepositStore payout index', () => {
  it('answers bindings, counts, deposits and the status view in bind and recording order', async () => {
    const { store, deposits } = await open();
    await seed(deposits);
    expect((await deposits.bindingsOf('sky1')).map((b) => b.address)).toEqual(['a1', 'e1']);
    expect([await deposits.countBindings('sky1'), await deposits.countBindings('nobody')]).toEqual([2, 0]);
    expect((await deposits.depositsOfAddress('BTC', 'a1')).map((d) => d.deposit_id)).toEqual([
      'tx1:0',
      'tx3:0',
    ]);
    expect(await deposits.depositsOfAddress('ETH', 'e1')).toEqual([]);
    expect(deposits.statusView('sky1')).toEqual(SKY1_VIEW);
    expect(deposits.statusView('nobody')).toEqual([]);
    const detail = await deposits.detailView('sky1');
    expect(detail.map((b) => [b.coin, b.address, b.deposits.map((d) => d.deposit_id)])).toEqual([
      ['BTC', 'a1', ['tx1:0', 'tx3:0']],
      ['ETH', 'e1', []],
    ]);
    expect(detail[0].deposits).toEqual(await deposits.depositsOfAddress('BTC', 'a1'));
    expect(await deposits.detailView('nobody')).toEqual([]);
    await store.close();
  });

  it('shows a transition once it is written', async () => {
    const { store, deposits } = await open();
    const [first] = await seed(deposits);
    const sent = await deposits.transition(first, { status: 'waiting_send' }, 'decided');
    const [btc] = deposits.statusView('sky1');
    expect(btc.deposits[0]).toEqual({ status: 'waiting_send', updated_at: sent.updated_at });
    await store.close();
  });

  it('reads the same view from the store after a restart', async () => {
    let { store, deposits } = await open();
    await seed(deposits);
    await store.close();
    ({ store, deposits } = await open());
    expect(deposits.statusView('sky1')).toEqual(SKY1_VIEW);
    expect(deposits.statusView('sky2')).toEqual([
      { coin: 'BTC', deposits: [{ status: 'waiting_decide', updated_at: 200 }] },
    ]);
    // Bindings made after the restart join the loaded ones, in order.
    await deposits.bind('sky1', 'BTC', 'BTC', 'a3', 'direct');
    expect((await deposits.bindingsOf('sky1')).map((b) => b.address)).toEqual(['a1', 'e1', 'a3']);
    await store.close();
  });

  it('after a restart, reads the summaries, not the records', async () => {
    let { store, deposits } = await open();
    const [first] = await seed(deposits);
    const sent = await deposits.transition(first, { status: 'waiting_send' }, 'decided');
    await store.close();
    const decoded = jest.spyOn(Store.prototype, 'forEachEntry');
    ({ store, deposits } = await open());
    expect(decoded.mock.calls.map(([space]) => space).sort()).toEqual(['bindings_by_sky', 'deposit_summary']);
    decoded.mockRestore();
    expect(deposits.statusView('sky1')[0].deposits).toEqual([
      { status: 'waiting_send', updated_at: sent.updated_at },
      { status: 'waiting_decide', updated_at: 300 },
    ]);
    await store.close();
  });

  it('rebuilds the summaries from the records for a store written without them', async () => {
    let { store, deposits } = await open();
    await seed(deposits);
    // An older build: no summaries, its own marker.
    const summaries = await store.keyList('deposit_summary');
    await store.write([
      ...summaries.map((key) => ({ type: 'del' as const, space: 'deposit_summary' as const, key })),
      { type: 'del', space: 'meta', key: 'deposit_indices_at' },
      { type: 'put', space: 'meta', key: 'deposit_errors_at', value: 3 },
    ]);
    await store.close();
    ({ store, deposits } = await open());
    expect(deposits.statusView('sky1')).toEqual(SKY1_VIEW);
    expect(await store.keyList('deposit_summary')).toEqual(summaries);
    expect(await store.get('meta', 'deposit_errors_at')).toBeUndefined();
    await store.close();
    // Current now: the next start reads the summaries.
    const decoded = jest.spyOn(Store.prototype, 'forEachEntry');
    ({ store, deposits } = await open());
    expect(decoded.mock.calls.map(([space]) => space).sort()).toEqual(['bindings_by_sky', 'deposit_summary']);
    expect(deposits.statusView('sky1')).toEqual(SKY1_VIEW);
    await store.close();
  });

  it('does not show a write that failed', async () => {
    const { store, deposits } = await open();
    const [first] = await seed(deposits);
    jest.spyOn(store, 'write').mockRejectedValueOnce(new Error('disk full'));
    await expect(deposits.transition(first, { status: 'waiting_send' }, 'decided')).rejects.toThrow(
      'disk full',
    );
    jest.spyOn(store, 'write').mockRejectedValueOnce(new Error('disk full'));
    await expect(deposits.bind('sky1', 'BTC', 'BTC', 'a9', 'direct')).rejects.toThrow('disk full');
    expect(deposits.statusView('sky1')).toEqual(SKY1_VIEW);
    expect(await deposits.countBindings('sky1')).toBe(2);
    await store.close();
  });
});

describe('DepositStore status stamp (the status routes reuse a body while it stays the same)', () => {
  it('changes with every durable write of the address’s bindings and deposits, and only those', async () => {
    const { store, deposits } = await open();
    expect(deposits.statusStamp('sky1')).toBe(0);
    const [first, onSky2] = await seed(deposits);
    const stamps = new Set<number>();
    const changed = (): boolean => {
      const s = deposits.statusStamp('sky1');
      const isNew = !stamps.has(s);
      stamps.add(s);
      return isNew;
    };
    expect(changed()).toBe(true);
    expect(changed()).toBe(false);
    // Another address's writes leave sky1's stamp alone.
    await deposits.transition(onSky2, { status: 'waiting_send' }, 'decided');
    await deposits.bind('sky2', 'ETH', 'ETH', 'e2', 'direct');
    expect(changed()).toBe(false);
    const sent = await deposits.transition(first, { status: 'waiting_send' }, 'decided');
    expect(changed()).toBe(true);
    await deposits.update(sent, { error: 'retrying' }, 'error');
    expect(changed()).toBe(true);
    await deposits.create(deposit('ETH', 'e1', 'tx9', 400), 'seen');
    expect(changed()).toBe(true);
    await deposits.bind('sky1', 'BTC', 'BTC', 'a3', 'direct');
    expect(changed()).toBe(true);
    await store.close();
  });

  it('does not change for a write that failed', async () => {
    const { store, deposits } = await open();
    const [first] = await seed(deposits);
    const before = deposits.statusStamp('sky1');
    jest.spyOn(store, 'write').mockRejectedValueOnce(new Error('disk full'));
    await expect(deposits.transition(first, { status: 'waiting_send' }, 'decided')).rejects.toThrow(
      'disk full',
    );
    expect(deposits.statusStamp('sky1')).toBe(before);
    await store.close();
  });
});

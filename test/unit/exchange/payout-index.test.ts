import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DepositStore } from '../../../src/exchange/deposit-store';
import { emptyPassthrough, type DepositRecord } from '../../../src/exchange/types';
import { Store } from '../../../src/store/store';

/**
 * DepositStore's in-memory payout index (src/exchange/payout-index.ts): the status routes' reads
 * agree with the store while it changes, after a restart, and never run ahead of a failed write.
 */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'teller-payout-index-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function open(): Promise<{ store: Store; deposits: DepositStore }> {
  const store = await Store.open(dir);
  const deposits = new DepositStore(store);
  await deposits.open();
  return { store, deposits };
}

const deposit = (
  coin: string,
  address: string,
  tx: string,
  updatedAt: number,
): Omit<DepositRecord, 'seq'> => ({
  updated_at: updatedAt,
  status: 'waiting_decide',
  coin_type: coin,
  sky_address: 'ignored',
  buy_method: 'direct',
  deposit_address: address,
  deposit_id: `${tx}:0`,
  txid: '',
  conversion_rate: '500',
  max_decimals: 3,
  deposit_value: 1000n,
  sky_sent: 0n,
  passthrough: emptyPassthrough(),
  error: '',
  deposit: { coin_type: coin, address, value: 1000n, height: 1, tx, n: 0, processed: true },
  last_error: '',
  attempts: 0,
  created_at: updatedAt,
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

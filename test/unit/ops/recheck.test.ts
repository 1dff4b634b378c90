import { isUnknownTx, lookupTransaction } from '../../../src/ops/recheck';
import { BTC_ADDR, openStore, walk } from './helpers';

describe('lookupTransaction', () => {
  it('finds a transaction as deposit outputs, as a payout, in the scanner window and as orphans', async () => {
    const { store, deposits } = await openStore();
    await walk(deposits, 'ab', 0, 'done');
    await walk(deposits, 'ab', 1, 'waiting_send');
    await walk(deposits, 'abc', 0, 'waiting_send');
    const seen = { coin_type: 'BTC', address: BTC_ADDR, value: 7n, height: 130, tx: 'ab', n: 2 };
    await store.write([
      {
        type: 'put',
        space: 'scan',
        key: 'BTC!seen!000000000130!ab:2',
        value: { deposit: seen, hash: 'h130' },
      },
      {
        type: 'put',
        space: 'scan',
        key: 'BTC!handed!000000000100!ab:0',
        value: { deposit: { ...seen, n: 0, height: 100 }, hash: 'h100', at: 1 },
      },
      { type: 'put', space: 'orphans', key: 'ab:3', value: { ...seen, n: 3, address: '1Other' } },
    ]);

    const r = await lookupTransaction(store, 'AB');
    expect(r.txid).toBe('AB');
    expect(
      r.deposits.map((d) => [d.role, d.record.deposit_id, d.events.length, d.payout?.txid ?? null]),
    ).toEqual([
      ['deposit', 'ab:0', 4, 'payout-ab-0'],
      ['deposit', 'ab:1', 2, null],
    ]);
    expect(r.scan.map((s) => [s.chain, s.kind, s.height, s.deposit.n])).toEqual([
      ['BTC', 'handed', 100, 0],
      ['BTC', 'seen', 130, 2],
    ]);
    expect(r.orphans.map((o) => o.n)).toEqual([3]);

    const payout = await lookupTransaction(store, 'payout-ab-0');
    expect(payout.deposits.map((d) => [d.role, d.record.deposit_id])).toEqual([['payout', 'ab:0']]);
    expect(isUnknownTx(await lookupTransaction(store, 'zz'))).toBe(true);
    await store.close();
  });
});

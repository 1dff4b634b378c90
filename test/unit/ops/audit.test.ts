import { startExchange } from '../../helpers/exchange-rig';
import { eventHash, type DepositStore } from '../../../src/exchange/deposit-store';
import type { DepositEvent, DepositRecord } from '../../../src/exchange/types';
import { formatAuditReport, verifyAudit } from '../../../src/ops/audit';
import { seqKey, type Store } from '../../../src/store/store';
import { BTC_ADDR, SKY, openStore, until, waitForStatus, walk } from './helpers';
import { DEADLINE_MS } from '../../helpers/until';

/** A real history: deposits paid through the Exchange and the dummy sender, some confirmed. */
async function paidHistory(store: Store, deposits: DepositStore): Promise<void> {
  const { exchange, sender } = await startExchange(store, deposits);
  await deposits.bind(SKY, 'BTC', 'BTC', BTC_ADDR, 'direct');
  for (let i = 0; i < 5; i++) {
    await exchange.receive({
      coin_type: 'BTC',
      address: BTC_ADDR,
      value: 1_000_000n * BigInt(i + 1),
      height: 10 + i,
      tx: `tx${i}`,
      n: 0,
    });
  }
  await until(() => sender.list().length === 5, DEADLINE_MS, 'five payouts');
  for (const tx of sender.list().slice(0, 3)) {
    await sender.confirm(tx.txid, undefined);
    const id = (await deposits.list()).find((d) => d.txid === tx.txid)?.deposit_id ?? '';
    await waitForStatus(deposits, id, 'done');
  }
  await exchange.stop();
}

async function rewriteEvent(
  store: Store,
  seq: number,
  change: (e: DepositEvent) => DepositEvent,
): Promise<void> {
  const ev = await store.get<DepositEvent>('events', seqKey(seq));
  if (!ev) throw new Error(`no event ${seq}`);
  await store.write([{ type: 'put', space: 'events', key: seqKey(seq), value: change(ev) }]);
}

describe('verifyAudit', () => {
  let store: Store;
  let deposits: DepositStore;
  beforeEach(async () => {
    ({ store, deposits } = await openStore());
  });
  afterEach(() => store.close());

  it('passes on an empty store', async () => {
    const r = await verifyAudit(store);
    expect(r).toMatchObject({
      ok: true,
      count: 0,
      head_seq: 0,
      head_hash: '',
      deposits: 0,
      mismatch_count: 0,
    });
    expect(r.first_broken).toBeUndefined();
  });

  it('passes on a real history written by the exchange', async () => {
    await paidHistory(store, deposits);
    const events = await deposits.events();
    expect(events.length).toBeGreaterThanOrEqual(5 * 3 + 3);
    const r = await verifyAudit(store);
    expect(r.ok).toBe(true);
    expect(r.count).toBe(events.length);
    expect(r.head_seq).toBe(events.at(-1)?.seq);
    expect(r.head_hash).toBe(events.at(-1)?.hash);
    expect(r.deposits).toBe(5);
    expect(formatAuditReport(r)).toMatch(/audit log OK/);
  });

  it('reports the entry whose note was rewritten', async () => {
    await paidHistory(store, deposits);
    await rewriteEvent(store, 4, (e) => ({ ...e, note: 'nothing to see here' }));
    const r = await verifyAudit(store);
    expect(r.ok).toBe(false);
    expect(r.first_broken).toMatchObject({ seq: 4, key: seqKey(4) });
    expect(r.first_broken?.reason).toMatch(/modified/);
    expect(formatAuditReport(r)).toMatch(/BROKEN at seq 4/);
  });

  it('reports the next link when the tampered entry was re-hashed', async () => {
    await paidHistory(store, deposits);
    await rewriteEvent(store, 6, (e) => {
      const fields = {
        seq: e.seq,
        at: e.at,
        deposit_id: e.deposit_id,
        from: e.from,
        to: e.to,
        note: 'forged',
        prev_hash: e.prev_hash,
      };
      return { ...fields, hash: eventHash(fields) };
    });
    const r = await verifyAudit(store);
    expect(r.first_broken).toMatchObject({ seq: 7 });
    expect(r.first_broken?.reason).toMatch(/prev_hash/);
  });

  it('reports a deleted entry as a sequence gap', async () => {
    await paidHistory(store, deposits);
    await store.write([{ type: 'del', space: 'events', key: seqKey(3) }]);
    const r = await verifyAudit(store);
    expect(r.first_broken).toMatchObject({ seq: 4 });
    expect(r.first_broken?.reason).toMatch(/expected seq 3/);
  });

  it('reports a deposit record changed without an event', async () => {
    await walk(deposits, 'aa', 0, 'done');
    await walk(deposits, 'bb', 0, 'waiting_send');
    const rec = await store.get<DepositRecord>('deposits', 'bb:0');
    await store.write([{ type: 'put', space: 'deposits', key: 'bb:0', value: { ...rec, status: 'done' } }]);
    const r = await verifyAudit(store);
    expect(r.first_broken).toBeUndefined();
    expect(r.ok).toBe(false);
    expect(r.mismatches).toEqual([{ deposit_id: 'bb:0', status: 'done', last_event_to: 'waiting_send' }]);
  });

  it('reports the newest events dropped through the records they leave behind', async () => {
    await walk(deposits, 'aa', 0, 'done');
    const head = (await deposits.events()).at(-1);
    await store.write([{ type: 'del', space: 'events', key: seqKey(head?.seq ?? 0) }]);
    const r = await verifyAudit(store);
    expect(r.first_broken).toBeUndefined();
    expect(r.mismatches).toEqual([{ deposit_id: 'aa:0', status: 'done', last_event_to: 'waiting_confirm' }]);
  });
});

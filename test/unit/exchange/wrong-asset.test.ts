import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../../src/config/types';
import { DepositStore } from '../../../src/exchange/deposit-store';
import { WRONG_ASSET_ERROR } from '../../../src/exchange/errors';
import type { Exchange } from '../../../src/exchange/exchange';
import { depositIdOf, type ScannedDeposit } from '../../../src/core/deposit';
import type { DepositRecord } from '../../../src/exchange/types';
import type { DummySender } from '../../../src/sender/dummy-sender';
import { Store } from '../../../src/store/store';
import { depositRecord } from '../../helpers/deposit-record';
import { exchangeConfig, startExchange } from '../../helpers/exchange-rig';
import { until } from '../../helpers/until';

/**
 * Issue 16 item 6: a token sent to a pool address bound for ETH (or ETH to one bound for a token)
 * is recorded unpaid with an error for the operator, never dropped; token deposit ids
 * (`tx:txlog<index in the transaction>`) cannot collide with native ETH ones (`tx:0`), and token
 * deposits recorded by earlier builds under their block-wide log index (`tx:log<index>`, and before
 * that `tx:<index>`) are still recognised, wherever a reorg has moved them since.
 */

const SKY = '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X';
const ETH_ADDR = '0x1111111111111111111111111111111111111111';
const TOKEN_ADDR = '0x2222222222222222222222222222222222222222';
const TX = `0x${'ab'.repeat(32)}`;

function config(): Config {
  const cfg = exchangeConfig();
  cfg.eth_tokens = [{ symbol: 'TUSD', contract: `0x${'33'.repeat(20)}`, decimals: 6, exchange_rate: '2' }];
  return cfg;
}

const eth = (address: string, value: bigint, tx = TX): ScannedDeposit => ({
  coin_type: 'ETH',
  address,
  value,
  height: 9,
  tx,
  n: 0,
});
/** A token deposit as this build scans it: `n` its index in the transaction, `log_index` in the block. */
const tusd = (address: string, value: bigint, n: number, tx = TX, logIndex = n): ScannedDeposit => ({
  ...legacyTusd(address, value, n, tx),
  log_index: logIndex,
});
/** A token deposit as earlier builds stored it: `n` its block-wide log index. */
const legacyTusd = (address: string, value: bigint, n: number, tx = TX): ScannedDeposit => ({
  coin_type: 'TUSD',
  address,
  value,
  height: 9,
  tx,
  n,
});

/** A record an earlier build stored for `d` under `id`, its payout not signed yet. */
const oldRecord = (d: ScannedDeposit, id: string): Omit<DepositRecord, 'seq'> =>
  depositRecord(d.tx, d.n, {
    updated_at: 1,
    status: 'waiting_send',
    coin_type: d.coin_type,
    sky_address: SKY,
    deposit_address: d.address,
    deposit_id: id,
    conversion_rate: '2',
    deposit_value: d.value,
    deposit: { ...d, processed: false },
    created_at: 1,
  });

interface Rig {
  store: Store;
  deposits: DepositStore;
  sender: DummySender;
  exchange: Exchange;
}

async function open(dir: string): Promise<Rig> {
  const store = await Store.open(dir);
  const deposits = new DepositStore(store);
  await deposits.open();
  const { exchange, sender } = await startExchange(store, deposits, config());
  return { store, deposits, sender, exchange };
}

describe('deposit ids', () => {
  it('keep the original format for BTC and native ETH; tokens get tx:txlog<index in the tx>', () => {
    expect(depositIdOf({ coin_type: 'BTC', tx: 'aa', n: 3 })).toBe('aa:3');
    expect(depositIdOf(eth(ETH_ADDR, 1n))).toBe(`${TX}:0`);
    expect(depositIdOf(tusd(ETH_ADDR, 1n, 0))).toBe(`${TX}:txlog0`);
    expect(depositIdOf(tusd(ETH_ADDR, 1n, 1, TX, 12))).toBe(`${TX}:txlog1`);
    // Stored by an earlier build (no log_index): its id stays.
    expect(depositIdOf(legacyTusd(ETH_ADDR, 1n, 12))).toBe(`${TX}:log12`);
  });
});

describe('Exchange: wrong asset to a shared ETH pool address', () => {
  let dir: string;
  let rig: Rig;

  async function recordWhen(id: string, ok: (r: DepositRecord) => boolean): Promise<DepositRecord> {
    let rec: DepositRecord | undefined;
    await until(id, async () => (rec = await rig.deposits.get(id)) !== undefined && ok(rec));
    return rec as DepositRecord;
  }

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'teller-wrong-asset-'));
    rig = await open(dir);
    await rig.deposits.bind(SKY, 'ETH', 'ETH', ETH_ADDR, 'direct');
    await rig.deposits.bind(SKY, 'TUSD', 'ETH', TOKEN_ADDR, 'direct');
  });
  afterEach(async () => {
    await rig.exchange.stop();
    await rig.store.close();
  });

  it.each([
    ['a token to an address bound for ETH', tusd(ETH_ADDR, 5_000_000n, 4), 'TUSD', 'ETH'],
    ['ETH to an address bound for a token', eth(TOKEN_ADDR, 10n ** 18n), 'ETH', 'TUSD'],
  ])('records %s unpaid, with an error for the operator', async (_what, d, sent, bound) => {
    const outcome = await rig.exchange.receive(d);
    expect(outcome).toEqual({ kind: 'recorded' });
    const id = depositIdOf(d);
    const rec = await rig.deposits.get(id);
    expect(rec).toMatchObject({
      status: 'waiting_decide',
      coin_type: sent,
      deposit_address: d.address,
      sky_address: SKY,
      deposit_value: d.value,
      error: WRONG_ASSET_ERROR(sent, bound),
    });
    expect(rig.deposits.errored.has(id)).toBe(true);
    expect(await rig.store.get('orphans', id)).toBeUndefined();
    // Delivered again: still one record, still unpaid.
    expect(await rig.exchange.receive(d)).toMatchObject({ kind: 'duplicate' });
    expect(rig.sender.list()).toEqual([]);
  });

  it('pays a wrong-asset deposit at its own rate once the operator retries it', async () => {
    const d = tusd(ETH_ADDR, 5_000_000n, 4); // 5 TUSD at rate 2
    await rig.exchange.receive(d);
    await rig.exchange.retry(depositIdOf(d));
    const rec = await recordWhen(depositIdOf(d), (r) => r.status === 'waiting_confirm');
    expect(rec.sky_sent).toBe(10_000_000n);
  });

  it('still sets aside a deposit to an address bound for nothing', async () => {
    const d = tusd('0x4444444444444444444444444444444444444444', 5n, 1);
    expect(await rig.exchange.receive(d)).toEqual({ kind: 'unbound' });
    expect(await rig.deposits.get(depositIdOf(d))).toBeUndefined();
  });

  it('keeps native ETH and a token transfer of one transaction apart (log index 0)', async () => {
    await rig.exchange.receive(eth(ETH_ADDR, 10n ** 17n));
    await rig.exchange.receive(tusd(TOKEN_ADDR, 3_000_000n, 0));
    // waiting_confirm is stored just before the broadcast: wait for the sender to have it too.
    const sent = (r: DepositRecord) =>
      r.status === 'waiting_confirm' && rig.sender.list().some((t) => t.txid === r.txid);
    const native = await recordWhen(`${TX}:0`, sent);
    const token = await recordWhen(`${TX}:txlog0`, sent);
    expect([native.coin_type, token.coin_type]).toEqual(['ETH', 'TUSD']);
    expect(rig.sender.list()).toHaveLength(2);
  });

  /** Stores `recs` as an earlier build did, then starts the exchange on them. */
  async function restartWith(recs: Omit<DepositRecord, 'seq'>[]): Promise<void> {
    await rig.exchange.stop();
    await rig.store.close();
    const store = await Store.open(dir);
    const deposits = new DepositStore(store);
    await deposits.open();
    for (const rec of recs) await deposits.create(rec, 'recorded by an earlier build');
    await store.close();
    rig = await open(dir);
  }

  const paid = (r: DepositRecord) =>
    r.status === 'waiting_confirm' && rig.sender.list().some((t) => t.txid === r.txid);

  it('recognises a token deposit recorded by an older build under tx:<log index>', async () => {
    // The oldest build recorded it as `tx:7`; a rescan or reorg delivers it again.
    const legacy = legacyTusd(TOKEN_ADDR, 3_000_000n, 7);
    await restartWith([oldRecord(legacy, `${TX}:7`)]);
    await recordWhen(`${TX}:7`, paid);
    expect(await rig.exchange.receive(legacy)).toMatchObject({ kind: 'duplicate' });
    expect(await rig.deposits.get(depositIdOf(legacy))).toBeUndefined();
    expect(await rig.exchange.rewound(legacy)).toBe('paid');
    // Scanned by this build: the transaction's only log, now at block-wide index 3.
    const now = tusd(TOKEN_ADDR, 3_000_000n, 0, TX, 3);
    expect(await rig.exchange.receive(now)).toMatchObject({ kind: 'duplicate' });
    expect(await rig.exchange.rewound(now)).toBe('paid');
    expect(await rig.deposits.get(depositIdOf(now))).toBeUndefined();
    expect(rig.sender.list()).toHaveLength(1);
  });

  it('never pays twice the transfers an earlier build stored under tx:log<block-wide index>', async () => {
    // Two transfers of one transaction, recorded (and paid) at block-wide log indexes 5 and 6.
    const first = legacyTusd(TOKEN_ADDR, 3_000_000n, 5);
    const second = legacyTusd(TOKEN_ADDR, 4_000_000n, 6);
    await restartWith([oldRecord(first, `${TX}:log5`), oldRecord(second, `${TX}:log6`)]);
    await recordWhen(`${TX}:log5`, paid);
    await recordWhen(`${TX}:log6`, paid);
    // A deep reorg re-mines the transaction one log later: log 6 is now the first transfer, the
    // index the second had. Each comes back under its new id, at its index in the transaction.
    const moved = [tusd(TOKEN_ADDR, 3_000_000n, 0, TX, 6), tusd(TOKEN_ADDR, 4_000_000n, 1, TX, 7)];
    for (const d of moved) {
      expect(await rig.exchange.receive(d)).toEqual({ kind: 'duplicate', status: 'waiting_confirm' });
      expect(await rig.exchange.rewound(d)).toBe('paid');
      expect(await rig.deposits.get(depositIdOf(d))).toBeUndefined();
    }
    expect((await rig.deposits.list()).map((r) => r.deposit_id).sort()).toEqual([`${TX}:log5`, `${TX}:log6`]);
    expect(
      rig.sender
        .list()
        .map((t) => t.amount)
        .sort(),
    ).toEqual([6_000_000n, 8_000_000n]);
  });
});

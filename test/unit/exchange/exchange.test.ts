import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../../src/config/types';
import { DepositStore } from '../../../src/exchange/deposit-store';
import { AWAITING_APPROVAL } from '../../../src/exchange/errors';
import type { Exchange } from '../../../src/exchange/exchange';
import type { ScannedDeposit, StoredStatus } from '../../../src/core/deposit';
import type { DepositRecord } from '../../../src/exchange/types';
import type { DummySender } from '../../../src/sender/dummy-sender';
import { Store } from '../../../src/store/store';
import { exchangeConfig, startExchange } from '../../helpers/exchange-rig';
import { until } from '../../helpers/until';

const SKY = '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X';
const ADDR = '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA';

const config = exchangeConfig;

interface Rig {
  store: Store;
  deposits: DepositStore;
  sender: DummySender;
  exchange: Exchange;
  dir: string;
  cfg: Config;
}

async function open(dir: string, cfg: Config): Promise<Rig> {
  const store = await Store.open(dir);
  const deposits = new DepositStore(store);
  await deposits.open();
  const { exchange, sender } = await startExchange(store, deposits, cfg);
  return { store, deposits, sender, exchange, dir, cfg };
}

async function close(r: Rig): Promise<void> {
  await r.exchange.stop();
  await r.store.close();
}

const dep = (tx: string, n: number, value: bigint, address = ADDR): ScannedDeposit => ({
  coin_type: 'BTC',
  address,
  value,
  height: 1,
  tx,
  n,
});

async function waitFor(r: Rig, id: string, status: StoredStatus): Promise<DepositRecord> {
  let rec: DepositRecord | undefined;
  await until(`${id} to reach ${status}`, async () => {
    rec = await r.deposits.get(id);
    // waiting_confirm is stored just before the broadcast: also wait for the sender to have it.
    const sent = status !== 'waiting_confirm' || r.sender.list().some((t) => t.txid === rec?.txid);
    return rec?.status === status && sent;
  }).catch((err: unknown) => {
    throw new Error(`${String(err)}: last ${rec?.status}`);
  });
  return rec as DepositRecord;
}

/**
 * Spies on the exchange's deposit steps: `settled(n)` resolves once `n` steps have run to their end
 * (the only proof, without a clock to drive, that a step that would have paid has had its chance).
 */
function stepSpy(exchange: Exchange): { settled: (n: number) => Promise<void> } {
  const spy = jest.spyOn(exchange as unknown as { step: (id: string) => Promise<void> }, 'step');
  return {
    settled: async (n) => {
      await until(`${n} deposit steps`, () => spy.mock.calls.length >= n);
      await Promise.all(spy.mock.results.map((r) => r.value as Promise<void>));
    },
  };
}

describe('Exchange (direct buy, dummy sender)', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await open(mkdtempSync(path.join(os.tmpdir(), 'teller-ex-')), config());
    await rig.deposits.bind(SKY, 'BTC', 'BTC', ADDR, 'direct');
  });
  afterEach(() => close(rig));

  it('pays a deposit once at the frozen rate and finishes when confirmed', async () => {
    await rig.exchange.receive(dep('aa', 0, 12_345_678n));
    const sent = await waitFor(rig, 'aa:0', 'waiting_confirm');
    expect(sent.sky_sent).toBe(61_728_000n);
    expect(rig.sender.list()).toHaveLength(1);
    expect(rig.sender.list()[0]).toMatchObject({ to: SKY, amount: 61_728_000n });
    await rig.sender.confirm(undefined, 0);
    const done = await waitFor(rig, 'aa:0', 'done');
    expect(done.txid).toBe(rig.sender.list()[0].txid);
    const events = await rig.deposits.events('aa:0');
    expect(events.map((e) => e.to)).toEqual(['waiting_decide', 'waiting_send', 'waiting_confirm', 'done']);
  });

  it('records a replayed deposit once and pays it once', async () => {
    await rig.exchange.receive(dep('bb', 0, 10_000_000n));
    await rig.exchange.receive(dep('bb', 0, 10_000_000n));
    await waitFor(rig, 'bb:0', 'waiting_confirm');
    await rig.sender.confirm(undefined, 0);
    await waitFor(rig, 'bb:0', 'done');
    // A replay after the payout is recognised and schedules no step at all.
    expect(await rig.exchange.receive(dep('bb', 0, 10_000_000n))).toEqual({
      kind: 'duplicate',
      status: 'done',
    });
    expect(rig.sender.list()).toHaveLength(1);
    expect((await rig.deposits.list()).length).toBe(1);
  });

  it('treats two outputs of one transaction as two deposits, both in flight at once', async () => {
    await rig.exchange.receive(dep('cc', 0, 1_000_000n));
    await rig.exchange.receive(dep('cc', 1, 2_000_000n));
    await waitFor(rig, 'cc:0', 'waiting_confirm');
    await waitFor(rig, 'cc:1', 'waiting_confirm');
    expect(
      rig.sender
        .list()
        .map((t) => t.amount)
        .sort((a, b) => Number(a - b)),
    ).toEqual([5_000_000n, 10_000_000n]);
  });

  it('finishes a zero payout as done with teller error and no transaction', async () => {
    await rig.exchange.receive(dep('dd', 0, 1n));
    const rec = await waitFor(rig, 'dd:0', 'done');
    expect(rec.error).toBe('Skycoin send amount is 0');
    expect(rig.sender.list()).toHaveLength(0);
    expect(rig.deposits.errored.has('dd:0')).toBe(true);
  });

  it('holds payouts while sold out and pays when funds return', async () => {
    await rig.sender.setBalance(1_000n);
    await rig.exchange.receive(dep('ee', 0, 100_000_000n));
    await until('a sender error', () => rig.exchange.senderError !== '');
    expect(rig.exchange.senderError).toBe('CreateTransaction not enough coins');
    expect(rig.exchange.soldOut).toBe(true);
    expect((await rig.deposits.get('ee:0'))?.status).toBe('waiting_send');
    await rig.sender.setBalance(1_000_000_000n);
    await rig.exchange.wakeWaitingSend();
    await waitFor(rig, 'ee:0', 'waiting_confirm');
    expect(rig.exchange.soldOut).toBe(false);
  });

  it('holds a payout above payout.approval_above until an admin approves it', async () => {
    await close(rig);
    const capped = config();
    capped.payout.approval_above = '10';
    rig = await open(rig.dir, capped);
    await rig.exchange.receive(dep('ap', 0, 1_000_000n)); // 5 SKY: under the cap, paid
    await rig.exchange.receive(dep('ap', 1, 5_000_000n)); // 25 SKY: held
    await waitFor(rig, 'ap:0', 'waiting_confirm');
    await until('ap:1 held', async () => (await rig.deposits.get('ap:1'))?.last_error !== '');
    const held = await rig.deposits.get('ap:1');
    expect(held).toMatchObject({ status: 'waiting_send', last_error: AWAITING_APPROVAL });
    expect(rig.sender.list()).toHaveLength(1);
    await expect(rig.exchange.approve('ap:0')).rejects.toThrow(/not waiting for an approval/);
    await rig.exchange.approve('ap:1');
    const sent = await waitFor(rig, 'ap:1', 'waiting_confirm');
    expect(sent.sky_sent).toBe(25_000_000n);
    expect((await rig.deposits.events('ap:1')).map((e) => e.note)).toContain('payout approved by admin');
  });

  it('ignores deposits to unbound addresses (kept as orphans)', async () => {
    await rig.exchange.receive(dep('ff', 0, 5n, '1BoatSLRHtKNngkdXEeobR76b53LETtpyT'));
    expect(await rig.deposits.get('ff:0')).toBeUndefined();
    expect(await rig.store.get('orphans', 'ff:0')).toBeDefined();
  });

  it('resumes after a restart without signing a payout again', async () => {
    await rig.exchange.receive(dep('gg', 0, 5_000_000n));
    await waitFor(rig, 'gg:0', 'waiting_confirm');
    await close(rig);
    rig = await open(rig.dir, rig.cfg);
    await rig.sender.confirm(undefined, 0);
    await waitFor(rig, 'gg:0', 'done');
    expect(rig.sender.list()).toHaveLength(1);
  });

  it('waits in waiting_send while sending is disabled, then sends after restart with it on', async () => {
    await close(rig);
    const off = config();
    off.sky_exchanger.send_enabled = false;
    rig = await open(rig.dir, off);
    const steps = stepSpy(rig.exchange);
    await rig.exchange.receive(dep('hh', 0, 5_000_000n));
    await waitFor(rig, 'hh:0', 'waiting_send');
    // The decide step, then the send step that finds sending off: both over, nothing sent.
    await steps.settled(2);
    expect(rig.sender.list()).toHaveLength(0);
    await close(rig);
    rig = await open(rig.dir, config());
    await waitFor(rig, 'hh:0', 'waiting_confirm');
  });
});

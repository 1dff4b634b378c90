import type { Config } from '../../../src/config/types';
import type { DepositStore } from '../../../src/exchange/deposit-store';
import { Monitors, thresholdUnits } from '../../../src/ops/monitors';
import { Notifier } from '../../../src/ops/notifier';
import type { Store } from '../../../src/store/store';
import { silentLogger } from '../../../src/util/logger';
import {
  fakeSource,
  openStore,
  scannerStatus,
  startReceiver,
  until,
  walk,
  type FakeSource,
  type Receiver,
} from './helpers';

describe('Monitors (alerts through a local webhook receiver)', () => {
  let store: Store;
  let deposits: DepositStore;
  let receiver: Receiver;
  let notifier: Notifier;
  let src: FakeSource;
  let monitors: Monitors;

  const notification = (over: Partial<Config['notification']> = {}): Config['notification'] => ({
    hook_url: receiver.url,
    server_name: 'otc',
    hot_wallet_low: '1',
    pool_low: 10,
    scanner_lag_blocks: 6,
    ...over,
  });

  beforeEach(async () => {
    ({ store, deposits } = await openStore());
    receiver = await startReceiver();
    notifier = new Notifier({
      hookUrl: receiver.url,
      serverName: 'otc',
      log: silentLogger(),
      retryBaseMs: 5,
    });
    src = fakeSource(store, deposits);
    monitors = new Monitors({
      source: src,
      notification: notification(),
      notifier,
      log: silentLogger(),
      stallChecks: 3,
    });
  });
  afterEach(async () => {
    await monitors.stop();
    await notifier.stop(0);
    await receiver.close();
    await store.close();
  });

  /**
   * Runs `n` checks, then waits for the notifier's queue to empty and returns what the receiver got
   * (a message leaves the queue only after the receiver has answered, so it was recorded by then).
   */
  async function checks(n: number): Promise<string[]> {
    for (let i = 0; i < n; i++) await monitors.check();
    await until(() => notifier.pending === 0);
    return receiver.delivered.splice(0);
  }

  it('sends nothing while all is well', async () => {
    expect(await checks(3)).toEqual([]);
    expect(monitors.activeAlerts()).toEqual([]);
  });

  it('hot wallet below the threshold: one alert, one resolved', async () => {
    src.balance.coins = 500_000n; // 0.5 SKY < 1
    expect(await checks(3)).toEqual([
      '[otc] ALERT: hot wallet holds 0.5 SKY, below notification.hot_wallet_low = 1',
    ]);
    src.balance.fail = true; // unknown balance: the alert stays, nothing is sent
    expect(await checks(2)).toEqual([]);
    src.balance = { coins: 2_000_000n, fail: false };
    expect(await checks(2)).toEqual([
      '[otc] RESOLVED: hot wallet holds 0.5 SKY, below notification.hot_wallet_low = 1',
    ]);
  });

  it('hot_wallet_low "0" is off', async () => {
    monitors = new Monitors({
      source: src,
      notification: notification({ hot_wallet_low: '0' }),
      notifier,
      log: silentLogger(),
    });
    src.balance.coins = 0n;
    expect(await checks(2)).toEqual([]);
  });

  it('pool low: hours left at the last hour’s bind rate', async () => {
    src.binder = { bindsLastHour: (coin) => (coin === 'BTC' ? 4 : 0) };
    src.poolLeft.set('BTC', 6);
    src.poolLeft.set('ETH', 3);
    expect(await checks(2)).toEqual([
      "[otc] ALERT: BTC deposit address pool is low: 6 of 100 addresses left (notification.pool_low = 10); about 1.5 hours left at the last hour's 4 binds/hour",
      '[otc] ALERT: ETH deposit address pool is low: 3 of 100 addresses left (notification.pool_low = 10); no binds in the last hour',
    ]);
  });

  it('pool below the low-water mark: one alert per pool, resolved when refilled', async () => {
    src.poolLeft.set('BTC', 5);
    src.poolLeft.set('ETH', 0);
    expect(await checks(3)).toEqual([
      '[otc] ALERT: BTC deposit address pool is low: 5 of 100 addresses left (notification.pool_low = 10)',
      '[otc] ALERT: ETH deposit address pool is empty (100 used): binds for ETH fail',
    ]);
    src.poolLeft.set('BTC', 4); // still low: no new message
    expect(await checks(1)).toEqual([]);
    src.poolLeft.set('BTC', 40);
    expect(await checks(1)).toEqual([
      '[otc] RESOLVED: BTC deposit address pool is low: 5 of 100 addresses left (notification.pool_low = 10)',
    ]);
  });

  it('scanner lagging: one alert, resolved when it catches up', async () => {
    src.statuses[0] = scannerStatus({ height: 90, tip: 100, lag: 10 });
    const msg =
      'BTC scanner is 10 blocks behind its node (height 90, tip 100; notification.scanner_lag_blocks = 6)';
    expect(await checks(2)).toEqual([`[otc] ALERT: ${msg}`]);
    src.statuses[0] = scannerStatus({ height: 95, tip: 100, lag: 5 });
    expect(await checks(1)).toEqual([`[otc] RESOLVED: ${msg}`]);
  });

  it('scanner stalled: no progress for N checks while behind, resolved when it moves', async () => {
    src.statuses[0] = scannerStatus({ height: 98, tip: 100, lag: 2 });
    expect(await checks(3)).toEqual([]);
    const got = await checks(3);
    expect(got).toEqual([
      '[otc] ALERT: BTC scanner has made no progress for 3 checks at height 98 (2 blocks behind)',
    ]);
    src.statuses[0] = scannerStatus({ height: 99, tip: 100, lag: 1 });
    expect(await checks(1)).toEqual([
      '[otc] RESOLVED: BTC scanner has made no progress for 3 checks at height 98 (2 blocks behind)',
    ]);
  });

  it('scanner stalled on a node that does not answer', async () => {
    src.statuses[0] = scannerStatus({ height: 50, tip: -1, lag: 0, last_error: 'connect ECONNREFUSED' });
    const got = await checks(5);
    expect(got).toEqual([
      '[otc] ALERT: BTC scanner has made no progress for 3 checks at height 50 (last error: connect ECONNREFUSED)',
    ]);
  });

  it('deep reorg alert: once per alert text, resolved when acknowledged', async () => {
    src.statuses[0] = scannerStatus({ alert: 'BTC reorg of 7 blocks orphaned deposit aa:0' });
    expect(await checks(3)).toEqual(['[otc] ALERT: BTC reorg of 7 blocks orphaned deposit aa:0']);
    src.statuses[0] = scannerStatus({ alert: 'BTC reorg of 9 blocks orphaned deposit bb:1' });
    expect(await checks(1)).toEqual([
      '[otc] RESOLVED: BTC reorg of 7 blocks orphaned deposit aa:0',
      '[otc] ALERT: BTC reorg of 9 blocks orphaned deposit bb:1',
    ]);
    src.statuses[0] = scannerStatus();
    expect(await checks(1)).toEqual(['[otc] RESOLVED: BTC reorg of 9 blocks orphaned deposit bb:1']);
  });

  it('errored deposit: one alert per deposit, resolved when retried', async () => {
    const rec = await walk(deposits, 'aa', 0, 'waiting_send');
    const failed = await deposits.update(rec, { error: 'CreateTransaction invalid address' }, 'error');
    const msg = 'deposit aa:0 stopped with an error: CreateTransaction invalid address (retry it once fixed)';
    expect(await checks(3)).toEqual([`[otc] ALERT: ${msg}`]);
    await deposits.update(failed, { error: '' }, 'retry requested by admin');
    expect(await checks(1)).toEqual([`[otc] RESOLVED: ${msg}`]);
  });

  it('a deposit done with an error: announced once if it happens while running, never resolved', async () => {
    const before = await walk(deposits, 'old', 0, 'waiting_send');
    await deposits.transition(before, { status: 'done', error: 'Skycoin send amount is 0' }, 'zero');
    expect(await checks(1)).toEqual([]);
    const rec = await walk(deposits, 'dust', 0, 'waiting_send');
    await deposits.transition(rec, { status: 'done', error: 'Skycoin send amount is 0' }, 'zero');
    expect(await checks(3)).toEqual([
      '[otc] ALERT: deposit dust:0 finished without a payout: Skycoin send amount is 0',
    ]);
    expect(monitors.activeAlerts()).toEqual([]);
  });

  it('sold out: one alert, resolved when payouts go through', async () => {
    src.soldOut = true;
    expect(await checks(2)).toHaveLength(1);
    src.soldOut = false;
    expect(await checks(1)).toEqual([
      '[otc] RESOLVED: hot wallet cannot cover a payout: sold out, payouts are held until it is refilled',
    ]);
  });

  it('EVM fee ceiling: one alert per condition of the sender, resolved when it ends', async () => {
    const stuck =
      'payout of deposit aa:0 (nonce 4) is stuck at the fee ceiling (…): it waits, not bumped further';
    src.feeAlerts.set('fee_ceiling:aa:0', stuck);
    expect(await checks(3)).toEqual([`[otc] ALERT: ${stuck}`]);
    src.feeAlerts.set('fee_ceiling:new_payouts', 'EVM network fee is above the fee ceiling');
    expect(await checks(2)).toEqual(['[otc] ALERT: EVM network fee is above the fee ceiling']);
    src.feeAlerts.clear();
    expect((await checks(2)).sort()).toEqual([
      '[otc] RESOLVED: EVM network fee is above the fee ceiling',
      `[otc] RESOLVED: ${stuck}`,
    ]);
  });

  const gap = { nonce: 3, deposit_id: 'aa:0', txid: '0xab', waiting: 2, fill_txid: '' };
  const gapAlert =
    '[otc] ALERT: EVM hot wallet nonce 3 holds the payout of deposit aa:0 (0xab), but the node has no ' +
    'transaction with it: 2 later payouts wait behind it. Retry the deposit, or once it is errored fill ' +
    'the gap with a zero-value self-transfer: POST /api/payout/nonce-gaps/3/fill on the admin API';

  it('nonce gap held by an errored deposit: alert at once, resolved when the gap is gone', async () => {
    const rec = await walk(deposits, 'aa', 0, 'waiting_send');
    await deposits.update(rec, { error: 'store write failed' }, 'error');
    src.gap = gap;
    const sent = await checks(2);
    expect(sent).toContain(gapAlert);
    expect(sent).toHaveLength(2); // and the errored deposit's own alert
    src.gap = 'fail'; // the node does not answer: the alert stays
    expect(await checks(1)).toEqual([]);
    src.gap = null;
    expect(await checks(1)).toEqual([gapAlert.replace('ALERT', 'RESOLVED')]);
  });

  it('nonce gap of a deposit still being paid: an alert only when it lasts stallChecks checks', async () => {
    await walk(deposits, 'aa', 0, 'waiting_confirm');
    src.gap = gap;
    expect(await checks(2)).toEqual([]);
    src.gap = null; // re-broadcast by its deposit: never announced
    expect(await checks(1)).toEqual([]);
    src.gap = gap;
    expect(await checks(2)).toEqual([]);
    expect(await checks(1)).toEqual([gapAlert]);
  });

  it('a gap fill the node lost is announced at once', async () => {
    await walk(deposits, 'aa', 0, 'waiting_confirm');
    src.gap = { ...gap, fill_txid: '0xf1' };
    expect(await checks(1)).toEqual([
      '[otc] ALERT: EVM hot wallet nonce 3: its gap fill 0xf1 is unknown to the node and 2 later payouts ' +
        'wait behind it; send it again with POST /api/payout/nonce-gaps/3/fill on the admin API',
    ]);
  });

  it('runs on its own interval and stops', async () => {
    monitors = new Monitors({
      source: src,
      notification: notification(),
      notifier,
      log: silentLogger(),
      intervalMs: 10,
    });
    src.poolLeft.set('BTC', 1);
    const rounds = jest.spyOn(monitors, 'check');
    monitors.start();
    await until(() => receiver.delivered.length === 1);
    // Several more rounds with the pool still low must not repeat the alert.
    const seen = rounds.mock.calls.length;
    await until(() => rounds.mock.calls.length >= seen + 5);
    await monitors.stop();
    await until(() => notifier.pending === 0);
    expect(receiver.delivered).toHaveLength(1);
    expect(monitors.activeAlerts().map((a) => a.key)).toEqual(['pool_low:BTC']);
  });
});

describe('thresholdUnits', () => {
  it.each([
    ['0', 6, 0n],
    ['1', 6, 1_000_000n],
    ['0.5', 6, 500_000n],
    ['.25', 2, 25n],
    ['12.', 0, 12n],
    ['0.1234567', 6, 123_456n],
  ])('%s with %d decimals is %s', (s, d, want) => {
    expect(thresholdUnits(s, d)).toBe(want);
  });
});

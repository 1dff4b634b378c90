import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from '../../src/app';
import { defaultConfig } from '../../src/config';
import type { Config } from '../../src/config/types';
import { listBackups } from '../../src/ops/backup-schedule';
import { silentLogger } from '../../src/util/logger';
import { until } from '../helpers/until';
import { startWebhookReceiver } from '../helpers/webhook';

/**
 * The daemon's own operator stack (App.ops) on a running dummy-mode daemon: monitors raising alerts
 * to a local webhook, the metrics listener reporting the daemon's real state, scheduled backups.
 */

const ROOT = path.resolve(__dirname, '../..');
const SKY = '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X';

/** A deadline, not a count of polls: under load each poll (a directory listing, a fetch) is slower. */
const eventually = (cond: () => boolean | Promise<boolean>, what: string): Promise<void> => until(what, cond);

describe('operator stack on a running daemon', () => {
  /** Stops what a test started, last started first, even when the test failed. */
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()?.();
  });

  it('alerts once per condition, resolves, and reports metrics and readiness', async () => {
    const hook = await startWebhookReceiver();
    cleanup.push(() => hook.close());
    const cfg: Config = defaultConfig();
    cfg.btc_addresses = path.join(ROOT, 'addresses/btc-example.txt');
    cfg.sky_exchanger.sky_btc_exchange_rate = '500';
    cfg.sky_exchanger.tx_confirmation_check_wait_ms = 20;
    cfg.web.http_addr = '';
    cfg.admin_panel.host = '';
    cfg.dummy = { ...cfg.dummy, scanner: true, sender: true, http_addr: '127.0.0.1:0' };
    cfg.notification = {
      hook_url: hook.url,
      server_name: 'it',
      hot_wallet_low: '50',
      pool_low: 19,
      scanner_lag_blocks: 6,
    };
    cfg.backup = { schedule: '*/1 * * * * *', keep: 2, dir: 'backups' };
    cfg.metrics.http_addr = '127.0.0.1:0';
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'teller-ops-d-'));
    const app = await App.start({
      config: cfg,
      dataDir,
      log: silentLogger(),
      version: 'v',
      cwd: ROOT,
      ops: { monitorIntervalMs: 20, processMetrics: false },
    });
    cleanup.push(() => app.stop());
    const { ctx, ops } = app;

    const a1 = (await ctx.binder.bind(SKY, 'BTC')).address;
    await ctx.binder.bind(SKY, 'BTC');
    await eventually(() => hook.texts.length === 1, 'pool alert');
    expect(hook.texts).toEqual([
      "[it] ALERT: BTC deposit address pool is low: 18 of 20 addresses left (notification.pool_low = 19); about 9.0 hours left at the last hour's 2 binds/hour",
    ]);

    await ctx.dummySender?.setBalance(10_000_000n); // 10 SKY < 50
    await eventually(() => hook.texts.length === 2, 'hot wallet alert');
    await ctx.dummySender?.setBalance(100_000_000n);
    await eventually(() => hook.texts.length === 3, 'hot wallet resolved');
    expect(hook.texts.slice(1)).toEqual([
      '[it] ALERT: hot wallet holds 10 SKY, below notification.hot_wallet_low = 50',
      '[it] RESOLVED: hot wallet holds 10 SKY, below notification.hot_wallet_low = 50',
    ]);

    // 1 satoshi pays 0.000005 SKY, truncated to 3 decimals: nothing; the deposit errors.
    ctx.dummyScanner?.push({ coin_type: 'BTC', address: a1, value: 1n, height: 5, tx: 'dust', n: 0 });
    ctx.dummyScanner?.push({ coin_type: 'BTC', address: a1, value: 100_000n, height: 5, tx: 'good', n: 0 });
    await eventually(() => hook.texts.length === 4, 'deposit error alert');
    expect(hook.texts[3]).toBe(
      '[it] ALERT: deposit dust:0 finished without a payout: Skycoin send amount is 0',
    );
    // Signed and stored first, broadcast right after: confirm once the dummy chain has it.
    await eventually(() => (ctx.dummySender?.list().length ?? 0) === 1, 'payout broadcast');
    await ctx.dummySender?.confirm(ctx.dummySender.list()[0]?.txid, undefined);
    await eventually(async () => (await ctx.deposits.get('good:0'))?.status === 'done', 'payout confirmed');

    await eventually(() => ops.notifier.pending === 0, 'alerts delivered');
    const base = `http://${app.listeners().metrics}`;
    const body = await (await fetch(`${base}/metrics`)).text();
    expect(body).toMatch(/^teller_deposits\{status="done"\} 2$/m);
    expect(body).toMatch(/^teller_deposits_errored 1$/m);
    expect(body).toMatch(/^teller_payouts_sent_total 1$/m);
    expect(body).toMatch(/^teller_payouts_confirmed_total 1$/m);
    expect(body).toMatch(/^teller_pool_remaining\{coin="BTC"\} 18$/m);
    expect(body).toMatch(/^teller_hot_wallet_balance\{coin="SKY"\} 99\.5$/m);
    expect(body).toMatch(/^teller_notifications_total\{result="sent"\} 4$/m);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    // Nothing more to say: no repeats while the conditions hold, over several more rounds.
    const rounds = jest.spyOn(ops.monitors, 'check');
    await eventually(() => rounds.mock.calls.length >= 5, 'five more monitor rounds');
    await Promise.all(rounds.mock.results.slice(0, 5).map((r) => r.value as Promise<void>));
    await eventually(() => ops.notifier.pending === 0, 'anything queued delivered');
    expect(hook.texts).toHaveLength(4);

    // The backup schedule runs alongside.
    await eventually(
      async () => (await listBackups(path.join(dataDir, 'backups'))).length > 0,
      'a scheduled backup',
    );
  });
});

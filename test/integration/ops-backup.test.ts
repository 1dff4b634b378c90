import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { App } from '../../src/app';
import { runCommand } from '../../src/commands/index';
import { defaultConfig } from '../../src/config';
import type { Config } from '../../src/config/types';
import type { DepositRecord } from '../../src/exchange/types';
import { verifyAudit } from '../../src/ops/audit';
import { Store } from '../../src/store/store';
import { silentLogger } from '../../src/util/logger';
import { until, untilValue } from '../helpers/until';

/**
 * A scheduled-style backup taken while deposits stream in and get paid (payouts broadcast, confirmed
 * only once the snapshot is taken and the stream goes on: it surely holds unfinished ones), restored with
 * `teller backup restore` into a fresh data dir; a daemon started on it resumes every deposit of
 * the snapshot and pays each deposit exactly once, including those replayed after the snapshot.
 */

const ROOT = path.resolve(__dirname, '../..');
const SKY = ['2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X', 't5apgjk4LvV9PQareTPzWkE88o1G5A55FW'];
const DEPOSITS = 60;
const DEADLINE = 45_000;
const countBy = (xs: string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
};
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'teller-ops-it-'));
/** `f` run at most once, however often the result is called. */
const onlyOnce = (f: () => Promise<void>): (() => Promise<void>) => {
  let p: Promise<void> | undefined;
  return () => (p ??= f());
};

function config(): Config {
  const c = defaultConfig();
  c.btc_addresses = path.join(ROOT, 'addresses/btc-example.txt');
  c.sky_exchanger.sky_btc_exchange_rate = '500';
  c.sky_exchanger.tx_confirmation_check_wait_ms = 20;
  c.web.http_addr = '';
  c.admin_panel.host = '';
  c.dummy = { ...c.dummy, scanner: true, sender: true, http_addr: '127.0.0.1:0' };
  return c;
}

const start = (dataDir: string) =>
  App.start({ config: config(), dataDir, log: silentLogger(), version: 'test', cwd: ROOT });

/**
 * Confirms each dummy payout as soon as its broadcast is stored (a chain mining it at once), and
 * those broadcast before, until stopped: the sender's broadcast is wrapped, nothing polls.
 */
function confirmer(app: App): { stop(): Promise<void> } {
  const sender = app.ctx.dummySender;
  if (sender === undefined) throw new Error('the app has no dummy sender');
  const broadcast = sender.broadcast.bind(sender);
  const confirming = new Set<Promise<unknown>>();
  const confirm = (txid: string): void => {
    const done: Promise<unknown> = sender.confirm(txid, undefined).finally(() => confirming.delete(done));
    confirming.add(done);
  };
  for (const tx of sender.list()) if (!tx.confirmed) confirm(tx.txid);
  sender.broadcast = async (p) => {
    await broadcast(p);
    confirm(p.txid);
  };
  return {
    stop: async () => {
      sender.broadcast = broadcast;
      await Promise.all(confirming);
    },
  };
}

/** Pushes deposit `i` to the dummy scanner (as a chain scanner would hand it over). */
async function push(app: App, addresses: string[], i: number): Promise<void> {
  const d = {
    coin_type: 'BTC',
    address: addresses[i % addresses.length],
    value: 100_000n,
    height: 100 + i,
    tx: `load${i}`,
    n: 0,
  };
  await until(
    `the dummy scanner to take deposit ${i}`,
    () => app.ctx.dummyScanner?.push(d) === true,
    DEADLINE,
    2,
  );
}

async function waitAll(
  app: App,
  pred: (d: DepositRecord[]) => boolean,
  what: string,
): Promise<DepositRecord[]> {
  let all: DepositRecord[] = [];
  const statuses = async (): Promise<Record<string, number>> => {
    all = await app.ctx.deposits.list();
    return countBy(all.map((d) => d.status));
  };
  await untilValue(what, statuses, () => pred(all), DEADLINE, 10);
  return all;
}

/** The whole scenario: two daemon runs, 60 deposits each paid once, a backup and a restore. */
const TEST_TIMEOUT_MS = 180_000;

describe('backup under load, restore, resume', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()?.();
  });

  it(
    'loses nothing and pays every deposit exactly once',
    async () => {
      const dirA = tmp();
      const app = await start(dirA);
      const stopApp = onlyOnce(() => app.stop());
      cleanup.push(stopApp);
      const addresses: string[] = [];
      for (const sky of SKY)
        for (let k = 0; k < 2; k++) addresses.push((await app.ctx.binder.bind(sky, 'BTC')).address);
      let snapshotTaken = (): void => undefined;
      const taken = new Promise<void>((r) => (snapshotTaken = r));
      const load = (async () => {
        for (let i = 0; i < DEPOSITS; i++) {
          if (i === DEPOSITS / 2) await taken; // the snapshot falls mid-stream
          await push(app, addresses, i);
        }
      })();
      await waitAll(app, (all) => all.length >= 15, '15 deposits recorded');
      // The daemon's own scheduler (backup.schedule is off): what a scheduled run writes.
      const backup = await app.ops.backups.runOnce();
      snapshotTaken();
      const confirming = confirmer(app);
      const stopConfirming = onlyOnce(() => confirming.stop());
      cleanup.push(stopConfirming);
      await load;
      await waitAll(
        app,
        (all) => all.length === DEPOSITS && all.every((d) => d.status === 'done'),
        'first run done',
      );
      await stopConfirming();
      await stopApp();
      expect(backup).toBeDefined();

      // Restore with the maintenance command into a fresh data dir.
      const dirB = tmp();
      const out = new PassThrough();
      const code = await runCommand(['backup', 'restore', backup?.file ?? ''], {
        dataDir: dirB,
        configArg: undefined,
        stdout: out,
        stderr: out,
      });
      expect(code).toBe(0);
      const snap = await Store.open(path.join(dirB, 'teller.db'));
      const inBackup = await snap.values<DepositRecord>('deposits');
      expect((await verifyAudit(snap)).ok).toBe(true);
      await snap.close();
      // The snapshot was taken mid-stream: some deposits, not all, and not all of them finished.
      expect(inBackup.length).toBeGreaterThanOrEqual(15);
      expect(inBackup.length).toBeLessThan(DEPOSITS);
      expect(inBackup.some((d) => d.status !== 'done')).toBe(true);

      // The daemon resumes from the restored dir; the scanner side replays every deposit (as a
      // restored cursor would), the exchange records each once.
      const resumed = await start(dirB);
      const stopResumed = onlyOnce(() => resumed.stop());
      cleanup.push(stopResumed);
      expect(resumed.ctx.pools.get('BTC')?.remaining()).toBe(20 - addresses.length);
      const confirming2 = confirmer(resumed);
      const stopConfirming2 = onlyOnce(() => confirming2.stop());
      cleanup.push(stopConfirming2);
      for (let i = 0; i < DEPOSITS; i++) await push(resumed, addresses, i);
      const final = await waitAll(
        resumed,
        (all) => all.length === DEPOSITS && all.every((d) => d.status === 'done'),
        'resumed run done',
      );
      await stopConfirming2();

      const byId = new Map(final.map((d) => [d.deposit_id, d]));
      for (const d of inBackup) {
        const now = byId.get(d.deposit_id);
        expect(now?.seq).toBe(d.seq);
        // A payout signed before the snapshot is the one that was paid: never signed again.
        if (d.txid !== '') expect(now?.txid).toBe(d.txid);
      }
      const payouts = resumed.ctx.dummySender?.list() ?? [];
      expect(payouts).toHaveLength(DEPOSITS);
      expect(new Set(final.map((d) => d.txid)).size).toBe(DEPOSITS);
      expect(final.every((d) => d.error === '' && d.sky_sent === 500_000n)).toBe(true);
      expect((await verifyAudit(resumed.ctx.store)).ok).toBe(true);
      await stopResumed();
    },
    TEST_TIMEOUT_MS,
  );
});

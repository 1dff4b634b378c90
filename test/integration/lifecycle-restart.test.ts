import {
  BTC_POOL,
  SKY,
  adminDeposits,
  adminGet,
  bind,
  broadcasts,
  confirm,
  confirmAll,
  deposit,
  depositById,
  replayTwice,
  sleep,
  startDaemon,
  statuses,
  waitFor,
  waitForDeposit,
  waitForPayout,
  waitForStatus,
  type Daemon,
} from '../helpers/daemon';
import { DEADLINE_MS } from '../helpers/until';

/**
 * Restarts (SIGTERM and SIGKILL) in the middle of each status: the daemon resumes from its store
 * and pays every deposit exactly once (DESIGN.md "Sender", difference 5). The dummy sender keeps
 * its ledger in the store, so its broadcasts survive the restart and can be counted.
 */

const daemons: Daemon[] = [];
const start = async (...args: Parameters<typeof startDaemon>): Promise<Daemon> => {
  const d = await startDaemon(...args);
  daemons.push(d);
  return d;
};

afterAll(async () => {
  await Promise.all(daemons.map((d) => d.dispose()));
});

const kinds = [
  ['SIGTERM', false],
  ['SIGKILL', true],
] as const;

/** Asserts every payout went out once: one broadcast per paid deposit, each with its own txid. */
async function expectPaidOnce(d: Daemon): Promise<void> {
  const all = await adminDeposits(d);
  const sent = await broadcasts(d);
  const paid = all.filter((x) => x.txid !== '');
  expect(sent.map((b) => b.txid).sort()).toEqual(paid.map((x) => x.txid).sort());
  for (const x of paid) {
    const b = sent.find((s) => s.txid === x.txid);
    expect([x.deposit_id, b?.outputs[0].address]).toEqual([x.deposit_id, x.sky_address]);
    expect([x.deposit_id, Math.round(Number(b?.outputs[0].coins) * 1e6)]).toEqual([x.deposit_id, x.sky_sent]);
  }
}

describe.each(kinds)('%s', (_signal, kill) => {
  it('in waiting_send (sending disabled): resumes and pays once when sending is enabled', async () => {
    const d = await start({ sky_exchanger: { send_enabled: false } });
    const addr = await bind(d, SKY[0], 'BTC');
    const dep = { addr, value: 3_000_000, tx: 'rs-wait-send' };
    await deposit(d, dep);
    await waitForDeposit(d, 'rs-wait-send:0', (x) => x.status === 'waiting_send');

    await d.restart({ kill });
    expect((await depositById(d, 'rs-wait-send:0'))?.status).toBe('waiting_send');
    await replayTwice(d, dep); // the step the restart resumed has run to its end
    expect(await broadcasts(d)).toEqual([]);

    await d.restart({ kill, overrides: { sky_exchanger: { send_enabled: true } } });
    const rec = await waitForPayout(d, 'rs-wait-send:0');
    expect(rec.sky_sent).toBe(15_000_000);
    await deposit(d, dep); // a replay after the restart
    await confirm(d, rec.txid);
    await waitForStatus(d, SKY[0], (s) => s[0]?.status === 'done');
    await replayTwice(d, dep);
    expect(await broadcasts(d)).toHaveLength(1);
    await expectPaidOnce(d);
  });

  it('in waiting_confirm: the same payout is still awaited after the restart, never a second one', async () => {
    const d = await start();
    const addr = await bind(d, SKY[1], 'BTC');
    const dep = { addr, value: 4_000_000, tx: 'rs-wait-confirm' };
    await deposit(d, dep);
    const rec = await waitForPayout(d, 'rs-wait-confirm:0');
    const [sent] = await broadcasts(d);
    expect(sent.txid).toBe(rec.txid);

    await d.restart({ kill });
    await replayTwice(d, dep); // replays after the restart, answered once its resumed step is over
    expect(await depositById(d, 'rs-wait-confirm:0')).toMatchObject({
      status: 'waiting_confirm',
      txid: rec.txid,
    });
    expect(await broadcasts(d)).toEqual([sent]);

    await confirm(d, rec.txid);
    await waitForDeposit(d, 'rs-wait-confirm:0', (x) => x.status === 'done');
    expect(await broadcasts(d)).toHaveLength(1);
  });

  it('in waiting_confirm, confirmed while the daemon was down: done after the restart', async () => {
    const d = await start();
    const addr = await bind(d, SKY[2], 'BTC');
    await deposit(d, { addr, value: 600_000, tx: 'rs-confirm-down' });
    const rec = await waitForPayout(d, 'rs-confirm-down:0');
    // Confirm, then stop before the exchange has polled (its check runs every 100 ms).
    await confirm(d, rec.txid);
    await d.restart({ kill });
    await waitForDeposit(d, 'rs-confirm-down:0', (x) => x.status === 'done');
    await expectPaidOnce(d);
  });

  it('done: a restart and a replay change nothing', async () => {
    const d = await start();
    const addr = await bind(d, SKY[3], 'BTC');
    const dep = { addr, value: 800_000, tx: 'rs-done' };
    await deposit(d, dep);
    await waitForPayout(d, 'rs-done:0');
    await confirmAll(d);
    const done = await waitForDeposit(d, 'rs-done:0', (x) => x.status === 'done');
    await d.restart({ kill });
    await replayTwice(d, dep);
    expect(await depositById(d, 'rs-done:0')).toMatchObject({
      status: 'done',
      txid: done.txid,
      sky_sent: 4_000_000,
    });
    expect(await statuses(d, SKY[3])).toEqual([expect.objectContaining({ status: 'done' })]);
    expect(await broadcasts(d)).toHaveLength(1);
  });

  it('the pool continues after a restart: no address is handed out twice', async () => {
    const d = await start();
    expect(await bind(d, SKY[0], 'BTC')).toBe(BTC_POOL[0]);
    await d.restart({ kill });
    expect(await bind(d, SKY[1], 'BTC')).toBe(BTC_POOL[1]);
    await d.restart({ kill });
    expect(await bind(d, SKY[0], 'BTC')).toBe(BTC_POOL[2]);
    const pools = await adminGet<Record<string, { remaining_addresses: number }>>(
      d,
      '/api/deposit-addresses',
    );
    expect(pools.BTC.remaining_addresses).toBe(BTC_POOL.length - 3);
    // Bindings survive too: a deposit to the first address still reaches its buyer.
    await deposit(d, { addr: BTC_POOL[0], value: 200_000, tx: 'rs-pool' });
    expect((await waitForPayout(d, 'rs-pool:0')).sky_address).toBe(SKY[0]);
  });
});

describe('crashes at arbitrary moments', () => {
  it('SIGKILL at once or a few ms after a deposit; the scanner replays it; each deposit is paid once', async () => {
    const d = await start({ teller: { max_bound_addrs: 0 } });
    const delays = [0, 1, 3, 8, 15, 30, 60];
    for (const [i, delay] of delays.entries()) {
      const addr = await bind(d, SKY[i % SKY.length], 'BTC');
      const dep = { addr, value: 200_000 * (i + 1), tx: `rs-crash-${i}` };
      await deposit(d, dep);
      // The kill's moment, a few ms into the work on purpose; not a wait for anything.
      if (delay > 0) await sleep(delay);
      await d.restart({ kill: true });
      await deposit(d, dep); // the deposit may not have been recorded: a real scanner re-delivers it
      await waitForDeposit(d, `${dep.tx}:0`, (x) => x.status === 'waiting_confirm' || x.status === 'done');
    }
    await waitFor(
      async () => {
        await confirmAll(d);
        return adminDeposits(d);
      },
      (all) => all.length === delays.length && all.every((x) => x.status === 'done'),
      DEADLINE_MS,
      'every deposit done',
    );
    await expectPaidOnce(d);
    expect(await broadcasts(d)).toHaveLength(delays.length);
  });

  it('a deposit whose tx id holds any Unicode is indexed by status and resumed after a restart', async () => {
    const d = await start({ sky_exchanger: { send_enabled: false } });
    const addr = await bind(d, SKY[0], 'BTC');
    // U+1F600 is 4 bytes in UTF-8: it sorts after every BMP character in the store's key order.
    const tx = '\u{1F600}-rs-\uFFFF-é';
    await deposit(d, { addr, value: 400_000, tx });
    await waitForDeposit(d, `${tx}:0`, (x) => x.status === 'waiting_send');
    expect((await adminDeposits(d, 'waiting_send')).map((x) => x.deposit_id)).toEqual([`${tx}:0`]);
    await d.restart({ overrides: { sky_exchanger: { send_enabled: true } } });
    const rec = await waitForPayout(d, `${tx}:0`);
    expect(rec.sky_sent).toBe(2_000_000);
    await confirmAll(d);
    await waitForDeposit(d, `${tx}:0`, (x) => x.status === 'done');
    expect((await adminDeposits(d, 'done')).map((x) => x.deposit_id)).toEqual([`${tx}:0`]);
  });

  it('a rate change across a restart does not change a recorded deposit (the rate is frozen)', async () => {
    const d = await start({ sky_exchanger: { send_enabled: false } });
    const addr = await bind(d, SKY[4], 'BTC');
    await deposit(d, { addr, value: 1_000_000, tx: 'rs-rate' });
    await waitForDeposit(d, 'rs-rate:0', (x) => x.status === 'waiting_send');
    await d.restart({ overrides: { sky_exchanger: { send_enabled: true, sky_btc_exchange_rate: '1000' } } });
    const rec = await waitForPayout(d, 'rs-rate:0');
    expect([rec.conversion_rate, rec.sky_sent]).toEqual(['500', 5_000_000]);
  });
});

import {
  SKY,
  adminDeposits,
  adminGet,
  bind,
  broadcasts,
  confirm,
  confirmAll,
  deposit,
  depositById,
  expectedDroplets,
  health,
  request,
  setBalance,
  startDaemon,
  statuses,
  waitForBroadcasts,
  waitForDeposit,
  waitForPayout,
  waitForStatus,
  type Daemon,
  type DepositInfo,
  waitForLog,
} from '../helpers/daemon';

/**
 * Direct-buy life cycles driven over HTTP only (teller-core.md §5.3, §5.5; DESIGN.md differences
 * 5 and 7): bind → dummy deposit → waiting_confirm → dummy confirm → done, with exact payouts.
 */

let d: Daemon;

beforeAll(async () => {
  d = await startDaemon({ teller: { max_bound_addrs: 0 } });
  await setBalance(d, 100_000_000_000n); // 100 000 SKY: no test here runs out of coins
});

afterAll(async () => {
  await d?.dispose();
});

/** The payouts that went to `sky`, in broadcast order. */
const paidTo = async (sky: string) => (await broadcasts(d)).filter((b) => b.outputs[0].address === sky);

describe('BTC at rate 500, max_decimals 3', () => {
  it('bind → deposit → waiting_confirm → confirm → done; 0.12345678 BTC pays 61.728 SKY', async () => {
    const sky = SKY[0];
    const addr = await bind(d, sky, 'BTC');
    expect((await statuses(d, sky)).map((s) => s.status)).toEqual(['waiting_deposit']);

    await deposit(d, { addr, value: 12345678, height: 500, tx: 'life-btc-1', n: 3 });
    await waitForStatus(d, sky, (s) => s[0]?.status === 'waiting_confirm');
    await waitForPayout(d, 'life-btc-1:3');
    const [payout] = await paidTo(sky);
    expect(payout).toMatchObject({ outputs: [{ address: sky, coins: '61.728000' }], confirmed: false });
    const pending = await depositById(d, 'life-btc-1:3');
    expect(pending).toMatchObject({
      status: 'waiting_confirm',
      txid: payout.txid,
      sky_sent: 61728000,
      deposit_value: 12345678,
      conversion_rate: '500',
      deposit_address: addr,
      sky_address: sky,
    });

    await confirm(d, payout.txid);
    const entries = await waitForStatus(d, sky, (s) => s[0]?.status === 'done');
    expect(entries).toEqual([{ seq: 0, updated_at: expect.any(Number), status: 'done', coin_type: 'BTC' }]);
    expect(await depositById(d, 'life-btc-1:3')).toMatchObject({
      status: 'done',
      txid: payout.txid,
      error: '',
    });
    expect(await paidTo(sky)).toHaveLength(1);
  });

  it.each<[string, number, bigint]>([
    ['1 BTC', 100_000_000, 500_000_000n],
    ['0.00000200 BTC (1 milli-SKY)', 200, 1000n],
    ['0.00000399 BTC truncates to 1 milli-SKY', 399, 1000n],
    ['0.87654321 BTC', 87_654_321, 438_271_000n],
  ])('%s pays exactly, truncated in the operator’s favour', async (name, sats, droplets) => {
    expect(expectedDroplets(BigInt(sats), 8, 500n)).toBe(droplets);
    const sky = SKY[1];
    const addr = await bind(d, sky, 'BTC');
    const tx = `life-amount-${sats}`;
    await deposit(d, { addr, value: sats, tx });
    const rec = await waitForPayout(d, `${tx}:0`);
    expect([name, BigInt(rec.sky_sent)]).toEqual([name, droplets]);
    const b = (await broadcasts(d)).find((x) => x.txid === rec.txid);
    expect(b?.outputs[0].coins).toBe((Number(droplets) / 1e6).toFixed(6));
  });
});

describe('ETH at rate 100 (DESIGN 7: wei, exact)', () => {
  it('1234567891000000001 wei pays 123.456 SKY; the wei survive to the accounting', async () => {
    const fresh = await startDaemon();
    try {
      await setBalance(fresh, 1000_000000n);
      const sky = SKY[2];
      const addr = await bind(fresh, sky, 'ETH');
      await deposit(fresh, { coin: 'ETH', addr, value: 1234567891000000001n, height: 9, tx: '0xlifeeth' });
      const rec = await waitForPayout(fresh, '0xlifeeth:0');
      expect(rec).toMatchObject({ coin_type: 'ETH', sky_sent: 123456000, conversion_rate: '100' });
      await confirmAll(fresh);
      await waitForStatus(fresh, sky, (s) => s[0]?.status === 'done' && s[0].coin_type === 'ETH');
      const acc = await adminGet<{ sent: string; received: Record<string, string> }>(
        fresh,
        '/api/accounting',
      );
      expect(acc).toEqual({
        sent: '123.456000',
        received: { BTC: '0.00000000', ETH: '1.234567891000000001', SKY: '0.000000' },
      });
    } finally {
      await fresh.dispose();
    }
  });

  it('less than one milli-SKY worth of wei: done without a payout', async () => {
    const sky = SKY[2];
    const addr = await bind(d, sky, 'ETH');
    await deposit(d, { coin: 'ETH', addr, value: 9_999_999_999_999n, tx: '0xlifeethdust' });
    const rec = await waitForDeposit(d, '0xlifeethdust:0', (x) => x.status === 'done');
    expect([rec.error, rec.txid, rec.sky_sent]).toEqual(['Skycoin send amount is 0', '', 0]);
  });
});

describe('several deposits', () => {
  it('several deposits to one address: each recorded, paid and shown', async () => {
    const sky = SKY[3];
    const addr = await bind(d, sky, 'BTC');
    const before = (await broadcasts(d)).length;
    await deposit(d, { addr, value: 100_000, tx: 'life-multi-a' });
    await deposit(d, { addr, value: 200_000, tx: 'life-multi-b' });
    await deposit(d, { addr, value: 300_000, tx: 'life-multi-c' });
    await waitForBroadcasts(d, before + 3);
    const sent = (await paidTo(sky)).map((b) => b.outputs[0].coins).sort();
    expect(sent).toEqual(['0.500000', '1.000000', '1.500000']);
    await confirmAll(d);
    const entries = await waitForStatus(d, sky, (s) => s.length === 3 && s.every((e) => e.status === 'done'));
    expect(entries.map((e) => e.seq)).toEqual([0, 1, 2]);
  });

  it('DESIGN 5: two watched outputs of one transaction are two deposits, two payouts', async () => {
    const sky = SKY[4];
    const addr = await bind(d, sky, 'BTC');
    const other = await bind(d, SKY[0], 'BTC');
    await deposit(d, { addr, value: 1_000_000, tx: 'life-two-outputs', n: 0 });
    await deposit(d, { addr, value: 2_000_000, tx: 'life-two-outputs', n: 1 });
    await deposit(d, { addr: other, value: 4_000_000, tx: 'life-two-outputs', n: 2 });
    const recs = await Promise.all([0, 1, 2].map((n) => waitForPayout(d, `life-two-outputs:${n}`)));
    expect(recs.map((r) => [r.sky_address, r.sky_sent])).toEqual([
      [sky, 5_000_000],
      [sky, 10_000_000],
      [SKY[0], 20_000_000],
    ]);
    expect(new Set(recs.map((r) => r.txid)).size).toBe(3);
    await confirmAll(d);
    await Promise.all(
      [0, 1, 2].map((n) => waitForDeposit(d, `life-two-outputs:${n}`, (x) => x.status === 'done')),
    );
  });
});

describe('DESIGN 5: a replayed deposit is paid once', () => {
  const payoutsOf = async (id: string): Promise<number> => {
    const rec = await depositById(d, id);
    return (await broadcasts(d)).filter((b) => b.txid === rec?.txid).length;
  };

  it('the same tx:n posted several times at once, while in flight, and after done', async () => {
    const sky = SKY[1];
    const addr = await bind(d, sky, 'BTC');
    const dep = { addr, value: 500_000, tx: 'life-replay' };
    const before = (await broadcasts(d)).length;
    await Promise.all([deposit(d, dep), deposit(d, dep), deposit(d, dep)]);
    const rec = await waitForPayout(d, 'life-replay:0');
    await deposit(d, dep);
    await deposit(d, { ...dep, value: 999_999_999, height: 77 }); // the same output, other details
    // Two of the first three and both of these were ignored (the dummy scanner takes them in order).
    await waitForLog(d, 'dummy deposit ignored', { depositId: 'life-replay:0' }, 4);
    expect((await broadcasts(d)).length).toBe(before + 1);
    await confirm(d, rec.txid);
    await waitForDeposit(d, 'life-replay:0', (x) => x.status === 'done');
    await deposit(d, dep);
    await waitForLog(d, 'dummy deposit ignored', {
      depositId: 'life-replay:0',
      reason: 'already recorded as done',
    });
    const after = await depositById(d, 'life-replay:0');
    expect(after).toMatchObject({
      status: 'done',
      txid: rec.txid,
      sky_sent: 2_500_000,
      deposit_value: 500_000,
    });
    expect(await payoutsOf('life-replay:0')).toBe(1);
    expect((await broadcasts(d)).length).toBe(before + 1);
    expect((await adminDeposits(d)).filter((x) => x.deposit_id === 'life-replay:0')).toHaveLength(1);
  });
});

describe('a payout that rounds to zero', () => {
  it('1 satoshi → done with "Skycoin send amount is 0", errored, no broadcast', async () => {
    const sky = SKY[0];
    const addr = await bind(d, sky, 'BTC');
    const before = (await broadcasts(d)).length;
    const errorsBefore = (await health(d)).exchange.deposit_error_count;
    await deposit(d, { addr, value: 1, tx: 'life-zero' });
    const rec = await waitForDeposit(d, 'life-zero:0', (x) => x.status === 'done');
    expect(rec).toMatchObject({ error: 'Skycoin send amount is 0', txid: '', sky_sent: 0, deposit_value: 1 });
    const errored = (await adminGet<{ deposits: DepositInfo[] }>(d, '/api/deposits/errored')).deposits;
    expect(errored.map((x) => x.deposit_id)).toContain('life-zero:0');
    expect((await health(d)).exchange.deposit_error_count).toBe(errorsBefore + 1);
    // /api/status shows it as done; the error is only on the admin API.
    const status = (await request(`${d.publicUrl}/api/status?skyaddr=${sky}`)).body;
    expect(status).not.toContain('Skycoin send amount');
    // done is final: no step runs for it any more, so nothing can be broadcast later.
    expect((await broadcasts(d)).length).toBe(before);
  });
});

describe('the books', () => {
  it('accounting = the sums over /api/deposits; sent = the sum of the broadcasts', async () => {
    await confirmAll(d);
    const all = await adminDeposits(d);
    const acc = await adminGet<{ sent: string; received: Record<string, string> }>(d, '/api/accounting');
    const sum = (coin: string) =>
      all.filter((x) => x.coin_type === coin).reduce((s, x) => s + BigInt(x.deposit.value), 0n);
    expect(acc.received.BTC).toBe((Number(sum('BTC')) / 1e8).toFixed(8));
    const sentDroplets = all.reduce((s, x) => s + BigInt(x.sky_sent), 0n);
    const broadcastDroplets = (await broadcasts(d)).reduce(
      (s, b) => s + BigInt(Math.round(Number(b.outputs[0].coins) * 1e6)),
      0n,
    );
    expect(sentDroplets).toBe(broadcastDroplets);
    expect(acc.sent).toBe((Number(sentDroplets) / 1e6).toFixed(6));
  });
});

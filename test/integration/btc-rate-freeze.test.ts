import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBitcoind, type Bitcoind } from '../helpers/bitcoind';
import {
  SKY,
  bind,
  broadcasts,
  confirm,
  request,
  setBalance,
  startDaemon,
  waitFor,
  waitForDeposit,
  waitForPayout,
  type Daemon,
} from '../helpers/daemon';
import { depositIdIn, toBtc, writeRegtestPool } from '../helpers/btc-regtest';
import { DEADLINE_MS } from '../helpers/until';

/**
 * DESIGN.md "Money": the rate is frozen on a deposit when it is first seen, not when it is
 * confirmed. The built daemon with the real BTC scanner (bcoin regtest, dummy sender, 2
 * confirmations): a deposit seen at 1 of 2 confirmations at rate 15.5 (3 payout decimals), then the
 * operator restarts at rate 20 (1 decimal) — by SIGTERM or SIGKILL — and the deposit is paid at
 * 15.5 with 3 decimals once confirmed; a deposit first seen after the restart is paid at 20.
 */

const CONFIRMATIONS = 2;
const POOL_SIZE = 8;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'teller-rate-freeze-'));

/** Satoshi → droplets at rateNum/rateDen SKY per BTC, truncated to `decimals` SKY decimals. */
const droplets = (sat: bigint, rateNum: bigint, rateDen: bigint, decimals: number): bigint => {
  const unit = 10n ** BigInt(6 - decimals);
  return ((sat * rateNum * 1_000_000n) / (100_000_000n * rateDen) / unit) * unit;
};

describe('the rate, payout decimals and buy method are frozen when a BTC deposit is first seen', () => {
  let btc: Bitcoind;
  let pool: string;
  const daemons: Daemon[] = [];

  beforeAll(async () => {
    btc = await startBitcoind();
    pool = path.join(tmp, 'btc.txt');
    writeRegtestPool(pool, POOL_SIZE, ['p2wpkh']);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.dispose()));
    await btc?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const pendingOf = async (d: Daemon, sky: string) => {
    const res = await request(`${d.publicUrl}/api/v2/status?skyaddr=${sky}`);
    const rows = (
      JSON.parse(res.body) as { deposits: { status: string; confirmations: number; deposit_value: string }[] }
    ).deposits;
    return rows.filter((r) => r.status === 'waiting_deposit' && r.deposit_value !== '');
  };

  const scannedTo = async (d: Daemon, height: number): Promise<void> => {
    await waitFor(
      async () => {
        const body = JSON.parse((await request(`${d.publicUrl}/api/health`)).body) as {
          scanners: { chain: string; height: number }[];
        };
        return body.scanners.find((s) => s.chain === 'BTC')?.height ?? -1;
      },
      (h) => h >= height,
      DEADLINE_MS,
      `BTC scanned to ${height}`,
    );
  };

  it.each([
    ['SIGTERM', false],
    ['SIGKILL', true],
  ])('restart (%s) at another rate between first sighting and confirmation', async (_signal, kill) => {
    const d = await startDaemon({
      btc_addresses: pool,
      teller: { max_bound_addrs: 0 },
      sky_exchanger: { sky_btc_exchange_rate: '15.5', max_decimals: 3 },
      btc_scanner: {
        enabled: true,
        network: 'regtest',
        scan_period: '100ms',
        initial_scan_height: (await btc.height()) + 1,
        confirmations_required: CONFIRMATIONS,
      },
      btc_rpc: { server: btc.server, user: 'teller', pass: btc.apiKey },
      eth_scanner: { enabled: false },
      dummy: { scanner: false, sender: true },
    });
    daemons.push(d);
    await setBalance(d, 10n ** 15n);
    const sky = kill ? SKY[1] : SKY[0];
    const [early, late] = [await bind(d, sky, 'BTC'), await bind(d, sky, 'BTC')];
    const sat = 12_345_678n;

    const earlyId = await depositIdIn(btc, await btc.sendToAddress(early, toBtc(sat)), early);
    await btc.mine(1);
    await waitFor(
      () => pendingOf(d, sky),
      (p) => p.length === 1 && p[0].confirmations === 1,
      DEADLINE_MS,
      'the deposit seen at 1 of 2 confirmations',
    );

    await d.restart({ kill, overrides: { sky_exchanger: { sky_btc_exchange_rate: '20', max_decimals: 1 } } });
    const lateId = await depositIdIn(btc, await btc.sendToAddress(late, toBtc(sat)), late);
    await btc.mine(1);
    await scannedTo(d, await btc.height());

    // Confirmed after the restart: paid at the terms of its first sighting.
    const paidEarly = await waitForPayout(d, earlyId);
    expect([paidEarly.conversion_rate, paidEarly.sky_sent]).toEqual([
      '15.5',
      Number(droplets(sat, 155n, 10n, 3)),
    ]);
    // First seen after the restart: at the new terms.
    await btc.mine(1);
    const paidLate = await waitForPayout(d, lateId);
    expect([paidLate.conversion_rate, paidLate.sky_sent]).toEqual(['20', Number(droplets(sat, 20n, 1n, 1))]);

    for (const p of [paidEarly, paidLate]) {
      if (p.status === 'waiting_confirm') await confirm(d, p.txid);
      await waitForDeposit(d, p.deposit_id, (x) => x.status === 'done');
    }
    const sent = (await broadcasts(d)).filter((b) => b.txid === paidEarly.txid || b.txid === paidLate.txid);
    expect(sent.map((b) => b.outputs)).toEqual([
      [{ address: sky, coins: '1.913000' }],
      [{ address: sky, coins: '2.400000' }],
    ]);
  });
});

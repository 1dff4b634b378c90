import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet, parseEther } from 'ethers';
import { startAnvil, type Anvil } from '../helpers/anvil';
import { bind, deposit, sleep, startDaemon, waitFor, type Daemon } from '../helpers/daemon';
import {
  SATOSHI_PER_MICRO,
  WALLET_ENV,
  btcPoolFile,
  fundedHotWallet,
  paidDeposits,
  payoutDaemonConfig,
  payoutUnits,
  type HotWallet,
  type PaidDeposit,
} from '../helpers/evm-payout';

/**
 * Exactly-once payouts under crashes: 200 deposits paid in ETH from a real hot wallet on anvil
 * (1 s blocks, 2 confirmations) while the daemon is SIGKILLed at random moments and restarted on
 * the same data dir. Every recipient is fresh, so the chain itself says what was paid: each must
 * hold exactly its amount, and the hot wallet must have sent exactly one transaction per deposit.
 */

const DEPOSITS = 200;
const BATCH = 10;
const MIN_KILLS = 20;
const KILL_DELAY_MS: [number, number] = [50, 800];
const FINISH_TIMEOUT_MS = 90_000;

jest.setTimeout(170_000);

interface Planned {
  tx: string;
  to: string;
  addr: string;
  expected: bigint;
}

let anvil: Anvil;
let dir: string;
let daemon: Daemon | undefined;

beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1 });
  dir = mkdtempSync(path.join(os.tmpdir(), 'teller-evm-crash-'));
});

afterAll(async () => {
  await daemon?.dispose();
  await anvil?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const randomDelay = (): number =>
  KILL_DELAY_MS[0] + Math.floor(Math.random() * (KILL_DELAY_MS[1] - KILL_DELAY_MS[0]));

/**
 * Injects the planned deposits the daemon has not recorded yet. The dummy scanner queues in memory
 * (like a real scanner between checkpoints), so a kill can drop a posted deposit: it is posted
 * again, as a rescan would, and the exchange dedupes by tx:n.
 */
async function inject(d: Daemon, planned: Planned[]): Promise<void> {
  const known = new Set((await paidDeposits(d)).map((x) => x.deposit_id));
  for (const p of planned) {
    if (known.has(`${p.tx}:0`)) continue;
    await deposit(d, { addr: p.addr, value: (p.expected / 10n ** 12n) * SATOSHI_PER_MICRO, tx: p.tx });
  }
}

/** Deposits still being paid when a kill landed, per kill (the kill follows the read at once). */
const inFlightAtKill: number[] = [];

/** Kills the daemon after a random delay, restarts it, and re-posts what the kill may have lost. */
async function crash(d: Daemon, planned: Planned[]): Promise<void> {
  await sleep(randomDelay());
  const unfinished = (await paidDeposits(d)).filter((r) => r.status !== 'done').length;
  await d.restart({ kill: true });
  inFlightAtKill.push(unfinished);
  await inject(d, planned);
}

function counts(recs: PaidDeposit[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of recs) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

describe('EVM payouts under SIGKILL (anvil)', () => {
  it(`pays ${DEPOSITS} deposits exactly once across ≥ ${MIN_KILLS} crashes`, async () => {
    const hot: HotWallet = await fundedHotWallet(anvil, dir, parseEther('10'));
    const d = await startDaemon(
      payoutDaemonConfig({ anvil, hot, btcPool: btcPoolFile(dir, DEPOSITS + 10), confirmations: 2 }),
      { env: WALLET_ENV },
    );
    daemon = d;

    const planned: Planned[] = [];
    for (let i = 0; i < DEPOSITS; i++) {
      const to = Wallet.createRandom().address;
      const addr = await bind(d, to, 'BTC');
      planned.push({ tx: `crash-${i}`, to, addr, expected: payoutUnits(1000n + BigInt(i), 18) });
    }

    // Deposits arrive in batches while the daemon is killed at random moments of their processing.
    let kills = 0;
    for (let i = 0; i < DEPOSITS; i += BATCH) {
      await inject(d, planned.slice(0, i + BATCH));
      await crash(d, planned.slice(0, i + BATCH));
      kills++;
    }
    // More kills while the tail is still being paid and confirmed.
    for (let k = 0; k < 5; k++) {
      const recs = await paidDeposits(d);
      if (recs.length === DEPOSITS && recs.every((r) => r.status === 'done')) break;
      await crash(d, planned);
      kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    const midProcessing = inFlightAtKill.filter((n) => n > 0).length;
    expect(midProcessing).toBeGreaterThanOrEqual(MIN_KILLS);

    const final = await waitFor(
      () => paidDeposits(d),
      (recs) => recs.length === DEPOSITS && recs.every((r) => r.status === 'done'),
      FINISH_TIMEOUT_MS,
      `all ${DEPOSITS} deposits done (${kills} kills)`,
    ).catch((err: Error) => {
      throw new Error(`${err.message.slice(0, 300)}…\nlogs:\n${d.logs().slice(-4000)}`);
    });
    const done = final.filter((r) => r.status === 'done').length;

    // Two more blocks: nothing the daemon still holds may be mined later as a second payout.
    const tip = await anvil.tip();
    await waitFor(anvil.tip, (t) => t >= tip + 2, 10_000, 'two more blocks');
    const sent = await anvil.provider.getTransactionCount(hot.address, 'latest');
    const pending = await anvil.provider.getTransactionCount(hot.address, 'pending');

    let lost = 0;
    let over = 0;
    let short = 0;
    const byId = new Map(final.map((r) => [r.deposit_id, r]));
    for (const p of planned) {
      const balance = await anvil.provider.getBalance(p.to);
      if (balance === 0n) lost++;
      else if (balance > p.expected) over++;
      else if (balance < p.expected) short++;
      expect(byId.get(`${p.tx}:0`)?.sky_sent).toBe(String(p.expected));
    }
    const duplicated = over + Math.max(0, sent - DEPOSITS);
    console.log(
      `deposits: ${DEPOSITS}, done: ${done}, lost: ${lost}, duplicated: ${duplicated} ` +
        `(kills: ${kills}, ${midProcessing} with payouts in flight [${inFlightAtKill.join(' ')}], hot wallet txs: ${sent}, pending: ${pending}, short: ${short}, ` +
        `statuses: ${JSON.stringify(counts(final))})`,
    );
    expect({ done, lost, duplicated, short, sent, pending }).toEqual({
      done: DEPOSITS,
      lost: 0,
      duplicated: 0,
      short: 0,
      sent: DEPOSITS,
      pending: DEPOSITS,
    });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet, parseEther } from 'ethers';
import { startAnvil, type Anvil } from '../helpers/anvil';
import { bind, sleep, startDaemon, waitFor, type Daemon } from '../helpers/daemon';
import {
  WALLET_ENV,
  ethPoolFile,
  fundedHotWallet,
  paidDeposits,
  payoutDaemonConfig,
  payoutUnits,
  sendDeposit,
  type HotWallet,
  type PaidDeposit,
} from '../helpers/evm-payout';
import { DEADLINE_MS } from '../helpers/until';

/**
 * Exactly-once payouts under crashes: 200 ETH deposits (seen by the real ETH scanner) paid in ETH
 * from a real hot wallet on the same anvil (1 s blocks, 2 confirmations) while the daemon is
 * SIGKILLed at random moments and restarted on the same data dir. Every recipient is fresh, so the chain itself says what was paid: each must
 * hold exactly its amount, and the hot wallet must have sent exactly one transaction per deposit.
 */

const DEPOSITS = 200;
const BATCH = 10;
const MIN_KILLS = 20;
const KILL_DELAY_MS: [number, number] = [50, 800];
const FINISH_TIMEOUT_MS = 90_000;

// Mostly daemon restarts (node start-up): about 330 s on a loaded 2-core machine.
jest.setTimeout(600_000);

interface Planned {
  to: string;
  addr: string;
  expected: bigint;
  /** `<tx hash>:0` once the deposit is sent. */
  id?: string;
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
 * Sends the deposits of `batch` and waits until the daemon has recorded them all, so that the kill
 * that follows lands while they are being paid. The scanner keeps its cursor in the store: after a
 * kill it reads the blocks again, and the exchange dedupes by tx:n.
 */
async function send(d: Daemon, batch: Planned[]): Promise<void> {
  for (const p of batch) p.id = await sendDeposit(anvil, p.addr, p.expected);
  const ids = batch.map((p) => p.id);
  await waitFor(
    async () => new Set((await paidDeposits(d)).map((x) => x.deposit_id)),
    (known) => ids.every((id) => id !== undefined && known.has(id)),
    DEADLINE_MS,
    `the daemon to record ${ids.length} deposits`,
  );
}

/** Deposits still being paid when a kill landed, per kill (the kill follows the read at once). */
const inFlightAtKill: number[] = [];

/** Kills the daemon after a random delay and restarts it. */
async function crash(d: Daemon): Promise<void> {
  // The kill's moment, chosen at random on purpose; not a wait for anything (any moment must do).
  await sleep(randomDelay());
  const unfinished = (await paidDeposits(d)).filter((r) => r.status !== 'done').length;
  await d.restart({ kill: true });
  inFlightAtKill.push(unfinished);
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
      payoutDaemonConfig({
        anvil,
        hot,
        ethPool: ethPoolFile(dir, DEPOSITS + 10),
        confirmations: 2,
        fromHeight: (await anvil.tip()) + 1,
      }),
      { env: WALLET_ENV },
    );
    daemon = d;

    const planned: Planned[] = [];
    for (let i = 0; i < DEPOSITS; i++) {
      const to = Wallet.createRandom().address;
      const addr = await bind(d, to, 'ETH');
      planned.push({ to, addr, expected: payoutUnits(1000n + BigInt(i), 18) });
    }

    // Deposits arrive in batches while the daemon is killed at random moments of their processing.
    let kills = 0;
    for (let i = 0; i < DEPOSITS; i += BATCH) {
      await send(d, planned.slice(i, i + BATCH));
      await crash(d);
      kills++;
    }
    // More kills while the tail is still being paid and confirmed.
    for (let k = 0; k < 5; k++) {
      const recs = await paidDeposits(d);
      if (recs.length === DEPOSITS && recs.every((r) => r.status === 'done')) break;
      await crash(d);
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
    await waitFor(anvil.tip, (t) => t >= tip + 2, DEADLINE_MS, 'two more blocks');
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
      expect(byId.get(p.id ?? '')?.sky_sent).toBe(String(p.expected));
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

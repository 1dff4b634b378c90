import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet, parseEther } from 'ethers';
import { loadConfig } from '../../src/config';
import { DepositStore } from '../../src/exchange/deposit-store';
import { openEvmSender } from '../../src/sender/evm-sender';
import { Store } from '../../src/store/store';
import { silentLogger } from '../../src/util/logger';
import { startAnvil, type Anvil } from '../helpers/anvil';
import {
  REPO_ROOT,
  bind,
  mergeConfig,
  request,
  runCli,
  startDaemon,
  waitFor,
  type Daemon,
  type TomlTable,
} from '../helpers/daemon';
import {
  WALLET_ENV,
  WEI_PER_MICRO,
  ethPoolFile,
  fundedHotWallet,
  paidDeposits,
  payoutDaemonConfig,
  payoutUnits,
  sendDeposit,
  type HotWallet,
} from '../helpers/evm-payout';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook';
import { DEADLINE_MS } from '../helpers/until';

/**
 * issue 16 item 3, on the built daemon (ETH scanner and EVM sender on a real anvil node): a
 * deposit whose payout was signed (nonce 0 reserved) and which then stopped with an error leaves a
 * nonce gap. The daemon alerts at once (webhook), the later payout waits behind the gap, and the
 * admin fills the gap with a zero-value self-transfer, over the admin API or with
 * `teller payout fill-nonce` on a stopped daemon; the later payout is then mined, the void one
 * never, and the audit log verifies. And a network fee above the ceiling holds a deposit unsigned
 * until the fee falls.
 */

jest.setTimeout(60_000);

let anvil: Anvil;
let dir: string;
let pool: string;
let hook: WebhookReceiver;

beforeAll(async () => {
  anvil = await startAnvil();
  dir = mkdtempSync(path.join(os.tmpdir(), 'teller-evm-gap-'));
  pool = ethPoolFile(dir, 16);
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await hook?.close();
  await anvil?.stop();
  rmSync(dir, { recursive: true, force: true });
});
const running: Daemon[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.dispose();
  hook.texts.splice(0);
});

const MICRO = 1_000n; // 0.001 ETH per deposit, paid 1:1
const AMOUNT = payoutUnits(MICRO, 18);

/** The daemon config: ETH deposits seen by its ETH scanner on anvil, paid in ETH; alerts to `hook`. */
async function daemonConfig(hot: HotWallet, over: TomlTable = {}): Promise<TomlTable> {
  const fromHeight = (await anvil.tip()) + 1;
  const base = payoutDaemonConfig({ anvil, hot, ethPool: pool, confirmations: 1, fromHeight });
  return mergeConfig(mergeConfig(base, { notification: { hook_url: hook.url, server_name: 'gap' } }), over);
}

/** Binds a fresh recipient and sends a deposit to it; returns the recipient and the deposit id. */
async function depositFor(d: Daemon): Promise<{ to: string; id: string }> {
  const to = Wallet.createRandom().address;
  const id = await sendDeposit(anvil, await bind(d, to, 'ETH'), WEI_PER_MICRO * MICRO);
  return { to, id };
}

const recordOf = async (d: Daemon, id: string) => (await paidDeposits(d)).find((x) => x.deposit_id === id);

const waitDone = (d: Daemon, id: string) =>
  waitFor(
    async () => (await recordOf(d, id))?.status,
    (s) => s === 'done',
    DEADLINE_MS,
    `${id} done`,
  );

/**
 * A daemon whose deposit A had its payout signed (nonce 0) and then stopped with an error: recorded
 * with sending off, then — daemon stopped — signed and errored through the daemon's own sender and
 * deposit store, as a step failing after `prepare` leaves it. Returns the daemon, stopped.
 */
async function daemonWithGap(
  hot: HotWallet,
): Promise<{ d: Daemon; toA: string; idA: string; lostTxid: string }> {
  const d = await startDaemon(await daemonConfig(hot, { sky_exchanger: { send_enabled: false } }), {
    env: WALLET_ENV,
  });
  running.push(d);
  const { to: toA, id: idA } = await depositFor(d);
  await waitFor(
    async () => (await recordOf(d, idA))?.status,
    (s) => s === 'waiting_send',
    DEADLINE_MS,
    'A',
  );
  expect(await d.stop()).toBe(0);
  const { config } = loadConfig(d.configPath, { cwd: REPO_ROOT });
  const store = await Store.open(path.join(d.dataDir, config.dbfile));
  let lostTxid: string;
  try {
    const deposits = new DepositStore(store);
    await deposits.open();
    const sender = await openEvmSender(config.payout, store, silentLogger(), WALLET_ENV);
    const lost = await sender.prepare(idA, toA, AMOUNT);
    await sender.close();
    expect(lost.nonce).toBe(0);
    lostTxid = lost.txid;
    const rec = await deposits.get(idA);
    if (rec === undefined) throw new Error(`${idA} missing`);
    await deposits.update(rec, { error: 'simulated: step failed after prepare' }, 'error: simulated');
  } finally {
    await store.close();
  }
  return { d, toA, idA, lostTxid };
}

/** Deposits for a fresh recipient; waits until its payout is signed and broadcast. */
async function depositB(d: Daemon): Promise<{ toB: string; idB: string; txid: string }> {
  const { to: toB, id: idB } = await depositFor(d);
  const rec = await waitFor(
    () => recordOf(d, idB),
    (r) => r?.status === 'waiting_confirm' || r?.status === 'done',
    DEADLINE_MS,
    'B signed',
  );
  return { toB, idB, txid: rec?.txid ?? '' };
}

async function auditOk(d: Daemon): Promise<boolean> {
  const res = await request(`${d.adminUrl}/api/audit/verify`);
  return (JSON.parse(res.body) as { ok: boolean }).ok;
}

test('alert at start, the payout behind waits; POST /api/payout/nonce-gaps/0/fill lets it through', async () => {
  const hot = await fundedHotWallet(anvil, dir, parseEther('1'));
  const { d, toA, idA, lostTxid } = await daemonWithGap(hot);
  await d.restart({ overrides: { sky_exchanger: { send_enabled: true } } });
  const gapAlert = await waitFor(
    async () => hook.texts.find((t) => t.includes('nonce 0')),
    (t) => t !== undefined,
    DEADLINE_MS,
    'nonce gap alert',
  );
  expect(gapAlert).toBe(
    `[gap] ALERT: EVM hot wallet nonce 0 holds the payout of deposit ${idA} (${lostTxid}), but the node has ` +
      'no transaction with it: 0 later payouts wait behind it. Retry the deposit, or once it is errored fill ' +
      'the gap with a zero-value self-transfer: POST /api/payout/nonce-gaps/0/fill on the admin API',
  );
  const { toB, idB, txid } = await depositB(d);
  await anvil.mine();
  expect(await anvil.provider.getTransactionReceipt(txid)).toBeNull();
  const gap = await request(`${d.adminUrl}/api/payout/nonce-gaps`);
  expect(JSON.parse(gap.body)).toEqual({
    gap: { nonce: 0, deposit_id: idA, txid: lostTxid, waiting: 1, fill_txid: '' },
  });

  const res = await request(`${d.adminUrl}/api/payout/nonce-gaps/0/fill`, { method: 'POST' });
  expect(res.status).toBe(200);
  const fill = JSON.parse(res.body) as { nonce: number; txid: string; deposit_id: string };
  expect(fill).toMatchObject({ nonce: 0, deposit_id: idA, voided_txids: [lostTxid] });
  await anvil.mine();
  await waitDone(d, idB);
  const filler = await anvil.provider.getTransaction(fill.txid);
  expect([filler?.from, filler?.to, filler?.value, filler?.nonce]).toEqual([hot.address, hot.address, 0n, 0]);
  expect(await anvil.provider.getBalance(toB)).toBe(AMOUNT);
  expect(await anvil.provider.getBalance(toA)).toBe(0n);
  expect(await anvil.provider.getTransactionReceipt(lostTxid)).toBeNull();
  expect((await recordOf(d, idA))?.error).toMatch(
    /^payout void: its nonce 0 was filled with the zero-value transaction 0x[0-9a-f]{64} by admin API/,
  );
  // Asking again re-sends the same fill; a nonce that is no gap is refused.
  const again = await request(`${d.adminUrl}/api/payout/nonce-gaps/0/fill`, { method: 'POST' });
  expect([again.status, (JSON.parse(again.body) as { txid: string }).txid]).toEqual([200, fill.txid]);
  const refused = await request(`${d.adminUrl}/api/payout/nonce-gaps/2/fill`, { method: 'POST' });
  expect(refused.status).toBe(409);
  expect(await auditOk(d)).toBe(true);
  expect(await anvil.provider.getTransactionCount(hot.address, 'latest')).toBe(2);
});

test('teller payout fill-nonce on a stopped daemon', async () => {
  const hot = await fundedHotWallet(anvil, dir, parseEther('1'));
  const { d, idA, lostTxid } = await daemonWithGap(hot);
  const cli = (n: string) =>
    runCli(['-c', d.configPath, '-d', d.dataDir, 'payout', 'fill-nonce', n], WALLET_ENV);
  const notGap = await cli('1');
  expect([notGap.code, notGap.stderr]).toEqual([
    1,
    'teller payout fill-nonce: no nonce gap at 1: the gap is at the lowest unmined nonce, 0\n',
  ]);
  const out = await cli('0');
  expect(out.code).toBe(0);
  const fill = JSON.parse(out.stdout) as { txid: string; voided_txids: string[] };
  expect(fill.voided_txids).toEqual([lostTxid]);
  expect((await anvil.provider.getTransactionReceipt(fill.txid))?.status).toBe(1);
  // The next payout takes nonce 1 and goes straight through.
  await d.restart({ overrides: { sky_exchanger: { send_enabled: true } } });
  const { toB, idB } = await depositB(d);
  await waitDone(d, idB);
  expect(await anvil.provider.getBalance(toB)).toBe(AMOUNT);
  expect(await auditOk(d)).toBe(true);
  const detail = JSON.parse((await request(`${d.adminUrl}/api/deposits/${idA}`)).body) as {
    events: { note: string }[];
  };
  expect(detail.events.at(-1)?.note).toMatch(
    /^nonce gap 0 filled by operator \(offline\): zero-value self-transfer/,
  );
});

test('network fee above payout.evm.max_fee_per_gas: the deposit waits unsigned, then is paid under the ceiling', async () => {
  const GWEI = 10n ** 9n;
  const setBaseFee = async (wei: bigint) => {
    await anvil.send('anvil_setNextBlockBaseFeePerGas', [`0x${wei.toString(16)}`]);
    await anvil.mine();
  };
  const hot = await fundedHotWallet(anvil, dir, parseEther('1'));
  const d = await startDaemon(
    await daemonConfig(hot, { payout: { evm: { max_fee_per_gas: '5', max_priority_fee_per_gas: '1' } } }),
    { env: WALLET_ENV },
  );
  running.push(d);
  await setBaseFee(10n * GWEI);
  try {
    const { to, id } = await depositFor(d);
    const waiting = await waitFor(
      async () => {
        const res = await request(`${d.adminUrl}/api/deposits/${id}`);
        return res.status === 200 ? (JSON.parse(res.body) as DepositDetail) : undefined;
      },
      (r) => r?.last_error !== undefined && r.last_error !== '',
      DEADLINE_MS,
      'deposit held by the fee ceiling',
    );
    expect(waiting).toMatchObject({ status: 'waiting_send', error: '' });
    expect(waiting?.last_error).toMatch(
      /^EVM network fee \(base fee [\d.]+ gwei \+ tip\) is above payout\.evm\.max_fee_per_gas = 5 gwei: the payout waits$/,
    );
    expect(await anvil.provider.getTransactionCount(hot.address, 'pending')).toBe(0);
    await setBaseFee(GWEI);
    const paid = await waitFor(
      () => recordOf(d, id),
      (r) => r?.status === 'done',
      DEADLINE_MS,
      'deposit paid',
    );
    const tx = await anvil.provider.getTransaction(paid?.txid ?? '');
    expect(tx?.maxFeePerGas).toBeLessThanOrEqual(5n * GWEI);
    expect(tx?.maxPriorityFeePerGas).toBeLessThanOrEqual(GWEI);
    expect(await anvil.provider.getBalance(to)).toBe(AMOUNT);
  } finally {
    await setBaseFee(GWEI);
  }
});

interface DepositDetail {
  status: string;
  error: string;
  last_error?: string;
}

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet, parseEther } from 'ethers';
import { startAnvil, type Anvil } from '../helpers/anvil';
import { bind, mergeConfig, startDaemon, waitFor, type Daemon } from '../helpers/daemon';
import { deployToken, type Deployed } from '../helpers/erc20';
import {
  WALLET_ENV,
  WEI_PER_MICRO,
  ethPoolFile,
  fundedHotWallet,
  paidDeposits,
  payoutDaemonConfig,
  payoutUnits,
  sendDeposit,
  tokenBalance,
  type PaidDeposit,
} from '../helpers/evm-payout';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { DEADLINE_MS } from '../helpers/until';

/**
 * The built daemon paying an ETH deposit (seen by its real ETH scanner) from a real EVM hot wallet
 * on the same anvil, in ETH and in an ERC-20 token: the exact amount reaches the recipient, in one
 * transaction, and the deposit is `done` only once the payout has `confirmations_required` (2)
 * confirmations.
 */

jest.setTimeout(60_000);

const CONFIRMATIONS = 2;
let anvil: Anvil;
let dir: string;
let pool: string;
/** Between the sender and anvil: counts the sender's receipt requests (one per confirmation check). */
let senderRpc: TcpProxy;

beforeAll(async () => {
  anvil = await startAnvil();
  senderRpc = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(anvil.url).port) });
  dir = mkdtempSync(path.join(os.tmpdir(), 'teller-evm-payout-'));
  pool = ethPoolFile(dir, 8);
});

afterAll(async () => {
  await senderRpc?.close();
  await anvil?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const running: Daemon[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.dispose();
});

async function start(hotKeystore: { address: string; keystore: string }, token?: string): Promise<Daemon> {
  const config = payoutDaemonConfig({
    anvil,
    hot: hotKeystore,
    ethPool: pool,
    token,
    confirmations: CONFIRMATIONS,
    fromHeight: (await anvil.tip()) + 1,
  });
  const viaProxy = { payout: { evm: { rpc_url: `http://${senderRpc.address}` } } };
  const d = await startDaemon(mergeConfig(config, viaProxy), { env: WALLET_ENV });
  running.push(d);
  return d;
}

/** Binds a fresh recipient, deposits 10^12·micro wei; waits until the payout is mined. */
async function payOne(d: Daemon, micro: bigint): Promise<{ to: string; rec: PaidDeposit }> {
  const to = Wallet.createRandom().address;
  const addr = await bind(d, to, 'ETH');
  const id = await sendDeposit(anvil, addr, WEI_PER_MICRO * micro);
  const [rec] = await waitFor(
    async () => (await paidDeposits(d)).filter((x) => x.deposit_id === id),
    (v) => v.length === 1 && v[0].status !== 'waiting_send' && v[0].status !== 'waiting_decide',
    DEADLINE_MS,
    `payout of ${id}`,
  );
  expect(rec).toMatchObject({ status: 'waiting_confirm', error: '' });
  expect(rec.sky_address.toLowerCase()).toBe(to.toLowerCase());
  // Automine: the broadcast payout is in a block at once, so it has exactly one confirmation.
  const receipt = await waitFor(
    () => anvil.provider.getTransactionReceipt(rec.txid),
    (r) => r !== null,
    DEADLINE_MS,
    `receipt of ${rec.txid}`,
  );
  expect(receipt?.status).toBe(1);
  expect(await anvil.tip()).toBe(receipt?.blockNumber);
  return { to, rec };
}

/**
 * With one confirmation the deposit stays waiting_confirm (through two whole confirmation checks
 * after this call: checks run one at a time, each asks for the receipt); one more block makes it done.
 */
async function expectDoneAfterSecondConfirmation(d: Daemon, id: string): Promise<void> {
  const start = senderRpc.calls('eth_getTransactionReceipt');
  const count = async (): Promise<number> => senderRpc.calls('eth_getTransactionReceipt');
  await waitFor(count, (n) => n >= start + 3, DEADLINE_MS, `receipt request #${start + 3} (two more checks)`);
  expect((await paidDeposits(d)).find((x) => x.deposit_id === id)?.status).toBe('waiting_confirm');
  await anvil.mine(1);
  await waitFor(
    async () => (await paidDeposits(d)).find((x) => x.deposit_id === id)?.status,
    (s) => s === 'done',
    DEADLINE_MS,
    `${id} done`,
  );
}

describe('daemon paying from an EVM hot wallet (anvil)', () => {
  it('pays a deposit in ETH, exactly, once, and is done after 2 confirmations', async () => {
    const hot = await fundedHotWallet(anvil, dir, parseEther('1'));
    const d = await start(hot);
    const before = await anvil.provider.getBalance(hot.address);

    const micro = 123_457n; // 0.123457 ETH for 0.123457 ETH at 1
    const { to, rec } = await payOne(d, micro);
    const expected = payoutUnits(micro, 18);
    expect(rec.sky_sent).toBe(String(expected));
    expect(await anvil.provider.getBalance(to)).toBe(expected);
    // The hot wallet paid the amount plus this one transaction's gas, nothing else.
    const receipt = await anvil.provider.getTransactionReceipt(rec.txid);
    const gas = (receipt?.gasUsed ?? 0n) * (receipt?.gasPrice ?? 0n);
    expect(before - (await anvil.provider.getBalance(hot.address))).toBe(expected + gas);
    expect(receipt?.to?.toLowerCase()).toBe(to.toLowerCase());

    await expectDoneAfterSecondConfirmation(d, rec.deposit_id);
    expect(await anvil.provider.getTransactionCount(hot.address, 'pending')).toBe(1);
    expect(await anvil.provider.getBalance(to)).toBe(expected);
  });

  it('pays a deposit in an ERC-20 token, exactly, once, and is done after 2 confirmations', async () => {
    const token: Deployed = await deployToken(anvil.wallets[0], { symbol: 'PAY', decimals: 6 });
    const hot = await fundedHotWallet(anvil, dir, parseEther('1'), {
      address: token.address,
      amount: 1_000_000_000n,
    });
    const d = await start(hot, token.address);

    const micro = 7_654_321n; // 7.654321 PAY
    const { to, rec } = await payOne(d, micro);
    const expected = payoutUnits(micro, 6);
    expect(rec.sky_sent).toBe(String(expected));
    expect(await tokenBalance(anvil, token.address, to)).toBe(expected);
    expect(await tokenBalance(anvil, token.address, hot.address)).toBe(1_000_000_000n - expected);
    expect(await anvil.provider.getBalance(to)).toBe(0n);
    const receipt = await anvil.provider.getTransactionReceipt(rec.txid);
    expect(receipt?.to?.toLowerCase()).toBe(token.address);

    await expectDoneAfterSecondConfirmation(d, rec.deposit_id);
    expect(await anvil.provider.getTransactionCount(hot.address, 'pending')).toBe(1);
    expect(await tokenBalance(anvil, token.address, to)).toBe(expected);
  });
});

/**
 * Benchmark 8: EVM payout throughput. 500 ETH deposits confirmed in one block (sent with mining
 * paused, then one block mined) are seen by the daemon's real ETH scanner and paid in ETH by the
 * real EVM sender from a hot wallet, all on one anvil, which then mines a block every 12 s
 * (interval mining at mainnet's slot time: no block per transaction). Figures: payouts
 * in the busiest payout-chain block, the time from the deposits to the last payout mined, and that
 * every payout was mined exactly once (each recipient holds exactly its amount; the hot wallet
 * sent exactly 500 transactions). Baseline, on the same anvil: a bare ethers wallet sending 500
 * signed transfers with consecutive nonces as fast as it can (no store, no checks).
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Wallet, parseEther, type HDNodeWallet, type TransactionRequest } from 'ethers';
import { startAnvil, type Anvil } from '../test/helpers/anvil';
import {
  ETH_RATE,
  WALLET_ENV,
  WEI_PER_MICRO,
  depositor,
  ethPoolFile,
  fundedHotWallet,
  payoutDaemonConfig,
  payoutUnits,
} from '../test/helpers/evm-payout';
import { baseConfig, launchDaemon, mergeConfig, writeConfig } from './lib/daemon';
import { benchTmp } from './lib/fixtures';
import { emit, figure, progress } from './lib/report';
import { forEachConcurrent } from './lib/deposits';

const ID = 'evm_payout';
const DEPOSITS = 500;
/** Ethereum mainnet's slot time. */
const BLOCK_TIME_S = 12;
const MICRO_PER_DEPOSIT = 1_000n; // 0.001 ETH each
const DEADLINE_MS = 120_000;
const POST_IN_FLIGHT = 16;

interface RpcBlock {
  number: string;
  timestamp: string;
  transactions: { from: string; to: string | null; hash: string }[];
}

/** Per block from `from` to the tip: the hashes of the transactions `sender` sent in it. */
async function sentPerBlock(anvil: Anvil, sender: string, from: number): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  const tip = await anvil.tip();
  for (let n = from; n <= tip; n++) {
    const block = (await anvil.send('eth_getBlockByNumber', [`0x${n.toString(16)}`, true])) as RpcBlock;
    const mine = block.transactions.filter((t) => t.from.toLowerCase() === sender.toLowerCase());
    if (mine.length > 0)
      out.set(
        n,
        mine.map((t) => t.hash),
      );
  }
  return out;
}

async function waitForNonce(
  anvil: Anvil,
  address: string,
  nonce: number,
  t0: number,
  tag: 'latest' | 'pending' = 'latest',
): Promise<number> {
  for (;;) {
    if ((await anvil.provider.getTransactionCount(address, tag)) >= nonce) return performance.now();
    if (performance.now() - t0 > DEADLINE_MS)
      throw new Error(`${address}: nonce ${nonce} not reached in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The baseline: `n` plain transfers from `wallet` (funded already), all signed first, then sent
 * 16 at a time; from the first send to the last one mined.
 */
async function bareTransfers(
  anvil: Anvil,
  wallet: Wallet | HDNodeWallet,
  n: number,
): Promise<{ ms: number; perBlock: number[] }> {
  const start = await anvil.tip();
  const fees = await anvil.provider.getFeeData();
  const signed: string[] = [];
  for (let i = 0; i < n; i++) {
    const tx: TransactionRequest = {
      to: Wallet.createRandom().address,
      value: 1_000_000_000_000n,
      nonce: i,
      gasLimit: 21_000n,
      chainId: anvil.chainId,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      type: 2,
    };
    signed.push(await wallet.signTransaction(tx));
  }
  const t0 = performance.now();
  await forEachConcurrent(0, n, POST_IN_FLIGHT, async (i) => {
    await anvil.provider.broadcastTransaction(signed[i]);
  });
  const done = await waitForNonce(anvil, wallet.address, n, t0);
  const blocks = await sentPerBlock(anvil, wallet.address, start + 1);
  return { ms: done - t0, perBlock: [...blocks.values()].map((h) => h.length) };
}

async function main(): Promise<void> {
  const dir = path.join(benchTmp(), 'evm-payout');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const anvil = await startAnvil({ blockTime: BLOCK_TIME_S, args: ['--gas-limit', '30000000'] });
  try {
    // The baseline's wallet is funded in the same block as the hot wallet.
    const bareWallet = Wallet.createRandom().connect(anvil.provider);
    await anvil.wallets[2].sendTransaction({ to: bareWallet.address, value: parseEther('10') });
    const hot = await fundedHotWallet(anvil, dir, parseEther('20'));
    const pool = ethPoolFile(dir, DEPOSITS + 10);
    const cfg = writeConfig(
      dir,
      mergeConfig(
        mergeConfig(
          baseConfig(),
          payoutDaemonConfig({
            anvil,
            hot,
            ethPool: pool,
            confirmations: 1,
            fromHeight: (await anvil.tip()) + 1,
          }),
        ),
        { teller: { max_bound_addrs: 0 }, web: { throttle_duration: '0s' } },
      ),
    );
    const daemon = await launchDaemon(cfg, path.join(dir, 'data'), WALLET_ENV);
    try {
      const recipients = Array.from({ length: DEPOSITS }, () => Wallet.createRandom().address);
      const depositAddresses: string[] = new Array(DEPOSITS);
      await forEachConcurrent(0, DEPOSITS, POST_IN_FLIGHT, async (i) => {
        const res = await fetch(`${daemon.url('public')}/api/bind`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ skyaddr: recipients[i], coin_type: 'ETH' }),
        });
        if (res.status !== 200) throw new Error(`bind ${i}: ${res.status} ${await res.text()}`);
        depositAddresses[i] = ((await res.json()) as { deposit_address: string }).deposit_address;
      });
      progress(ID, `${DEPOSITS} recipients bound`);
      // 500 deposits in one block: mining paused while they are sent, then one block.
      await anvil.send('evm_setIntervalMining', [0]);
      const value = WEI_PER_MICRO * MICRO_PER_DEPOSIT;
      const from = depositor(anvil);
      const fees = await anvil.provider.getFeeData();
      let next = await anvil.provider.getTransactionCount(from.address, 'latest');
      const signed: string[] = [];
      for (const to of depositAddresses) {
        signed.push(
          await from.signTransaction({
            to,
            value,
            nonce: next++,
            gasLimit: 21_000n,
            chainId: anvil.chainId,
            maxFeePerGas: fees.maxFeePerGas,
            maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
            type: 2,
          }),
        );
      }
      await forEachConcurrent(0, DEPOSITS, POST_IN_FLIGHT, async (i) => {
        await anvil.provider.broadcastTransaction(signed[i]);
      });
      await anvil.mine(1);
      const depositBlock = await anvil.tip();
      const inBlock = (await sentPerBlock(anvil, from.address, depositBlock)).get(depositBlock)?.length ?? 0;
      if (inBlock !== DEPOSITS) throw new Error(`${inBlock} deposits in block ${depositBlock}`);
      const t0 = performance.now();
      await anvil.send('evm_setIntervalMining', [BLOCK_TIME_S]);
      const startBlock = depositBlock + 1;
      progress(ID, `${DEPOSITS} deposits mined in block ${depositBlock}`);
      const allSent = await waitForNonce(anvil, hot.address, DEPOSITS, t0, 'pending');
      const sentMs = allSent - t0;
      const lastMined = await waitForNonce(anvil, hot.address, DEPOSITS, t0);
      const toLastMs = lastMined - t0;
      const perBlock = await sentPerBlock(anvil, hot.address, startBlock);
      const counts = [...perBlock.values()].map((h) => h.length);
      const mined = counts.reduce((a, b) => a + b, 0);
      // Exactly once: 500 transactions in all, each recipient paid exactly its amount.
      const expected = payoutUnits(MICRO_PER_DEPOSIT, 18);
      // The deposit addresses' balances are untouched; the recipients are fresh addresses.
      const balances = await Promise.all(recipients.map((r) => anvil.provider.getBalance(r)));
      const wrong = balances.filter((b) => b !== expected).length;
      const nonce = await anvil.provider.getTransactionCount(hot.address, 'latest');
      if (mined !== DEPOSITS || wrong !== 0 || nonce !== DEPOSITS) {
        throw new Error(
          `payouts: ${mined} mined, ${wrong} recipients not paid exactly ${expected} wei, nonce ${nonce}`,
        );
      }
      progress(
        ID,
        `all ${DEPOSITS} payouts mined in ${(toLastMs / 1000).toFixed(1)} s: per block ${counts.join(', ')}`,
      );

      const bare = await bareTransfers(anvil, bareWallet, DEPOSITS);
      progress(ID, `bare transfers: ${(bare.ms / 1000).toFixed(1)} s, per block ${bare.perBlock.join(', ')}`);
      emit({
        id: ID,
        title: `EVM payouts: ${DEPOSITS} deposits confirmed in one block, paid in ETH on anvil (a block every ${BLOCK_TIME_S} s)`,
        figures: [
          figure({
            name: 'payouts in the busiest payout-chain block',
            value: Math.max(...counts),
            unit: 'payouts',
            baseline: {
              name: 'bare ethers wallet, 500 signed transfers back to back: its busiest block',
              value: Math.max(...bare.perBlock),
              unit: 'transfers',
            },
            ratio: Math.max(...counts) / Math.max(...bare.perBlock),
            ratioMeaning: 'payouts in the busiest block ÷ bare transfers in the busiest block',
            atLeast: 100,
          }),
          figure({
            name: 'time from the deposits to the last payout mined',
            value: toLastMs / 1000,
            unit: 's',
            baseline: {
              name: 'bare ethers wallet, 500 transfers, to the last mined',
              value: bare.ms / 1000,
              unit: 's',
            },
            ratio: toLastMs / bare.ms,
            ratioMeaning: 'daemon time ÷ bare wallet time',
          }),
          figure({
            name: 'payouts broadcast per second (deposit block mined → the last payout in the node’s pool)',
            value: DEPOSITS / (sentMs / 1000),
            unit: 'payouts/s',
          }),
          figure({
            name: 'payouts mined, each exactly once (recipient balances exact, hot wallet nonce = deposits)',
            value: mined,
            unit: 'payouts',
            atLeast: DEPOSITS,
            atMost: DEPOSITS,
          }),
        ],
        notes: [
          `payout-chain blocks used: ${counts.length} (payouts per block: ${counts.join(', ')}); bare wallet: ${bare.perBlock.join(', ')}`,
          `deposits: ${DEPOSITS} × ${value} wei in one block at rate ${ETH_RATE} (0.001 ETH each), seen by the real ETH scanner (scan period 100 ms, 1 confirmation); paid by the real EVM sender (durable nonce reservation and signing, broadcast, receipts) with confirmations_required 1; time counted from the deposit block`,
        ],
        details: {
          per_block: counts,
          bare_per_block: bare.perBlock,

          to_last_ms: toLastMs,
          bare_ms: bare.ms,
        },
      });
    } finally {
      await daemon.stop();
    }
  } finally {
    await anvil.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

import { Contract, Wallet, parseEther } from 'ethers';
import { openEvmSender, type EvmPreparedPayout, type EvmSender } from '../../src/sender/evm-sender';
import { InsufficientBalanceError } from '../../src/chains/errors';
import { Store } from '../../src/store/store';
import { silentLogger } from '../../src/util/logger';
import type { Anvil } from '../helpers/anvil';
import { deployRejecter, deployToken } from '../helpers/erc20';
import { PASSWORD, evmSenderRig } from '../helpers/evm-sender-rig';

/**
 * The EVM sender against a real anvil node: exact amounts, concurrency, and every crash, stuck
 * and reorg path of DESIGN.md's exactly-once payout, each checked on the recipient's balance.
 */

const { hotWallet, config, open, cleanups, ...rig } = evmSenderRig('teller-evm-it-');
let anvil: Anvil;
beforeAll(() => {
  anvil = rig.anvil();
});

const recipient = (): string => Wallet.createRandom().address;
const ethOf = (a: string): Promise<bigint> => anvil.provider.getBalance(a);

async function pay(sender: EvmSender, p: EvmPreparedPayout): Promise<void> {
  await sender.broadcast(p);
  expect(await sender.check(p)).toBe('confirmed');
}

test('ETH payout end to end, from a keystore, exact to the wei', async () => {
  const hot = await hotWallet(parseEther('1'));
  const { sender } = await open(config(hot), hot.storeDir);
  expect([sender.kind, sender.coin, sender.decimals, sender.address]).toEqual([
    'evm',
    'ETH',
    18,
    hot.address,
  ]);
  expect(await sender.balance()).toEqual({ coins: parseEther('1'), hours: 0n });
  const to = recipient();
  const amount = 123_456_789_012_345_678n;
  const p = await sender.prepare('dep-eth:0', to, amount);
  expect(p.nonce).toBe(0);
  expect(await sender.check(p)).toBe('unknown');
  await pay(sender, p);
  expect(await ethOf(to)).toBe(amount);
  const receipt = await anvil.provider.getTransactionReceipt(p.txid);
  expect(receipt?.from).toBe(hot.address);
});

test('ERC-20 payout, exact token units; coin is the token symbol', async () => {
  const hot = await hotWallet(parseEther('1'));
  const { address: token, contract } = await deployToken(anvil.wallets[0], { symbol: 'TUSD', decimals: 6 });
  const erc20 = contract as Contract;
  await (await erc20.getFunction('transfer')(hot.address, 5_000_000n)).wait();
  const { sender } = await open(config(hot, { token, decimals: 6 }, 'ERC20'), hot.storeDir);
  expect([sender.coin, sender.decimals]).toEqual(['TUSD', 6]);
  expect(await sender.balance()).toEqual({ coins: 5_000_000n, hours: 0n });
  const to = recipient();
  const p = await sender.prepare('dep-tok:0', to, 1_234_567n);
  await pay(sender, p);
  expect(await erc20.getFunction('balanceOf')(to)).toBe(1_234_567n);
  expect(await ethOf(to)).toBe(0n);
  expect(await sender.balance()).toEqual({ coins: 5_000_000n - 1_234_567n, hours: 0n });
  await expect(sender.prepare('dep-tok:1', to, 5_000_000n)).rejects.toThrow(
    'insufficient TUSD balance: have 3.765433, need 5',
  );
});

test('five payouts prepared concurrently get consecutive nonces and all confirm', async () => {
  const hot = await hotWallet(parseEther('1'));
  const { sender } = await open(config(hot), hot.storeDir);
  const to = recipient();
  const payouts = await Promise.all(
    [1n, 2n, 3n, 4n, 5n].map((v) => sender.prepare(`dep-c:${v}`, to, v * 1000n)),
  );
  expect(payouts.map((p) => p.nonce).sort()).toEqual([0, 1, 2, 3, 4]);
  // Broadcast out of nonce order: the node holds the later ones until the gap fills.
  for (const p of [...payouts].reverse()) await sender.broadcast(p);
  for (const p of payouts) expect(await sender.check(p)).toBe('confirmed');
  expect(await ethOf(to)).toBe(15_000n);
});

test('crash after prepare, before broadcast: a new process sends the stored payout once', async () => {
  const hot = await hotWallet(parseEther('1'));
  const to = recipient();
  const first = await open(config(hot), hot.storeDir);
  const stored = await first.sender.prepare('dep-crash:0', to, 777n);
  // The process dies here: the exchange had stored `stored`, nothing was broadcast.
  await first.sender.close();
  await first.store.close();
  const second = await open(config(hot), hot.storeDir);
  await pay(second.sender, stored);
  await second.sender.broadcast(stored);
  expect(await second.sender.check(stored)).toBe('confirmed');
  expect(await ethOf(to)).toBe(777n);
  // The exchange lost the payout too? Preparing the deposit again returns the same bytes.
  expect((await second.sender.prepare('dep-crash:0', to, 777n)).txid).toBe(stored.txid);
  expect((await second.sender.prepare('dep-crash:1', to, 1n)).nonce).toBe(1);
});

test('crash after broadcast: broadcasting again (pending or mined) is a success, paid once', async () => {
  const hot = await hotWallet(parseEther('1'));
  const { sender } = await open(config(hot), hot.storeDir);
  const to = recipient();
  const p = await sender.prepare('dep-twice:0', to, 999n);
  await anvil.setAutomine(false);
  await sender.broadcast(p);
  await sender.broadcast(p); // "transaction already imported"
  expect(await sender.check(p)).toBe('pending');
  await anvil.mine();
  await sender.broadcast(p); // "nonce too low", but the hash is the one mined
  expect(await sender.check(p)).toBe('confirmed');
  expect(await ethOf(to)).toBe(999n);
});

test('insufficient balance is an InsufficientBalanceError and consumes no nonce', async () => {
  const hot = await hotWallet(parseEther('0.01'));
  const { sender } = await open(config(hot), hot.storeDir);
  const err = await sender.prepare('dep-poor:0', recipient(), parseEther('0.01')).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InsufficientBalanceError);
  expect((err as Error).message).toMatch(/^insufficient ETH balance: have 0\.01, need 0\.010\d+$/);
  expect((await sender.prepare('dep-poor:1', recipient(), 1n)).nonce).toBe(0);
});

test('stuck payout: a fee-bumped replacement with the same nonce; exactly one is mined', async () => {
  const hot = await hotWallet(parseEther('1'));
  const { sender } = await open(config(hot, { rebroadcast_after_ms: 0 }), hot.storeDir);
  const to = recipient();
  await anvil.setAutomine(false);
  const p = await sender.prepare('dep-stuck:0', to, 4242n);
  await sender.broadcast(p);
  const sent = { ...p, broadcast_at: Date.now(), broadcasts: 1 };
  const r = await sender.replacement(sent);
  expect(r).not.toBeNull();
  const next = r as EvmPreparedPayout;
  expect(next.nonce).toBe(p.nonce);
  expect(next.previous_txids).toEqual([p.txid]);
  await sender.broadcast(next);
  expect(await sender.check(next)).toBe('pending');
  await anvil.mine();
  expect(await sender.check(next)).toBe('confirmed');
  expect(await sender.check(sent)).toBe('confirmed');
  const mined = await Promise.all([p.txid, next.txid].map((h) => anvil.provider.getTransactionReceipt(h)));
  expect(mined.filter((m) => m !== null)).toHaveLength(1);
  expect(await ethOf(to)).toBe(4242n);
  // Both versions rebroadcast after the fact: no second payment.
  await sender.broadcast(sent);
  await sender.broadcast(next);
  await anvil.mine();
  expect(await ethOf(to)).toBe(4242n);
  expect(await sender.replacement(next)).toBeNull();
});

test('reorged-out payout: unknown, re-broadcast of the same bytes confirms, paid once', async () => {
  const hot = await hotWallet(parseEther('1'));
  const { sender } = await open(config(hot), hot.storeDir);
  const to = recipient();
  const p = await sender.prepare('dep-reorg:0', to, 31_337n);
  const snapshot = await anvil.snapshot();
  await pay(sender, p);
  expect(await ethOf(to)).toBe(31_337n);
  expect(await anvil.revert(snapshot)).toBe(true);
  expect(await ethOf(to)).toBe(0n);
  expect(await sender.check(p)).toBe('unknown');
  await pay(sender, p);
  await anvil.mine(3);
  expect(await sender.check(p)).toBe('confirmed');
  expect(await ethOf(to)).toBe(31_337n);
});

test('confirmations_required: pending until enough blocks', async () => {
  const hot = await hotWallet(parseEther('1'));
  const { sender } = await open(config(hot, { confirmations_required: 3 }), hot.storeDir);
  const p = await sender.prepare('dep-conf:0', recipient(), 5n);
  await sender.broadcast(p);
  expect(await sender.check(p)).toBe('pending');
  await anvil.mine(2);
  expect(await sender.check(p)).toBe('confirmed');
});

test('nonce taken by another transaction of the hot wallet: permanent nonce_conflict, nothing paid', async () => {
  const hot = await hotWallet(parseEther('1'));
  const { sender } = await open(config(hot), hot.storeDir);
  const to = recipient();
  const p = await sender.prepare('dep-conflict:0', to, 5n);
  const outside = new Wallet(hot.key, anvil.provider);
  await (await outside.sendTransaction({ to: anvil.wallets[0].address, value: 1n, nonce: 0 })).wait();
  await expect(sender.broadcast(p)).rejects.toMatchObject({ code: 'nonce_conflict', retryable: false });
  expect(await sender.check(p)).toBe('unknown');
  expect(await ethOf(to)).toBe(0n);
});

test('a payout mined with status 0 is reported as reverted', async () => {
  const hot = await hotWallet(parseEther('1'));
  const { sender } = await open(config(hot), hot.storeDir);
  const to = recipient();
  const p = await sender.prepare('dep-revert:0', to, 5n);
  // The recipient becomes a contract that rejects ETH after the payout was signed.
  const rejecter = await deployRejecter(anvil.wallets[0]);
  await anvil.send('anvil_setCode', [to, await anvil.provider.getCode(rejecter.address)]);
  await sender.broadcast(p);
  await expect(sender.check(p)).rejects.toMatchObject({ code: 'payout_reverted', retryable: false });
  expect(await ethOf(to)).toBe(0n);
});

test('openEvmSender refuses a node on another chain', async () => {
  const hot = await hotWallet(0n);
  const store = await Store.open(hot.storeDir);
  cleanups.push(() => store.close());
  await expect(
    openEvmSender({ ...config(hot), evm: { ...config(hot).evm, chain_id: 1 } }, store, silentLogger(), {
      TELLER_WALLET_PASSWORD: PASSWORD,
    }),
  ).rejects.toMatchObject({ code: 'chain_mismatch' });
});

import { Wallet, parseEther } from 'ethers';
import { decodePayoutTx } from '../../src/chains/ethereum/payout-tx';
import type { EvmPreparedPayout, EvmSender } from '../../src/sender/evm-sender';
import type { GapFill } from '../../src/sender/types';
import type { Op } from '../../src/store/store';
import { Store } from '../../src/store/store';
import type { Anvil } from '../helpers/anvil';
import { evmSenderRig } from '../helpers/evm-sender-rig';

/**
 * issue 16 item 3 on a real anvil node: fee bumps stop at payout.evm.max_fee_per_gas /
 * max_priority_fee_per_gas while the base fee is pushed up (anvil_setNextBlockBaseFeePerGas), a new
 * payout is not signed above the ceiling, only the lowest unmined nonce is bumped, and a nonce gap
 * is found and filled with a zero-value self-transfer that lets the payouts behind it be mined.
 */

const GWEI = 10n ** 9n;
const { hotWallet, config, open, ...rig } = evmSenderRig('teller-evm-fee-');
let anvil: Anvil;
beforeAll(() => {
  anvil = rig.anvil();
});

/** A fresh funded hot wallet (own nonces) and a sender on it with the given ceiling (gwei). */
async function sender(
  maxFee: string,
  maxTip: string,
): Promise<{ sender: EvmSender; store: Store; address: string }> {
  const hot = await hotWallet(parseEther('1'));
  const cfg = config(hot, {
    rebroadcast_after_ms: 0,
    max_fee_per_gas: maxFee,
    max_priority_fee_per_gas: maxTip,
  });
  const { sender: s, store } = await open(cfg, hot.storeDir);
  return { sender: s, store, address: hot.address };
}

/** The next block's base fee, in wei; mines that block. */
async function setBaseFee(wei: bigint): Promise<void> {
  await anvil.send('anvil_setNextBlockBaseFeePerGas', [`0x${wei.toString(16)}`]);
  await anvil.mine();
}

const recipient = (): string => Wallet.createRandom().address;
const fees = (p: { raw: string }) => decodePayoutTx(p.raw).fees;
const sent = (p: EvmPreparedPayout): EvmPreparedPayout => ({ ...p, broadcast_at: 1, broadcasts: 1 });

test('a stuck payout is bumped up to the ceiling and then waits; mined once the base fee falls', async () => {
  const { sender: s } = await sender('6', '2');
  const to = recipient();
  await anvil.setAutomine(false);
  await setBaseFee(GWEI);
  let p = await s.prepare('fee:0', to, 1234n);
  expect(fees(p).maxFeePerGas).toBeLessThanOrEqual(6n * GWEI);
  await s.broadcast(p);
  // The base fee jumps to 20 gwei: the payout cannot be mined, and bumps stop at 6 gwei.
  await setBaseFee(20n * GWEI);
  const versions = [p];
  for (let i = 0; i < 20; i++) {
    const r = await s.replacement(sent(p));
    if (r === null) break;
    // anvil refuses a max fee below the current base fee (geth would queue it): the older
    // version stays in its mempool, as the exchange's retry would find it.
    await s.broadcast(r).catch((err: unknown) => expect(err).toMatchObject({ retryable: true }));
    versions.push(r);
    p = r;
  }
  expect(versions.length).toBeGreaterThan(1);
  expect(fees(p).maxFeePerGas).toBe(6n * GWEI);
  for (const v of versions) {
    expect(fees(v).maxFeePerGas).toBeLessThanOrEqual(6n * GWEI);
    expect(fees(v).maxPriorityFeePerGas).toBeLessThanOrEqual(2n * GWEI);
  }
  expect(await s.replacement(sent(p))).toBeNull();
  expect([...s.feeAlerts().keys()]).toEqual(['fee_ceiling:fee:0']);
  // Not failed. (anvil evicts a transaction whose max fee fell below the base fee: 'unknown', and
  // the exchange sends the stored bytes again until the node takes them.)
  const waiting = await s.check(p);
  expect(['pending', 'unknown']).toContain(waiting);
  // A new payout is not signed while the network's fee is above the ceiling.
  await expect(s.prepare('fee:1', to, 1n)).rejects.toMatchObject({
    code: 'fee_above_ceiling',
    retryable: true,
  });
  expect([...s.feeAlerts().keys()].sort()).toEqual(['fee_ceiling:fee:0', 'fee_ceiling:new_payouts']);
  // Fees fall: the waiting version is mined as it is; new payouts go again.
  await setBaseFee(GWEI);
  if (waiting === 'unknown') await s.broadcast(p);
  await anvil.mine();
  expect(await s.check(p)).toBe('confirmed');
  expect(await anvil.provider.getBalance(to)).toBe(1234n);
  expect((await s.prepare('fee:1', to, 1n)).nonce).toBe(1);
  expect(s.feeAlerts().size).toBe(0);
});

test('a payout behind a missing nonce is not bumped; the gap is found, filled, and the payout mined', async () => {
  const { sender: s, store, address } = await sender('200', '20');
  const to = recipient();
  const lost = await s.prepare('gap:0', to, 1n); // its deposit errors: never broadcast
  const behind = await s.prepare('gap:1', to, 2n);
  await s.broadcast(behind);
  await anvil.mine();
  for (let i = 0; i < 5; i++) expect(await s.replacement(sent(behind))).toBeNull();
  expect(await s.check(behind)).toBe('pending');
  expect(await s.nonceGap()).toEqual({
    nonce: 0,
    deposit_id: 'gap:0',
    txid: lost.txid,
    waiting: 1,
    fill_txid: '',
  });
  const record = async (_f: GapFill, ops: Op[]) => store.write(ops);
  const fill = await s.fillNonceGap(0, record);
  await anvil.mine();
  expect(await s.check(behind)).toBe('confirmed');
  const filled = await anvil.provider.getTransactionReceipt(fill.txid);
  expect(filled?.status).toBe(1);
  const tx = await anvil.provider.getTransaction(fill.txid);
  expect([tx?.from, tx?.to, tx?.value, tx?.nonce]).toEqual([address, address, 0n, 0]);
  expect(await anvil.provider.getTransactionReceipt(lost.txid)).toBeNull();
  await expect(s.broadcast(lost)).rejects.toMatchObject({ code: 'payout_voided' });
  expect(await anvil.provider.getBalance(to)).toBe(2n);
  expect(await s.nonceGap()).toBeNull();
});

test('a dropped payout at the lowest nonce is a gap until its deposit broadcasts it again', async () => {
  const { sender: s } = await sender('200', '20');
  const to = recipient();
  await anvil.setAutomine(false);
  const p = await s.prepare('drop:0', to, 5n);
  await s.broadcast(p);
  expect(await s.nonceGap()).toBeNull();
  await anvil.send('anvil_dropTransaction', [p.txid]);
  expect(await s.check(p)).toBe('unknown');
  expect(await s.nonceGap()).toMatchObject({ nonce: 0, deposit_id: 'drop:0', waiting: 0 });
  await s.broadcast(p);
  expect(await s.nonceGap()).toBeNull();
  await anvil.mine();
  expect(await s.check(p)).toBe('confirmed');
});

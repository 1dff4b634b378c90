import { decodePayoutTx } from '../../../src/chains/ethereum/payout-tx';
import { EvmHotWallet } from '../../../src/chains/ethereum/wallet';
import type { EvmPreparedPayout } from '../../../src/sender/evm-sender';
import { InsufficientBalanceError } from '../../../src/chains/errors';
import { ETHER, RECIPIENT, senderRigs } from './evm-fake-node';

const rig = senderRigs();

describe('EvmSender.broadcast', () => {
  test('sends the stored bytes; a second broadcast ("already known") is a success', async () => {
    const { chain, sender } = await rig();
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    await sender.broadcast(p);
    expect(chain.pool.has(p.txid)).toBe(true);
    await sender.broadcast(p);
    chain.mine();
    // Mined: the node now says "nonce too low", and finds the hash.
    await sender.broadcast(p);
    expect(chain.balance(RECIPIENT)).toBe(7n);
  });

  test('"nonce too low" for a hash the node does not know is a permanent nonce conflict', async () => {
    const { chain, sender, signer } = await rig();
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    chain.spendNonceElsewhere(signer.address);
    const err = await sender.broadcast(p).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'nonce_conflict', retryable: false });
    expect((err as Error).message).toMatch(
      /^nonce 0 of payout 0x[0-9a-f]{64} \(deposit d:0\) was used by another/,
    );
    expect(chain.balance(RECIPIENT)).toBe(0n);
  });

  test('a broadcast of an older version after its replacement was mined is a success', async () => {
    let now = 1_000;
    const { chain, sender } = await rig({ now: () => now, rebroadcastAfterMs: 10 });
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    await sender.broadcast(p);
    now += 11;
    const r = (await sender.replacement(p))!;
    await sender.broadcast(r);
    chain.mine();
    // A caller that still holds the old version (crashed before storing r): the sender knows r.
    await sender.broadcast(p);
    expect(await sender.check(p)).toBe('confirmed');
    await sender.broadcast(r);
    expect(await sender.check(r)).toBe('confirmed');
    expect(chain.balance(RECIPIENT)).toBe(7n);
  });

  test('same nonce pending with a hash that is not the payout: retryable "nonce_busy"', async () => {
    const { chain, sender, signer } = await rig();
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    const foreign = await signer.signPayout({
      chainId: 1337n,
      nonce: 0,
      call: { to: signer.address, value: 0n, data: '0x' },
      gasLimit: 21_000n,
      fees: { maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 10n },
    });
    chain.handle('eth_sendRawTransaction', [foreign.raw]);
    await expect(sender.broadcast(p)).rejects.toMatchObject({ code: 'nonce_busy', retryable: true });
    expect(await sender.check(p)).toBe('unknown');
  });

  test.each([
    ['insufficient funds for gas * price + value', 'insufficient_balance', true],
    ['invalid chain id for signer', 'broadcast_rejected', false],
    ['intrinsic gas too low', 'broadcast_rejected', false],
    ['transaction underpriced', 'broadcast_failed', true],
    ['max fee per gas less than block base fee', 'broadcast_failed', true],
    ['transport', 'evm_node_unreachable', true],
  ])('node answer "%s" → %s (retryable %s)', async (answer, code, retryable) => {
    const { chain, sender } = await rig();
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    chain.failures.set('eth_sendRawTransaction', answer);
    await expect(sender.broadcast(p)).rejects.toMatchObject({ code, retryable });
    expect(chain.pool.size).toBe(0);
  });

  test('an insufficient-funds rejection is an InsufficientBalanceError', async () => {
    const { chain, sender } = await rig();
    const p = await sender.prepare('d:0', RECIPIENT, ETHER / 2n);
    chain.fund(sender.address, 1n);
    await expect(sender.broadcast(p)).rejects.toBeInstanceOf(InsufficientBalanceError);
  });

  test('a stored payout whose raw does not match its txid is refused', async () => {
    const { sender } = await rig();
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    const bad = { ...p, txid: `0x${'ab'.repeat(32)}` };
    await expect(sender.broadcast(bad)).rejects.toMatchObject({ code: 'payout_corrupt', retryable: false });
    await expect(sender.broadcast({ ...p, raw: '0x1234' })).rejects.toMatchObject({ code: 'payout_corrupt' });
  });
});

describe('EvmSender.check', () => {
  test('unknown → pending (mempool) → pending (1 of 2 confirmations) → confirmed', async () => {
    const { chain, sender } = await rig({ confirmations: 2 });
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    expect(await sender.check(p)).toBe('unknown');
    await sender.broadcast(p);
    expect(await sender.check(p)).toBe('pending');
    chain.mine();
    expect(await sender.check(p)).toBe('pending');
    chain.mine();
    expect(await sender.check(p)).toBe('confirmed');
  });

  test('a dropped payout is unknown; re-broadcasting the same bytes pays once', async () => {
    const { chain, sender } = await rig();
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    await sender.broadcast(p);
    chain.drop(p.txid);
    expect(await sender.check(p)).toBe('unknown');
    await sender.broadcast(p);
    chain.mine();
    expect(await sender.check(p)).toBe('confirmed');
    expect(chain.balance(RECIPIENT)).toBe(7n);
  });

  test('a mined payout that reverted is a permanent error', async () => {
    const { chain, sender } = await rig();
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    chain.reverting.add(RECIPIENT.toLowerCase());
    await sender.broadcast(p);
    chain.mine();
    await expect(sender.check(p)).rejects.toMatchObject({ code: 'payout_reverted', retryable: false });
  });

  test('an older version being mined confirms the replacement', async () => {
    let now = 1_000;
    const { chain, sender } = await rig({ now: () => now, rebroadcastAfterMs: 10 });
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    await sender.broadcast(p);
    now += 11;
    const r = (await sender.replacement(p))!;
    // The replacement never reached the node; the original is mined.
    chain.mine();
    expect(await sender.check(r)).toBe('confirmed');
    expect(await sender.replacement(r)).toBeNull();
    expect(chain.balance(RECIPIENT)).toBe(7n);
  });

  test('node failures are retryable', async () => {
    const { chain, sender } = await rig();
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    chain.failures.set('eth_getTransactionReceipt', 'transport');
    await expect(sender.check(p)).rejects.toMatchObject({ code: 'evm_node_unreachable', retryable: true });
  });
});

describe('EvmSender.replacement', () => {
  test('not due before rebroadcast_after_ms', async () => {
    let now = 1_000;
    const { chain, sender } = await rig({ now: () => now, rebroadcastAfterMs: 100 });
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    await sender.broadcast(p);
    const sent: EvmPreparedPayout = { ...p, broadcast_at: 1_050, broadcasts: 1 };
    now = 1_149;
    expect(await sender.replacement(sent)).toBeNull();
    now = 1_150;
    expect(await sender.replacement(sent)).not.toBeNull();
    expect(chain.calls.filter((m) => m === 'eth_sendRawTransaction')).toHaveLength(1);
  });

  test('same nonce, recipient, amount and gas; fees +12.5% or the current ones', async () => {
    let now = 1_000;
    const { chain, sender, store } = await rig({ now: () => now, rebroadcastAfterMs: 10 });
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    await sender.broadcast(p);
    now += 11;
    const r = (await sender.replacement(p))!;
    const [a, b] = [decodePayoutTx(p.raw), decodePayoutTx(r.raw)];
    expect(b.nonce).toBe(a.nonce);
    expect(b.call).toEqual(a.call);
    expect(b.gasLimit).toBe(a.gasLimit);
    expect(b.fees.maxFeePerGas).toBe((a.fees.maxFeePerGas * 1125n) / 1000n);
    expect(b.fees.maxPriorityFeePerGas).toBe((a.fees.maxPriorityFeePerGas * 1125n) / 1000n);
    expect(r).toMatchObject({ nonce: 0, prepared_at: now, broadcast_at: 0, previous_txids: [p.txid] });
    // The node accepts it as a replacement and mines only it.
    await sender.broadcast(r);
    expect(chain.pool.size).toBe(1);
    // The base fee rose 10×: the node's current fees are above +12.5%.
    chain.baseFee *= 10n;
    now += 11;
    const r2 = (await sender.replacement(r))!;
    expect(decodePayoutTx(r2.raw).fees.maxFeePerGas).toBe(21n * 10n ** 9n);
    expect(r2.previous_txids).toEqual([p.txid, r.txid]);
    // The sender keeps the latest version: a caller that lost it gets it back.
    expect(await sender.prepare('d:0', RECIPIENT, 7n)).toEqual(r2);
    expect(await store.get('sender', 'evm!payout!d:0')).toEqual(r2);
    await sender.broadcast(r2);
    chain.mine();
    expect(await sender.check(r2)).toBe('confirmed');
    expect(chain.balance(RECIPIENT)).toBe(7n);
    expect(chain.mined.has(r2.txid)).toBe(true);
    expect(chain.mined.has(p.txid) || chain.mined.has(r.txid)).toBe(false);
  });

  test('a caller holding an older version gets a bump above the latest one', async () => {
    let now = 1_000;
    const { sender } = await rig({ now: () => now, rebroadcastAfterMs: 10 });
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    now += 11;
    const r = (await sender.replacement(p))!;
    now += 11;
    // The caller crashed before storing r and asks again with p.
    const r2 = (await sender.replacement(p))!;
    expect(decodePayoutTx(r2.raw).fees.maxFeePerGas).toBe(
      (decodePayoutTx(r.raw).fees.maxFeePerGas * 1125n) / 1000n,
    );
    expect(r2.previous_txids).toEqual([r.txid, p.txid]);
  });

  test('none for a payout whose nonce another transaction took', async () => {
    let now = 1_000;
    const { chain, sender, signer } = await rig({ now: () => now, rebroadcastAfterMs: 10 });
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    chain.spendNonceElsewhere(signer.address);
    now += 11;
    expect(await sender.replacement(p)).toBeNull();
  });

  test('refuses to re-sign a payout of another wallet (its nonce is not ours)', async () => {
    let now = 1_000;
    const { sender } = await rig({ now: () => now, rebroadcastAfterMs: 10 });
    const other = EvmHotWallet.fromPrivateKey(`0x${'11'.repeat(32)}`);
    const signed = await other.signPayout({
      chainId: 1337n,
      nonce: 0,
      call: { to: RECIPIENT, value: 7n, data: '0x' },
      gasLimit: 21_000n,
      fees: { maxFeePerGas: 3n, maxPriorityFeePerGas: 1n },
    });
    const foreign: EvmPreparedPayout = {
      deposit_id: 'd:0',
      ...signed,
      to: RECIPIENT,
      amount: 7n,
      nonce: 0,
      prepared_at: 0,
      broadcast_at: 0,
      broadcasts: 0,
      previous_txids: [],
    };
    now += 11;
    await expect(sender.replacement(foreign)).rejects.toMatchObject({ code: 'payout_other_wallet' });
  });
});

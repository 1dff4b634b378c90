import { decodePayoutTx } from '../../../src/chains/ethereum/payout-tx';
import type { EvmPreparedPayout } from '../../../src/sender/evm-sender';
import { RECIPIENT, senderRigs, type FakeTx } from './evm-fake-node';

/**
 * issue 16 item 3: fee bumps stop at the ceiling (payout.evm.max_fee_per_gas,
 * max_priority_fee_per_gas), new payouts are not signed above it, and only the payout holding the
 * lowest unmined nonce is ever bumped.
 */

const rig = senderRigs();
const GWEI = 10n ** 9n;
const fees = (p: { raw: string }) => decodePayoutTx(p.raw).fees;

/** Every transaction the node was sent, from its mempool and blocks. */
const seen = (chain: { pool: Map<string, FakeTx>; mined: Map<string, { tx: FakeTx }> }): FakeTx[] => [
  ...chain.pool.values(),
  ...[...chain.mined.values()].map((m) => m.tx),
];

describe('fee ceiling on replacements', () => {
  test('bumps stop at the ceiling: the payout waits, an alert condition is raised until it is mined', async () => {
    let now = 1_000;
    // Network: base fee 1 gwei, tip 1 gwei → max fee 3 gwei. Ceiling 4 gwei, tip 1.5 gwei.
    const { chain, sender } = await rig({
      now: () => now,
      rebroadcastAfterMs: 10,
      maxFeeGwei: '4',
      maxTipGwei: '1.5',
    });
    let p: EvmPreparedPayout = await sender.prepare('d:0', RECIPIENT, 7n);
    await sender.broadcast(p);
    const versions = [p];
    for (let i = 0; i < 10; i++) {
      now += 11;
      const r = await sender.replacement(p);
      if (r === null) continue;
      await sender.broadcast(r);
      versions.push(r);
      p = r;
    }
    // 3 → 3.375 → 3.796875 gwei; a third bump would need 4.18 > 4: not signed.
    expect(versions.map((v) => fees(v).maxFeePerGas)).toEqual([3n * GWEI, 3_375_000_000n, 3_796_875_000n]);
    for (const v of versions) {
      expect(fees(v).maxFeePerGas).toBeLessThanOrEqual(4n * GWEI);
      expect(fees(v).maxPriorityFeePerGas).toBeLessThanOrEqual(1_500_000_000n);
    }
    expect([...sender.feeAlerts().keys()]).toEqual(['fee_ceiling:d:0']);
    expect(sender.feeAlerts().get('fee_ceiling:d:0')).toMatch(
      /^payout of deposit d:0 \(nonce 0\) is stuck at the fee ceiling \(max fee 3\.796875 gwei, tip 1\.265625 gwei; payout\.evm\.max_fee_per_gas = 4 gwei, max_priority_fee_per_gas = 1\.5 gwei\): it waits/,
    );
    // Not failed: still in the mempool, and mined when the network lets it.
    expect(await sender.check(p)).toBe('pending');
    chain.mine();
    expect(await sender.check(p)).toBe('confirmed');
    expect(sender.feeAlerts().size).toBe(0);
    expect(chain.balance(RECIPIENT)).toBe(7n);
  });

  test('a final bump up to the ceiling is signed when it still rises by 10%', async () => {
    let now = 1_000;
    const { sender } = await rig({
      now: () => now,
      rebroadcastAfterMs: 10,
      maxFeeGwei: '3.3',
      maxTipGwei: '1.1',
    });
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    now += 11;
    const r = await sender.replacement(p);
    expect(r).not.toBeNull();
    expect(fees(r as EvmPreparedPayout)).toEqual({
      maxFeePerGas: 3_300_000_000n,
      maxPriorityFeePerGas: 1_100_000_000n,
    });
    now += 11;
    expect(await sender.replacement(r as EvmPreparedPayout)).toBeNull();
  });
});

describe('fee ceiling on new payouts', () => {
  test('network fee above the ceiling: nothing signed, no nonce taken, retryable; resolved when fees fall', async () => {
    const { chain, sender, store } = await rig({ maxFeeGwei: '5', maxTipGwei: '2' });
    chain.baseFee = 10n * GWEI;
    const err = await sender.prepare('d:0', RECIPIENT, 7n).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'fee_above_ceiling', retryable: true });
    expect((err as Error).message).toBe(
      'EVM network fee (base fee 10 gwei + tip) is above payout.evm.max_fee_per_gas = 5 gwei: the payout waits',
    );
    expect(await store.get('sender', 'evm!payout!d:0')).toBeUndefined();
    expect([...sender.feeAlerts().keys()]).toEqual(['fee_ceiling:new_payouts']);
    // Base fee 2 gwei: the node suggests 2·2 + 1 = 5... with tip 3 gwei, 7 gwei; capped at 5 and 2.
    chain.baseFee = 2n * GWEI;
    chain.tipSuggestion = 3n * GWEI;
    const p = await sender.prepare('d:0', RECIPIENT, 7n);
    expect(p.nonce).toBe(0);
    expect(fees(p)).toEqual({ maxFeePerGas: 5n * GWEI, maxPriorityFeePerGas: 2n * GWEI });
    expect(sender.feeAlerts().size).toBe(0);
  });

  test('base fee plus the capped tip above the max fee ceiling also waits', async () => {
    const { chain, sender } = await rig({ maxFeeGwei: '5', maxTipGwei: '2' });
    chain.baseFee = 4n * GWEI; // 4 + min(1, 2) = 5: still fits
    expect(fees(await sender.prepare('d:0', RECIPIENT, 7n)).maxFeePerGas).toBe(5n * GWEI);
    chain.baseFee = 4n * GWEI + 1n; // one wei more: cannot be mined at this base fee
    await expect(sender.prepare('d:1', RECIPIENT, 7n)).rejects.toMatchObject({ code: 'fee_above_ceiling' });
  });
});

describe('only the lowest unmined nonce is bumped', () => {
  test('a payout waiting behind a missing lower nonce is never bumped', async () => {
    let now = 1_000;
    const { chain, sender } = await rig({ now: () => now, rebroadcastAfterMs: 10 });
    const low = await sender.prepare('d:0', RECIPIENT, 1n);
    const high = await sender.prepare('d:1', RECIPIENT, 2n);
    expect([low.nonce, high.nonce]).toEqual([0, 1]);
    // Only nonce 1 reached the node: it waits for nonce 0 whatever its fee.
    await sender.broadcast(high);
    for (let i = 0; i < 30; i++) {
      now += 11;
      expect(await sender.replacement(high)).toBeNull();
    }
    expect(seen(chain).filter((t) => t.nonce === 1)).toHaveLength(1);
    // The lowest one is bumped as usual; once it is mined, the other is the lowest.
    now += 11;
    const bumped = await sender.replacement(low);
    expect(bumped).not.toBeNull();
    await sender.broadcast(bumped as EvmPreparedPayout);
    chain.mine();
    expect(await sender.check(bumped as EvmPreparedPayout)).toBe('confirmed');
    expect(await sender.check(high)).toBe('confirmed');
    expect(chain.balance(RECIPIENT)).toBe(3n);
  });
});

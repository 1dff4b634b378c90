import { decodePayoutTx } from '../../../src/chains/ethereum/payout-tx';
import type { Op } from '../../../src/store/store';
import type { GapFill } from '../../../src/sender/types';
import { RECIPIENT, senderRigs } from './evm-fake-node';

/**
 * issue 16 item 3: a nonce reserved by a payout that never reached the node (its deposit errored
 * before the broadcast) is a gap every later payout waits behind. It is found, and filled with a
 * zero-value self-transfer; the payout that held it is void from then on.
 */

const rig = senderRigs();

describe('nonceGap', () => {
  test('none while nothing is signed, or while the lowest payout is in the mempool', async () => {
    const { sender } = await rig();
    expect(await sender.nonceGap()).toBeNull();
    const p = await sender.prepare('d:0', RECIPIENT, 1n);
    await sender.broadcast(p);
    expect(await sender.nonceGap()).toBeNull();
  });

  test('the lowest unmined nonce signed but unknown to the node is a gap, with the payouts behind it', async () => {
    const { chain, sender } = await rig();
    const lost = await sender.prepare('d:0', RECIPIENT, 1n);
    const later = [await sender.prepare('d:1', RECIPIENT, 2n), await sender.prepare('d:2', RECIPIENT, 3n)];
    for (const p of later) await sender.broadcast(p);
    chain.mine();
    expect(chain.balance(RECIPIENT)).toBe(0n);
    expect(await sender.nonceGap()).toEqual({
      nonce: 0,
      deposit_id: 'd:0',
      txid: lost.txid,
      waiting: 2,
      fill_txid: '',
    });
    // Broadcast after all (the deposit was retried): no gap, everything is mined.
    await sender.broadcast(lost);
    expect(await sender.nonceGap()).toBeNull();
    chain.mine();
    expect(chain.balance(RECIPIENT)).toBe(6n);
    expect(await sender.nonceGap()).toBeNull();
  });
});

describe('fillNonceGap', () => {
  /** What an admin's fill commits: the sender's writes, straight to the store. */
  const recordTo =
    (store: { write(ops: Op[]): Promise<void> }, seen: GapFill[] = []) =>
    async (fill: GapFill, ops: Op[]) => {
      seen.push(fill);
      await store.write(ops);
    };

  test('fills the gap with a zero-value self-transfer; the payout behind it is mined, the void one never', async () => {
    const { chain, sender, store, signer } = await rig();
    const lost = await sender.prepare('d:0', RECIPIENT, 1n);
    const later = await sender.prepare('d:1', RECIPIENT, 2n);
    await sender.broadcast(later);
    const recorded: GapFill[] = [];
    const fill = await sender.fillNonceGap(0, recordTo(store, recorded));
    expect(recorded).toEqual([fill]);
    expect(fill).toMatchObject({ nonce: 0, deposit_id: 'd:0', voided_txids: [lost.txid] });
    const tx = decodePayoutTx(fill.raw);
    expect(tx).toMatchObject({
      nonce: 0,
      from: signer.address,
      call: { to: signer.address, value: 0n, data: '0x' },
    });
    expect(tx.fees.maxFeePerGas).toBeLessThanOrEqual(200n * 10n ** 9n);
    expect(chain.pool.has(fill.txid)).toBe(true);
    // The void payout is never sent again, re-signed or bumped: two transactions for one nonce.
    await expect(sender.broadcast(lost)).rejects.toMatchObject({ code: 'payout_voided', retryable: false });
    await expect(sender.prepare('d:0', RECIPIENT, 1n)).rejects.toMatchObject({ code: 'payout_voided' });
    expect(await sender.replacement({ ...lost, prepared_at: -1e12 })).toBeNull();
    expect(chain.pool.has(lost.txid)).toBe(false);
    chain.mine();
    expect(chain.mined.has(fill.txid)).toBe(true);
    expect(await sender.check(later)).toBe('confirmed');
    expect(chain.balance(RECIPIENT)).toBe(2n);
    expect(await sender.nonceGap()).toBeNull();
    // Asked again: the same fill (its bytes re-sent), never a second one.
    expect(await sender.fillNonceGap(0, recordTo(store, recorded))).toEqual(fill);
    expect(recorded).toHaveLength(1);
    // New payouts go on after the highest nonce.
    expect((await sender.prepare('d:2', RECIPIENT, 3n)).nonce).toBe(2);
  });

  test('a fill the node lost is the gap again, and filling re-sends the same bytes', async () => {
    const { chain, sender, store } = await rig();
    await sender.prepare('d:0', RECIPIENT, 1n);
    const fill = await sender.fillNonceGap(0, recordTo(store));
    chain.drop(fill.txid);
    expect(await sender.nonceGap()).toMatchObject({ nonce: 0, deposit_id: 'd:0', fill_txid: fill.txid });
    expect(await sender.fillNonceGap(0, recordTo(store))).toEqual(fill);
    expect(chain.pool.has(fill.txid)).toBe(true);
  });

  test('refuses a nonce that is not the gap: mined, in the mempool, or above the lowest', async () => {
    const { chain, sender, store } = await rig();
    const a = await sender.prepare('d:0', RECIPIENT, 1n);
    await sender.prepare('d:1', RECIPIENT, 2n);
    await sender.broadcast(a);
    await expect(sender.fillNonceGap(0, recordTo(store))).rejects.toMatchObject({
      code: 'not_a_gap',
      retryable: false,
    });
    chain.mine();
    await expect(sender.fillNonceGap(0, recordTo(store))).rejects.toThrow(
      'no nonce gap at 0: nonce 0 is mined',
    );
    await expect(sender.fillNonceGap(2, recordTo(store))).rejects.toMatchObject({ code: 'not_a_gap' });
    expect(chain.pool.size).toBe(0);
    expect(await store.get('sender', 'evm!void!d:1')).toBeUndefined();
  });

  test('nothing is broadcast or voided when recording the fill fails', async () => {
    const { chain, sender, store } = await rig();
    const lost = await sender.prepare('d:0', RECIPIENT, 1n);
    const failing = async () => {
      throw new Error('deposit d:0 is not errored');
    };
    await expect(sender.fillNonceGap(0, failing)).rejects.toThrow('deposit d:0 is not errored');
    expect(chain.pool.size).toBe(0);
    await sender.broadcast(lost);
    expect(chain.pool.has(lost.txid)).toBe(true);
    expect(await store.get('sender', 'evm!void!d:0')).toBeUndefined();
  });
});

import { payoutCall, type PayoutSigner } from '../chains/ethereum/payout-tx';
import type { Op } from '../store/store';
import type { Logger } from '../util/logger';
import type { FeeCeiling } from './evm-fees';
import type { EvmLedger } from './evm-ledger';
import type { EvmNode } from './evm-node';
import { broadcastPayout, payoutHashes } from './evm-tracking';
import { SenderError } from '../chains/errors';
import type { GapFill, NonceGap } from './types';

/**
 * Nonce gaps. A payout is signed (its nonce reserved) before it is broadcast; if its deposit then
 * stops with an error, nothing broadcasts it, and every later nonce waits behind it for ever. The
 * gap is found here, and an admin fills it with a zero-value transfer to the hot wallet itself,
 * after which the payout that held the nonce is void: it is never broadcast again (two signed
 * transactions for one nonce, one of them a payment, must never both be out).
 */

/** A plain transfer's gas. */
const TRANSFER_GAS = 21_000n;

export interface GapContext {
  node: EvmNode;
  ledger: EvmLedger;
  signer: PayoutSigner;
  fees: FeeCeiling;
  chainId: bigint;
  log: Logger;
  now: () => number;
}

async function anyKnown(node: EvmNode, hashes: string[]): Promise<boolean> {
  const known = await Promise.all(hashes.map((h) => node.hasTransaction(h)));
  return known.some(Boolean);
}

/** The payout holding `nonce` in the ledger, with the hashes of its versions. */
async function holder(ctx: GapContext, nonce: number): Promise<{ depositId: string; hashes: string[] }> {
  const reservation = await ctx.ledger.reservation(nonce);
  if (reservation === undefined) return { depositId: '', hashes: [] };
  const payout = await ctx.ledger.payout(reservation.deposit_id);
  const hashes = payout !== undefined && payout.nonce === nonce ? payoutHashes(payout) : [];
  return { depositId: reservation.deposit_id, hashes };
}

/** The gap at the lowest unmined nonce, or null (see NonceGap). */
export async function findNonceGap(ctx: GapContext): Promise<NonceGap | null> {
  const address = ctx.signer.address;
  const [highWater, mined, pending] = await Promise.all([
    ctx.ledger.highWater(),
    ctx.node.nonceAt(address, 'latest'),
    ctx.node.nonceAt(address, 'pending'),
  ]);
  // Nothing signed at `mined`, or the node has a transaction with it.
  if (highWater === undefined || highWater < mined || pending > mined) return null;
  const [{ depositId, hashes }, fill] = await Promise.all([holder(ctx, mined), ctx.ledger.fill(mined)]);
  const versions = [...hashes, ...(fill === undefined ? [] : [fill.txid])];
  if (await anyKnown(ctx.node, versions)) return null;
  return {
    nonce: mined,
    deposit_id: depositId,
    txid: hashes[0] ?? '',
    waiting: highWater - mined,
    fill_txid: fill?.txid ?? '',
  };
}

const notAGap = (message: string): SenderError => new SenderError(message, false, 'not_a_gap');

/** Checks that `nonce` is a gap now; returns the payout holding it. */
async function requireGap(ctx: GapContext, nonce: number): Promise<{ depositId: string; hashes: string[] }> {
  const gap = await findNonceGap(ctx);
  if (gap === null || gap.nonce !== nonce) {
    const mined = await ctx.node.nonceAt(ctx.signer.address, 'latest');
    if (nonce < mined) throw notAGap(`no nonce gap at ${nonce}: nonce ${nonce} is mined`);
    throw notAGap(
      gap === null
        ? `no nonce gap at ${nonce}: the node has a transaction with the lowest unmined nonce ${mined}, or Teller signed none`
        : `no nonce gap at ${nonce}: the gap is at the lowest unmined nonce, ${gap.nonce}`,
    );
  }
  if (gap.deposit_id === '')
    throw notAGap(`nonce ${nonce} holds no payout Teller recorded: not filled (check the wallet's history)`);
  return { depositId: gap.deposit_id, hashes: (await holder(ctx, nonce)).hashes };
}

/** Signs the fill of the gap at `nonce`, has `record` commit it, then broadcasts it. */
export async function fillGap(
  ctx: GapContext,
  nonce: number,
  record: (fill: GapFill, ops: Op[]) => Promise<void>,
): Promise<GapFill> {
  const existing = await ctx.ledger.fill(nonce);
  if (existing !== undefined) {
    await broadcastFill(ctx, existing);
    return existing;
  }
  const { depositId, hashes } = await requireGap(ctx, nonce);
  const fees = ctx.fees.capped(await ctx.node.feeData());
  if (fees === null) {
    throw new SenderError(
      `the network fee is above payout.evm.max_fee_per_gas: nonce ${nonce} cannot be filled now; try again later`,
      true,
      'fee_above_ceiling',
    );
  }
  const call = payoutCall(ctx.signer.address, 0n, null);
  const signed = await ctx.signer.signPayout({
    chainId: ctx.chainId,
    nonce,
    call,
    gasLimit: TRANSFER_GAS,
    fees,
  });
  const fill: GapFill = {
    nonce,
    txid: signed.txid,
    raw: signed.raw,
    deposit_id: depositId,
    voided_txids: hashes,
    filled_at: ctx.now(),
  };
  await record(fill, ctx.ledger.fillOps(fill, { eth: TRANSFER_GAS * fees.maxFeePerGas, token: 0n }));
  ctx.fees.settled(depositId);
  ctx.log.warn(
    { nonce, txid: fill.txid, depositId, voided: hashes },
    'nonce gap filled with a zero-value self-transfer: the payout that held it is void',
  );
  await broadcastFill(ctx, fill);
  return fill;
}

function broadcastFill(ctx: GapContext, fill: GapFill): Promise<void> {
  const asPayout = {
    deposit_id: fill.deposit_id,
    txid: fill.txid,
    raw: fill.raw,
    to: ctx.signer.address,
    amount: 0n,
    prepared_at: fill.filled_at,
    broadcast_at: 0,
    broadcasts: 0,
  };
  return broadcastPayout(ctx.node, ctx.log, asPayout, [fill.txid]);
}

/** Refuses to send or re-sign a payout whose nonce a gap fill took. */
export async function refuseVoided(ledger: EvmLedger, depositId: string): Promise<void> {
  const fill = await ledger.voided(depositId);
  if (fill === undefined) return;
  throw new SenderError(
    `the payout of deposit ${depositId} is void: its nonce ${fill.nonce} was filled by the zero-value ` +
      `transaction ${fill.txid} (nonce gap fill by an admin); it is never sent, and nothing was paid for ` +
      'this deposit: resolve it by hand',
    false,
    'payout_voided',
  );
}

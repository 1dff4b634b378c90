import type { Logger } from '../util/logger';
import { decodePayoutTx, type DecodedPayoutTx } from '../chains/ethereum/payout-tx';
import { EvmRpcError, classifyRejection, type EvmNode } from './evm-node';
import { InsufficientBalanceError, SenderError } from '../chains/errors';
import type { PayoutState, PreparedPayout } from './types';

/**
 * Broadcasting and tracking a stored payout. Both only ever send or look up the stored bytes, so
 * calling them again after a crash, a timeout or a reorg can never pay twice.
 */

/** The payout's hash and those of the versions it replaced (see EvmPreparedPayout). */
export function payoutHashes(p: PreparedPayout): string[] {
  const previous = (p as { previous_txids?: unknown }).previous_txids;
  const older = Array.isArray(previous) ? previous.filter((h): h is string => typeof h === 'string') : [];
  return [p.txid, ...older];
}

/** The stored transaction, checked against its stored hash. */
export function decodeStoredPayout(p: PreparedPayout): DecodedPayoutTx {
  let tx: DecodedPayoutTx;
  try {
    tx = decodePayoutTx(p.raw);
  } catch (err) {
    throw new SenderError(
      `stored payout of deposit ${p.deposit_id} is corrupt: ${(err as Error).message}`,
      false,
      'payout_corrupt',
      { cause: err },
    );
  }
  if (tx.txid.toLowerCase() !== p.txid.toLowerCase()) {
    throw new SenderError(
      `stored payout of deposit ${p.deposit_id} is corrupt: raw hashes to ${tx.txid}, txid says ${p.txid}`,
      false,
      'payout_corrupt',
    );
  }
  return tx;
}

async function anyKnown(node: EvmNode, hashes: string[]): Promise<boolean> {
  const known = await Promise.all(hashes.map((h) => node.hasTransaction(h)));
  return known.some(Boolean);
}

/**
 * Sends the stored bytes. "Already known", or a nonce taken by one of `hashes` (the payout's
 * versions), is success; a nonce taken by anything else is a permanent conflict.
 */
export async function broadcastPayout(
  node: EvmNode,
  log: Logger,
  p: PreparedPayout,
  hashes: string[],
): Promise<void> {
  const tx = decodeStoredPayout(p);
  const ctx = { depositId: p.deposit_id, txid: p.txid, nonce: tx.nonce };
  try {
    await node.sendRawTransaction(p.raw);
    log.info(ctx, 'payout broadcast');
    return;
  } catch (err) {
    if (!(err instanceof EvmRpcError) || err.nodeMessage === null) throw err;
    const reason = err.nodeMessage;
    const kind = classifyRejection(reason);
    if (kind === 'insufficient_funds') {
      throw new InsufficientBalanceError(
        `insufficient ETH balance for payout ${p.txid}: the node says "${reason}"`,
        { cause: err },
      );
    }
    if (kind === 'invalid') {
      log.error({ ...ctx, reason }, 'payout rejected by the node: operator must act');
      throw new SenderError(`the node rejected payout ${p.txid}: ${reason}`, false, 'broadcast_rejected', {
        cause: err,
      });
    }
    if (kind === 'other')
      throw new SenderError(`broadcast of payout ${p.txid} failed: ${reason}`, true, 'broadcast_failed', {
        cause: err,
      });
    // The node has a transaction with this nonce already: ours (a success), or someone else's.
    if (await anyKnown(node, hashes)) {
      log.info({ ...ctx, reason }, 'payout already known to the node');
      return;
    }
    if (kind === 'nonce_too_low') {
      log.error(ctx, 'payout nonce used by another transaction: operator must investigate');
      throw new SenderError(
        `nonce ${tx.nonce} of payout ${p.txid} (deposit ${p.deposit_id}) was used by another transaction from the ` +
          'hot wallet; the payout was not sent and is not re-signed automatically (that could pay twice): ' +
          'check the wallet history, then resolve the deposit by hand',
        false,
        'nonce_conflict',
        { cause: err },
      );
    }
    if (kind === 'underpriced') {
      throw new SenderError(
        `another transaction with nonce ${tx.nonce} is pending in the node; payout ${p.txid} waits for it`,
        true,
        'nonce_busy',
        { cause: err },
      );
    }
    // 'known' but the node cannot find it: a load-balanced node's replicas disagree. Ask again later.
    throw new SenderError(
      `the node reports payout ${p.txid} as known but does not return it`,
      true,
      'broadcast_failed',
      { cause: err },
    );
  }
}

/** Where the payout (any of its versions, `hashes`) stands on the chain. */
export async function checkPayout(
  node: EvmNode,
  confirmations: number,
  p: PreparedPayout,
  hashes: string[],
): Promise<PayoutState> {
  const receipts = await Promise.all(hashes.map((h) => node.receipt(h)));
  for (const [i, r] of receipts.entries()) {
    if (r === null) continue;
    if (r.status !== 1) {
      throw new SenderError(
        `payout ${hashes[i]} of deposit ${p.deposit_id} was mined in block ${r.blockNumber} but reverted: ` +
          'its nonce is spent and nothing was paid; operator must act',
        false,
        'payout_reverted',
      );
    }
    const tip = await node.blockNumber();
    return tip - r.blockNumber + 1 >= confirmations ? 'confirmed' : 'pending';
  }
  return (await anyKnown(node, hashes)) ? 'pending' : 'unknown';
}

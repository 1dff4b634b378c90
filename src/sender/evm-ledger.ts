import { seqKey, type Op, type Store } from '../store/store';
import type { GapFill, PreparedPayout } from './types';

/**
 * The EVM sender's own durable state, in the store's 'sender' space:
 *
 *   evm!<chain id>!<address>!nonce              -> number: highest nonce ever signed (high-water mark)
 *   evm!<chain id>!<address>!inflight!<nonce>   -> Reservation: what a signed, not yet mined payout
 *                                                  may spend (dropped once the nonce is mined)
 *   evm!payout!<deposit id>                     -> EvmPreparedPayout: the latest signed version
 *   evm!<chain id>!<address>!fill!<nonce>       -> GapFill: a zero-value self-transfer an admin
 *                                                  signed for a nonce no transaction reached the
 *                                                  node with (a nonce gap)
 *   evm!void!<deposit id>                       -> GapFill: that deposit's payout lost its nonce to
 *                                                  the fill; it is never broadcast again
 *
 * Keys carry the chain and wallet, so switching the hot wallet does not inherit a nonce gap.
 * Every update is one store batch, written before the payout is handed to the caller.
 */

/** A prepared EVM payout. All versions (fee bumps) share one nonce, so at most one is ever mined. */
export interface EvmPreparedPayout extends PreparedPayout {
  nonce: number;
  /** Hashes of the earlier versions this one replaces; any of them being mined is the payout. */
  previous_txids: string[];
}

/** Most a payout can take from the hot wallet. */
export interface PayoutCost {
  /** value + gas limit × max fee per gas. */
  eth: bigint;
  /** Token units (0 for an ETH payout). */
  token: bigint;
}

export interface Reservation extends PayoutCost {
  deposit_id: string;
  nonce: number;
}

export interface Reserved extends PayoutCost {
  /** Deletes reservations of nonces already mined, to include in the next write. */
  prune: Op[];
}

const NONCE_WIDTH = 12;

export class EvmLedger {
  private readonly prefix: string;

  constructor(
    private readonly store: Store,
    chainId: bigint,
    address: string,
  ) {
    this.prefix = `evm!${chainId}!${address.toLowerCase()}!`;
  }

  private inflightKey(nonce: number): string {
    return `${this.prefix}inflight!${seqKey(nonce, NONCE_WIDTH)}`;
  }

  highWater(): Promise<number | undefined> {
    return this.store.get<number>('sender', `${this.prefix}nonce`);
  }

  /** What the signed, not yet mined payout with this nonce may spend, and whose it is. */
  reservation(nonce: number): Promise<Reservation | undefined> {
    return this.store.get<Reservation>('sender', this.inflightKey(nonce));
  }

  private fillKey(nonce: number): string {
    return `${this.prefix}fill!${seqKey(nonce, NONCE_WIDTH)}`;
  }

  fill(nonce: number): Promise<GapFill | undefined> {
    return this.store.get<GapFill>('sender', this.fillKey(nonce));
  }

  /** The gap fill that took this deposit's payout nonce, if any. */
  voided(depositId: string): Promise<GapFill | undefined> {
    return this.store.get<GapFill>('sender', `evm!void!${depositId}`);
  }

  /**
   * The writes of a gap fill, for the caller to commit with its audit event: the fill, the void
   * mark on the deposit's payout, and the nonce's reservation, now the fill's own cost.
   */
  fillOps(fill: GapFill, cost: PayoutCost): Op[] {
    const reservation: Reservation = { deposit_id: fill.deposit_id, nonce: fill.nonce, ...cost };
    return [
      { type: 'put', space: 'sender', key: this.fillKey(fill.nonce), value: fill },
      { type: 'put', space: 'sender', key: `evm!void!${fill.deposit_id}`, value: fill },
      { type: 'put', space: 'sender', key: this.inflightKey(fill.nonce), value: reservation },
    ];
  }

  payout(depositId: string): Promise<EvmPreparedPayout | undefined> {
    return this.store.get<EvmPreparedPayout>('sender', `evm!payout!${depositId}`);
  }

  /** Sum of what signed payouts with nonces ≥ `minedCount` (not yet mined) may still spend. */
  async reserved(minedCount: number): Promise<Reserved> {
    const base = `${this.prefix}inflight!`;
    const cut = this.inflightKey(minedCount);
    const prune: Op[] = [];
    for await (const key of this.store.keys('sender', { gte: base, lt: cut })) {
      prune.push({ type: 'del', space: 'sender', key });
    }
    let eth = 0n;
    let token = 0n;
    for (const r of await this.store.values<Reservation>('sender', { gte: cut, lt: `${base}\uffff` })) {
      eth += r.eth;
      token += r.token;
    }
    return { eth, token, prune };
  }

  private ops(p: EvmPreparedPayout, cost: PayoutCost): Op[] {
    const reservation: Reservation = { deposit_id: p.deposit_id, nonce: p.nonce, ...cost };
    return [
      { type: 'put', space: 'sender', key: this.inflightKey(p.nonce), value: reservation },
      { type: 'put', space: 'sender', key: `evm!payout!${p.deposit_id}`, value: p },
    ];
  }

  /** A newly signed payout: its nonce becomes the high-water mark, in the same batch. */
  recordPrepared(p: EvmPreparedPayout, cost: PayoutCost, prune: Op[]): Promise<void> {
    return this.store.write([
      ...prune,
      { type: 'put', space: 'sender', key: `${this.prefix}nonce`, value: p.nonce },
      ...this.ops(p, cost),
    ]);
  }

  /** A fee-bumped version of a payout: same nonce, higher cost. */
  recordReplacement(p: EvmPreparedPayout, cost: PayoutCost): Promise<void> {
    return this.store.write(this.ops(p, cost));
  }
}

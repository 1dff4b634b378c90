import type { Op } from '../store/store';

/**
 * A payout, signed and stored on the deposit *before* it is broadcast. After a crash the same
 * bytes are re-broadcast or looked up by `txid`; a payout is never signed twice for one deposit.
 */
export interface PreparedPayout {
  deposit_id: string;
  /** Transaction id / hash the payout will have on its chain. */
  txid: string;
  /** The signed transaction, hex. */
  raw: string;
  to: string;
  /** Payout coin base units (droplets, wei, token units). */
  amount: bigint;
  /** EVM only: the nonce reserved for this payout. */
  nonce?: number;
  prepared_at: number;
  /** Unix ms of the last broadcast, 0 if never broadcast. */
  broadcast_at: number;
  broadcasts: number;
}

/** What the payout chain says about a prepared payout. */
export type PayoutState =
  /** Known to the node (mempool or a block) but not yet confirmed enough. */
  | 'pending'
  | 'confirmed'
  /** The node does not know the transaction (never arrived, dropped, or reorged out). */
  | 'unknown';

export interface Balance {
  /** Payout coin base units. */
  coins: bigint;
  /** Skycoin coin hours (0 for other payout coins). */
  hours: bigint;
}

/**
 * EVM: the lowest nonce the chain has not mined is one Teller signed a payout for, but the node
 * has no transaction with it (the payout was never broadcast, or was dropped): every later nonce
 * waits behind it.
 */
export interface NonceGap {
  nonce: number;
  /** The deposit whose payout holds the nonce ('' if Teller's records name none). */
  deposit_id: string;
  /** That payout's hash ('' if none). */
  txid: string;
  /** Nonces Teller signed above it (payouts waiting behind the gap). */
  waiting: number;
  /** A gap fill already signed for this nonce that the node does not have either ('' if none). */
  fill_txid: string;
}

/** A nonce gap filled with a zero-value transfer from the hot wallet to itself. */
export interface GapFill {
  nonce: number;
  /** Hash and signed bytes of the self-transfer. */
  txid: string;
  raw: string;
  /** The deposit whose payout held the nonce, and that payout's hashes (never broadcast again). */
  deposit_id: string;
  voided_txids: string[];
  /** Unix ms. */
  filled_at: number;
}

export interface Sender {
  /** 'dummy', 'skycoin' or 'evm'. */
  readonly kind: string;
  /** Payout coin symbol (SKY, ETH or the token's symbol). */
  readonly coin: string;
  /** Decimals of the payout coin's base unit (SKY 6, ETH 18, token's own). */
  readonly decimals: number;
  /** null if `addr` is a valid payout address, else the reason (teller's texts for SKY). */
  validateAddress(addr: string): string | null;
  /** Builds and signs a payout. Throws InsufficientBalanceError when the hot wallet cannot pay. */
  prepare(depositId: string, to: string, amount: bigint): Promise<PreparedPayout>;
  /** Sends the stored bytes. Idempotent: "already known" counts as success. */
  broadcast(payout: PreparedPayout): Promise<void>;
  check(payout: PreparedPayout): Promise<PayoutState>;
  balance(): Promise<Balance>;
  /**
   * A stuck payout's fee-bumped replacement (same nonce, so at most one version can ever be
   * mined), or null when none is due. Only senders with replaceable transactions have it.
   */
  replacement?(payout: PreparedPayout): Promise<PreparedPayout | null>;
  /** Conditions of the fee ceiling (EVM), key → operator message, for the monitors' alerts. */
  feeAlerts?(): ReadonlyMap<string, string>;
  /** The nonce gap at the lowest unmined nonce, if there is one (EVM). */
  nonceGap?(): Promise<NonceGap | null>;
  /**
   * Fills the gap at `nonce` with a zero-value self-transfer and voids the payout that held it.
   * `record` must commit the given writes (with an audit event) before anything is broadcast; the
   * caller holds the lock of the deposit named in `fill`. Again for a filled nonce: re-broadcasts.
   */
  fillNonceGap?(nonce: number, record: (fill: GapFill, ops: Op[]) => Promise<void>): Promise<GapFill>;
  close?(): Promise<void>;
}

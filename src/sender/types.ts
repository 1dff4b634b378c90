import { TellerError } from '../util/errors';

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
  close?(): Promise<void>;
}

export class SenderError extends TellerError {
  constructor(message: string, retryable = true, code = 'sender_error') {
    super(code, message, retryable);
  }
}

/** The hot wallet cannot cover a payout: the service is "sold out" until it is refilled. */
export class InsufficientBalanceError extends SenderError {
  constructor(message: string) {
    super(message, true, 'insufficient_balance');
  }
}

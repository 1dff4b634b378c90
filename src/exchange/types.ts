/**
 * The deposit pipeline's records. Amounts are bigint base units (satoshi, wei, droplet, token
 * units); `deposit_value` is in the deposit coin's base unit, `sky_sent` in the payout coin's.
 * Field names follow teller's DepositInfo JSON so the admin API can render them directly.
 */

/** Teller's statuses, in the order teller's `ValidateStatus` lists them. */
export const STATUSES = [
  'waiting_deposit',
  'waiting_send',
  'waiting_confirm',
  'done',
  'waiting_decide',
  'waiting_passthrough',
  'waiting_passthrough_order_complete',
] as const;
export type Status = (typeof STATUSES)[number];
/** Statuses a stored deposit can have (`waiting_deposit` is synthesised by /api/status only). */
export type StoredStatus = Exclude<Status, 'waiting_deposit'>;

export const isStatus = (s: string): s is Status => (STATUSES as readonly string[]).includes(s);

export type BuyMethod = 'direct' | 'passthrough';

/** Deposit coins teller knows; ERC-20 tokens configured in `[[eth_tokens]]` add their symbols. */
export const BASE_COINS = ['BTC', 'ETH', 'SKY'] as const;

/** A deposit as a scanner reports it: one output (BTC/SKY), one transaction value or one log (ETH). */
export interface ScannedDeposit {
  coin_type: string;
  address: string;
  value: bigint;
  height: number;
  tx: string;
  /** Output index (BTC), 0 for native ETH value, log index for ERC-20 transfers. */
  n: number;
}

/** What became of a deposit handed to the exchange (the dummy scanner tells testers). */
export type ReceiveOutcome =
  { kind: 'recorded' } | { kind: 'duplicate'; status: Status } | { kind: 'unbound' } | { kind: 'zero_value' };

/** An ERC-20 token (a configured `[[eth_tokens]]` symbol): every deposit coin but teller's three. */
export const isTokenCoin = (coin: string): boolean => !(BASE_COINS as readonly string[]).includes(coin);

/**
 * A deposit's id: teller's `txid:n` for BTC, SKY and native ETH (`txhash:0`); `txhash:log<index>`
 * for an ERC-20 transfer, so that it cannot collide with the native value of the same transaction
 * (log index 0). Builds before this one wrote token ids as `txhash:<index>`: `legacyTokenIdOf`.
 */
export const depositIdOf = (d: Pick<ScannedDeposit, 'coin_type' | 'tx' | 'n'>): string =>
  isTokenCoin(d.coin_type) ? `${d.tx}:log${d.n}` : `${d.tx}:${d.n}`;

/** The id an earlier build gave a token deposit (null for other coins). */
export const legacyTokenIdOf = (d: Pick<ScannedDeposit, 'coin_type' | 'tx' | 'n'>): string | null =>
  isTokenCoin(d.coin_type) ? `${d.tx}:${d.n}` : null;

export interface Binding {
  sky_address: string;
  address: string;
  coin_type: string;
  buy_method: BuyMethod;
  /** Global bind sequence, starting at 1. */
  seq: number;
  created_at: number;
}

export interface PassthroughRecord {
  exchange_name: string;
  sky_bought: bigint;
  deposit_value_spent: bigint;
  requested_amount: string;
  order: {
    customer_id: string;
    order_id: string;
    completed_amount: string;
    price: string;
    status: string;
    final: boolean;
    original: string;
  };
}

export const emptyPassthrough = (): PassthroughRecord => ({
  exchange_name: '',
  sky_bought: 0n,
  deposit_value_spent: 0n,
  requested_amount: '',
  order: {
    customer_id: '',
    order_id: '',
    completed_amount: '',
    price: '',
    status: '',
    final: false,
    original: '',
  },
});

export interface DepositRecord {
  /** Global deposit sequence, starting at 1. */
  seq: number;
  /** Unix seconds of the last update. */
  updated_at: number;
  status: StoredStatus;
  coin_type: string;
  sky_address: string;
  buy_method: BuyMethod;
  deposit_address: string;
  deposit_id: string;
  /** Payout transaction id, '' until the payout is signed. */
  txid: string;
  /** Rate string frozen when the deposit was first seen (payout coins per 1 deposit coin). */
  conversion_rate: string;
  /** Payout decimals frozen when the deposit was first seen. */
  max_decimals: number;
  deposit_value: bigint;
  sky_sent: bigint;
  passthrough: PassthroughRecord;
  /** Permanent error text, '' if none. */
  error: string;
  deposit: ScannedDeposit & { processed: boolean };
  /** Last retryable failure of the current step, for operators ('' when the last attempt worked). */
  last_error: string;
  attempts: number;
  created_at: number;
  /** An admin approved this payout above `payout.approval_above` (absent on older records). */
  approved?: boolean;
}

/** One entry of the append-only event log: every transition of every deposit. */
export interface DepositEvent {
  seq: number;
  at: number;
  deposit_id: string;
  from: StoredStatus | null;
  to: StoredStatus;
  note: string;
  /** Hex sha256 of the previous event (the audit chain); '' for the first. */
  prev_hash: string;
  hash: string;
}

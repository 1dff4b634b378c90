/**
 * The deposit pipeline's records. Amounts are bigint base units (satoshi, wei, droplet, token
 * units); `deposit_value` is in the deposit coin's base unit, `sky_sent` in the payout coin's.
 * Field names follow teller's DepositInfo JSON so the admin API can render them directly.
 */

import type { ScannedDeposit, StoredStatus } from '../core/deposit';

export type BuyMethod = 'direct' | 'passthrough';

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
  /** null (with `from` null) for an operator's change that is not a deposit's (a rate set at run time). */
  to: StoredStatus | null;
  note: string;
  /** Hex sha256 of the previous event (the audit chain); '' for the first. */
  prev_hash: string;
  hash: string;
}

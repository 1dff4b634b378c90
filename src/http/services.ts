import type { Config } from '../config/types';
import type { ScannedDeposit, Status } from '../core/deposit';

/**
 * What the HTTP layer needs from the rest of the daemon. The services return response bodies as
 * plain objects whose key order is the wire order; the HTTP layer owns routing, validation order,
 * error texts, headers and Go-compatible serialisation.
 */

export interface BindResult {
  deposit_address: string;
  coin_type: string;
  buy_method: string;
}

export interface StatusEntry {
  seq: number;
  updated_at: number;
  status: Status;
  coin_type: string;
}

/**
 * /api/v2/status's body: a row per recorded or pending deposit, and one per binding without any
 * (key order is the wire order; the HTTP layer reads only `status`).
 */
export interface StatusDetail {
  /** One flat row per deposit (or waiting binding), the same fields in every row. */
  deposits: readonly (Readonly<Record<string, string | number>> & { readonly status: string })[];
}

/** Raised by PublicService.bind; `code` picks the HTTP status and teller's text. */
export type { BindErrorCode } from '../exchange/errors';

/** teller's health body; `uptime` (Go's duration text) is the one field that changes per request. */
export type HealthBody = { uptime: string } & Record<string, unknown>;

export interface PublicService {
  readonly config: Config;
  /** 'enabled', 'disabled' (`<COIN> not enabled`) or 'unknown' (`Invalid coin_type`). */
  coinState(coin: string): 'enabled' | 'disabled' | 'unknown';
  /** null if valid, else the reason (teller: `Invalid skycoin address: <reason>`). */
  validatePayoutAddress(addr: string): string | null;
  /** Throws a TellerError whose code is a BindErrorCode. */
  /** `client`: the buyer's IP, held to the bind caps (web.bind_max_per_hour…). */
  bind(payoutAddress: string, coin: string, client?: string): Promise<BindResult>;
  /**
   * [] when the address has no bindings (the body is then `{}`). In both status views a
   * `waiting_deposit` row (nothing recorded yet) shows the current second as its `updated_at`.
   */
  statuses(payoutAddress: string): Promise<StatusEntry[]>;
  /** Beyond teller: per-deposit detail for the buyer UI (confirmations, amounts, payout tx). */
  statusDetail(payoutAddress: string): Promise<StatusDetail>;
  /**
   * A number that changes whenever `statuses(payoutAddress)` (`detail` false) or
   * `statusDetail(payoutAddress)` (`detail` true) may return something else, the clock of the
   * `waiting_deposit` rows aside: the address's bindings and deposits were written, or for the
   * detail a scanner's pending deposits changed. Read before the view, so a write that lands
   * while the view is read changes it.
   */
  statusStamp(payoutAddress: string, detail: boolean): number;
  publicConfig(): object | Promise<object>;
  health(): Promise<HealthBody>;
}

export interface AdminService {
  depositAddresses(): Promise<object>;
  /** Teller DepositInfo objects, in deposit-id order; all when status is undefined. */
  deposits(status?: Status): Promise<object[]>;
  errored(): Promise<object[]>;
  accounting(): Promise<object>;
  /** Streams a consistent snapshot; returns the suggested file name. */
  backup(out: NodeJS.WritableStream): Promise<void>;
  backupFileName(): string;
  /** Re-queues an errored or stuck deposit. Throws TellerError code 'not_found' | 'not_retryable'. */
  retry(depositId: string): Promise<object>;
  /** Lets a payout held above `payout.approval_above` go (TellerError not_found | not_retryable). */
  approve(depositId: string): Promise<object>;
  /** Passthrough: the operator settled a failed order by hand (`note` says how). */
  markHandled(depositId: string, note: string): Promise<object>;
  /** Extra operator views (scanners, pool usage, hot wallet, events of one deposit). */
  overview(): Promise<object>;
  deposit(depositId: string): Promise<object | undefined>;
  /** EVM: `{gap: NonceGap | null}`, the nonce gap at the lowest unmined nonce. */
  nonceGap(): Promise<object>;
  /**
   * EVM: fills the gap at `nonce` with a zero-value self-transfer (TellerError not_a_gap,
   * not_retryable, not_found when it is not a gap of an errored deposit).
   */
  fillNonceGap(nonce: number): Promise<object>;
}

export interface DummyService {
  /** null if `addr` is a deposit address the dummy scanner accepts for `coin`, else a reason. */
  validateDepositAddress(coin: string, addr: string): string | null;
  /** false when the intake queue is full (teller: 503 `deposits channel is full`). */
  deposit(d: ScannedDeposit): boolean;
  broadcasts(): Promise<object[]>;
  /** false if no such transaction. Lookup by txid when given, else by 0-based broadcast seq. */
  confirm(txid: string | undefined, seq: number | undefined): Promise<boolean>;
  /** Beyond teller: set the dummy hot wallet balance (droplets / base units). */
  setBalance(coins: bigint): Promise<void>;
  /** Beyond teller: arm (or disarm) a permanent failure of the dummy sender's next broadcast. */
  failNextBroadcast(armed: boolean): void;
}

/**
 * The deposit vocabulary every layer shares (config checks coins, scanners report deposits, the
 * exchange records them, the APIs show statuses): teller's statuses, its coins, a scanned deposit
 * and its id. Below config, so that no lower layer imports the exchange for them.
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

/** Deposit coins teller knows; ERC-20 tokens configured in `[[eth_tokens]]` add their symbols. */
export const BASE_COINS = ['BTC', 'ETH', 'SKY'] as const;

/** A deposit as a scanner reports it: one output (BTC/SKY), one transaction value or one log (ETH). */
export interface ScannedDeposit {
  coin_type: string;
  address: string;
  value: bigint;
  height: number;
  tx: string;
  /**
   * Output index (BTC), 0 for native ETH value; for an ERC-20 transfer, its index among the logs
   * of its own transaction (receipt order), which no reorg changes. Token deposits stored by earlier
   * builds have no `log_index`: their `n` is the block-wide log index (see depositIdOf).
   */
  n: number;
  /** ERC-20 only: the block-wide log index where this sighting found it (moves with a reorg). */
  log_index?: number;
}

/** An ERC-20 token (a configured `[[eth_tokens]]` symbol): every deposit coin but teller's three. */
export const isTokenCoin = (coin: string): boolean => !(BASE_COINS as readonly string[]).includes(coin);

/**
 * A deposit's id: teller's `txid:n` for BTC, SKY and native ETH (`txhash:0`); `txhash:txlog<k>`
 * for an ERC-20 transfer, k its index among its transaction's logs: the same on every branch a
 * reorg re-mines the transaction into, and distinct from the native value's `txhash:0`.
 *
 * Earlier builds named a token deposit by its block-wide log index, which a reorg that re-mines
 * the transaction elsewhere in a block gives to another transfer: `txhash:log<index>`, and before
 * that `txhash:<index>`. A deposit they stored (no `log_index`) keeps its id `txhash:log<index>`;
 * the exchange recognises the same transfer under the new id (exchange/wrong-asset.ts recordOf).
 */
export const depositIdOf = (d: Pick<ScannedDeposit, 'coin_type' | 'tx' | 'n' | 'log_index'>): string => {
  if (!isTokenCoin(d.coin_type)) return `${d.tx}:${d.n}`;
  return isLegacyToken(d) ? `${d.tx}:log${d.n}` : `${d.tx}:txlog${d.n}`;
};

/** A token deposit stored by an earlier build: `n` is its block-wide log index. */
export const isLegacyToken = (d: Pick<ScannedDeposit, 'coin_type' | 'log_index'>): boolean =>
  isTokenCoin(d.coin_type) && d.log_index === undefined;

/**
 * Whether `old`, a token deposit an earlier build stored (block-wide `n`), is the transfer `d`
 * (per-transaction `n`): same coin, transaction, recipient and value. A transaction with two such
 * transfers makes them interchangeable; the one at `d`'s block-wide log index is preferred.
 */
export const sameLegacyTransfer = (old: ScannedDeposit, d: ScannedDeposit): boolean =>
  isLegacyToken(old) &&
  !isLegacyToken(d) &&
  old.coin_type === d.coin_type &&
  old.tx === d.tx &&
  old.address === d.address &&
  old.value === d.value;

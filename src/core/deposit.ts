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
  /** Output index (BTC), 0 for native ETH value, log index for ERC-20 transfers. */
  n: number;
}

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

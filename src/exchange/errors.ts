import { TellerError } from '../util/errors';

/** Errors of the deposit pipeline; `code` is stable (logs, HTTP mapping). */
export class ExchangeError<C extends string = string> extends TellerError<C> {}

/** The codes Binder.bind raises; the HTTP layer maps each to its status and teller's text. */
export type BindErrorCode =
  'bind_disabled' | 'rate_paused' | 'throttled' | 'max_bound' | 'pool_empty' | 'internal';

export const bindError = (code: BindErrorCode, message: string): ExchangeError<BindErrorCode> =>
  new ExchangeError(code, message);

/** teller's text for a payout that rounds to nothing (spec teller-core §5.6). */
export const ZERO_SEND_ERROR = 'Skycoin send amount is 0';

/** `last_error` of a payout above `payout.approval_above` until an admin approves it. */
export const AWAITING_APPROVAL = 'payout above payout.approval_above: awaiting admin approval';

/**
 * `error` of a deposit held because a rewind (a reorg, or a rescan) took back its block after it
 * was handed over: cleared when the scanner hands it over again (src/scanner/engine-recheck.ts).
 */
export const REWOUND_ERROR =
  'deposit no longer on the chain (a reorg or a rescan took its block back): payout held until the scanner finds it again';

/**
 * `error` of a deposit of one asset to a pool address bound for another (tokens share the ETH
 * pool): recorded, not paid; an admin retry pays it at the rate of the asset sent.
 */
export const WRONG_ASSET_ERROR = (sent: string, bound: string): string =>
  `wrong asset: ${sent} sent to an address bound for ${bound}; not paid until an operator retries it`;

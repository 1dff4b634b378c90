import { ExchangeError } from '../exchange/errors';
import type { TellerErrorOptions } from '../util/errors';

/**
 * Errors of the passthrough exchange clients and processor. They extend ExchangeError so that
 * the state machine treats `retryable` ones as retries and the rest as the deposit's permanent
 * error. `code` is stable (logs, tests, admin API).
 */
export class PassthroughError extends ExchangeError<PassthroughErrorCode> {}

/** The codes of PassthroughError: the exchange's answers, then PassthroughStateError's. */
export type PassthroughErrorCode =
  | 'exchange_unavailable'
  | 'exchange_rate_limited'
  | 'exchange_insufficient_funds'
  | 'exchange_auth'
  | 'order_rejected'
  | 'below_minimum'
  | 'duplicate_order'
  | 'order_not_found'
  | PassthroughStateCode;

/** PassthroughStateError's codes (the simulated exchange's start with `sim_`). */
export type PassthroughStateCode =
  | 'passthrough_invalid'
  | 'exchange_unsupported'
  | 'unsupported_coin'
  | 'unknown_coin'
  | 'order_mismatch'
  | 'not_found'
  | 'not_retryable'
  | 'note_required'
  | 'sim_invalid'
  | 'sim_order_not_open';

/** The exchange could not be reached or answered with a server error: try again later. */
export class ExchangeUnavailableError extends PassthroughError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('exchange_unavailable', message, true, options);
  }
}

/** The exchange asked us to slow down: wait `c2cx.ratelimit_wait` before the next request. */
export class RateLimitedError extends PassthroughError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('exchange_rate_limited', message, true, options);
  }
}

/** The exchange account cannot pay for the order: retried until an operator tops it up. */
export class InsufficientFundsError extends PassthroughError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('exchange_insufficient_funds', message, true, options);
  }
}

/** The exchange refused our credentials or permissions: retried until an operator fixes them. */
export class ExchangeAuthError extends PassthroughError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('exchange_auth', message, true, options);
  }
}

/** The exchange refused the order: nothing was bought. Permanent (the admin API can resubmit). */
export class OrderRejectedError extends PassthroughError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('order_rejected', message, false, options);
  }
}

/** The deposit is too small for the market's minimum order: never ordered. Permanent. */
export class BelowMinimumError extends PassthroughError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('below_minimum', message, false, options);
  }
}

/** The client order id is already taken: the order exists, look it up instead. */
export class DuplicateOrderError extends PassthroughError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('duplicate_order', message, false, options);
  }
}

/** The exchange does not know this order (yet): retried, with `last_error` shown. */
export class OrderNotFoundError extends PassthroughError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('order_not_found', message, true, options);
  }
}

/** The deposit or the exchange's answer does not fit the passthrough flow (a bug or a misconfiguration). */
export class PassthroughStateError extends PassthroughError {
  constructor(
    message: string,
    code: PassthroughStateCode = 'passthrough_invalid',
    options?: TellerErrorOptions,
  ) {
    super(code, message, false, options);
  }
}

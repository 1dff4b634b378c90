import * as ccxt from 'ccxt';
import { errorMessage } from '../util/errors';
import {
  BelowMinimumError,
  DuplicateOrderError,
  ExchangeAuthError,
  ExchangeUnavailableError,
  InsufficientFundsError,
  OrderNotFoundError,
  OrderRejectedError,
  PassthroughError,
  PassthroughStateError,
  RateLimitedError,
} from './errors';

/** What the failed call was: placing an order (a refusal is final) or reading (retry). */
export type CallKind = 'place' | 'query';

/** Exchange-specific texts that ccxt files under a class too broad for us. */
export interface ErrorQuirks {
  /** The exchange's "client order id already used" refusal (Binance: -2010 `Duplicate order sent.`). */
  duplicate?: RegExp;
  /** Refusals that are temporary (Binance -1021: our clock is off; the request can be retried). */
  transient?: RegExp;
  /** Refusals because the order is below the market's minimum value (Binance: NOTIONAL filters). */
  belowMinimum?: RegExp;
}

/**
 * ccxt's error hierarchy → ours. Order matters: ccxt's OrderNotFound and DuplicateOrderId are
 * InvalidOrders, its RateLimitExceeded is a NetworkError. Anything that is not a ccxt error (a
 * bug) is returned unchanged, so it surfaces instead of being retried forever.
 */
export function mapCcxtError(err: unknown, kind: CallKind, quirks: ErrorQuirks = {}): unknown {
  if (err instanceof PassthroughError || !(err instanceof ccxt.BaseError)) return err;
  const message = errorMessage(err);
  const cause = { cause: err };
  if (err instanceof ccxt.DuplicateOrderId || quirks.duplicate?.test(message))
    return new DuplicateOrderError(message, cause);
  if (err instanceof ccxt.RateLimitExceeded || err instanceof ccxt.DDoSProtection)
    return new RateLimitedError(message, cause);
  // Network errors, timeouts, maintenance, bad or missing responses: the outcome is unknown.
  if (err instanceof ccxt.OperationFailed || err instanceof ccxt.MarketClosed)
    return new ExchangeUnavailableError(message, cause);
  if (quirks.transient?.test(message)) return new ExchangeUnavailableError(message, cause);
  if (err instanceof ccxt.InsufficientFunds) return new InsufficientFundsError(message, cause);
  if (err instanceof ccxt.AuthenticationError) return new ExchangeAuthError(message, cause);
  if (err instanceof ccxt.OrderNotFound) return new OrderNotFoundError(message, cause);
  // A market or call ccxt cannot serve is a configuration or programming error: never retried.
  if (
    err instanceof ccxt.BadSymbol ||
    err instanceof ccxt.NotSupported ||
    err instanceof ccxt.ArgumentsRequired
  ) {
    return new PassthroughStateError(message, 'exchange_unsupported', cause);
  }
  if (kind === 'query') return new ExchangeUnavailableError(message, cause);
  if (quirks.belowMinimum?.test(message)) return new BelowMinimumError(message, cause);
  return new OrderRejectedError(message, cause);
}

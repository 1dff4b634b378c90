import { TellerError, type TellerErrorOptions } from '../util/errors';

/** A pool file that cannot be read or parsed (missing file, bad JSON, wrong key). */
export class PoolLoadError extends TellerError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('pool_load', message, false, options);
  }
}

/**
 * A pool file whose entries are invalid: every bad or duplicate entry is in `problems`, one
 * `file:line: reason` string each, so the operator fixes the file in one go.
 */
export class PoolError extends TellerError {
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super('pool_invalid', message);
  }
}

/** No unused deposit address is left. The text is teller's (`addrs.ErrDepositAddressEmpty`). */
export class PoolExhaustedError extends TellerError {
  constructor(readonly coin: string) {
    super('pool_empty', 'Deposit address pool is empty');
  }
}

/** An address the pool does not hold was marked used: a caller bug, never an operator error. */
export class PoolUnknownAddressError extends TellerError {
  constructor(coin: string, address: string) {
    super('pool_unknown_address', `${coin} address ${address} is not in the deposit address pool`);
  }
}

/** Bad input to the address generators or their CLIs (no count, bad mnemonic, file exists...). */
export class GenerateError extends TellerError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('pool_generate', message, false, options);
  }
}

/**
 * An error's message, also for errors from another realm (Node's fs errors inside jest's sandbox
 * fail `instanceof Error`, and util's errorMessage would then print "Error: ..." twice over).
 */
export function reasonOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') {
    return err.message;
  }
  return String(err);
}

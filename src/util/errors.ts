/** Options of every TellerError: `cause` is the error it was built from (ES2022 Error cause). */
export interface TellerErrorOptions {
  cause?: unknown;
}

/**
 * Base of every error the daemon raises on purpose. `code` is stable (logs, tests, HTTP mapping);
 * an area with a fixed list of codes passes it as `C`, so that a misspelt code fails typecheck.
 * `retryable` says whether trying the same step again later can succeed. `cause` keeps the error
 * it was built from, so that its stack reaches the log (pino prints the chain).
 */
export class TellerError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    readonly retryable = false,
    options?: TellerErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

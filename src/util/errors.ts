/**
 * Base of every error the daemon raises on purpose. `code` is stable (logs, tests, HTTP mapping);
 * `retryable` says whether trying the same step again later can succeed.
 */
export class TellerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

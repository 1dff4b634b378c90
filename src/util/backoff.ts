/**
 * The one back-off policy of the daemon (RPC retries, scanner polls, payout and passthrough steps,
 * alert delivery): exponential from `baseMs`, capped at `capMs`, with jitter (50-100 % of the
 * step, the cap included) so that many retries started together do not stay in step.
 * `attempt` counts from 0 (the first retry waits about `baseMs`).
 */
export const backoffDelayMs = (
  attempt: number,
  baseMs: number,
  capMs: number,
  random = Math.random,
): number => Math.round(Math.min(capMs, baseMs * 2 ** attempt) * (0.5 + random() * 0.5));

/** Waits `ms`; an abort ends the wait early (resolving, not rejecting: the caller checks its signal). */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

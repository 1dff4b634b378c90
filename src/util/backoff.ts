/** Exponential back-off, capped, with jitter (50-100 % of the step) so clients do not sync up. */
export const backoffDelayMs = (
  attempt: number,
  baseMs: number,
  capMs: number,
  random = Math.random,
): number => Math.round(Math.min(capMs, baseMs * 2 ** attempt) * (0.5 + random() * 0.5));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

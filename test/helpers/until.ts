/**
 * The one deadline wait of the test suite. For state with no event to wait on (a store record, a
 * log line, a scanner's height): probe it until it holds, never a fixed sleep. The deadline is
 * generous (the suite runs beside CPU burners on two cores); it only costs time when a test fails.
 */
export const DEADLINE_MS = 30_000;

const show = (v: unknown): string => {
  if (v instanceof Error) return `error: ${v.message}`;
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x)) ?? String(v);
  } catch {
    return String(v);
  }
};

/**
 * Probes every `everyMs` until `done(value)` holds and returns that value; after `timeoutMs` throws
 * naming `what` and the last value seen (a probe that throws fails the wait at once).
 */
export async function untilValue<T>(
  what: string,
  probe: () => T | Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = DEADLINE_MS,
  everyMs = 5,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${show(v)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits for `done` to hold, checking it every `everyMs`; throws naming `what` after `timeoutMs`. */
export async function until(
  what: string,
  done: () => boolean | Promise<boolean>,
  timeoutMs = DEADLINE_MS,
  everyMs = 5,
): Promise<void> {
  await untilValue(what, done, (ok) => ok, timeoutMs, everyMs);
}

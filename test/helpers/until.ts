/**
 * Waits for `done` to hold, checking it every 5 ms; throws naming `what` after `timeoutMs`. For
 * state with no event to wait on (a store record, a log line): a deadline, never a fixed sleep.
 */
export async function until(
  what: string,
  done: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

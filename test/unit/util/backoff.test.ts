import { backoffDelayMs, sleep } from '../../../src/util/backoff';

describe('backoffDelayMs (the one back-off: RPC, scanner, exchange, passthrough, alerts)', () => {
  it.each([
    // attempt, base, cap, random, delay
    [0, 100, 1000, 0, 50],
    [0, 100, 1000, 1, 100],
    [3, 100, 1000, 1, 800],
    [4, 100, 1000, 1, 1000],
    [10, 100, 1000, 0, 500],
    [5000, 250, 10_000, 1, 10_000],
  ])('attempt %i from %i ms capped at %i ms, random %f: %i ms', (attempt, base, cap, r, delay) => {
    expect(backoffDelayMs(attempt, base, cap, () => r)).toBe(delay);
  });
});

describe('sleep', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resolves after the delay', async () => {
    let done = false;
    const p = sleep(1000).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);
  });

  it('ends early on abort, and at once when already aborted', async () => {
    const ac = new AbortController();
    let done = false;
    const p = sleep(60_000, ac.signal).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(10);
    expect(done).toBe(false);
    ac.abort();
    await p;
    expect(done).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
    await sleep(60_000, ac.signal);
  });
});

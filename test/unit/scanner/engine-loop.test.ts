import { ChainScanner } from '../../../src/scanner/engine';
import type { Store } from '../../../src/store/store';
import { FakeChain, captureLog, config, tempStore, waitFor } from './fake-chain';

/**
 * The scanner's poll loop under fake timers: one loop per scanner, a rescan that pauses it, and
 * nothing after stop(). Only setTimeout/clearTimeout/Date are faked: LevelDB's I/O stays real, and
 * the polls counted here do no store I/O (the chain does not grow), so a clock advance runs them.
 */

const PERIOD_MS = 1_000;

/** A settled-later promise: `open()` releases whoever waits on `wait`. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

describe('ChainScanner poll loop (fake timers)', () => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ store, cleanup } = await tempStore());
  });
  afterEach(async () => {
    jest.useRealTimers();
    await cleanup();
  });

  /** A scanner whose cursor is already at the chain's tip (its polls write nothing). */
  async function caughtUp() {
    const chain = new FakeChain(10);
    await store.write([
      { type: 'put', space: 'scan', key: 'BTC!cursor', value: { height: 10, hash: '10-0' } },
      {
        type: 'put',
        space: 'scan',
        key: `BTC!block!${String(10).padStart(12, '0')}`,
        value: { height: 10, hash: '10-0', parentHash: '9-0' },
      },
    ]);
    let polls = 0;
    let hold: Promise<void> | null = null;
    const tipHeight = chain.tipHeight.bind(chain);
    chain.tipHeight = async () => {
      polls++;
      if (hold) await hold;
      return tipHeight();
    };
    jest.useFakeTimers({
      doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance'],
    });
    const cap = captureLog();
    const scanner = new ChainScanner({
      source: chain,
      store,
      config: config({ scan_period_ms: PERIOD_MS }),
      log: cap.log,
    });
    await scanner.start(async () => undefined);
    return {
      scanner,
      chain,
      polls: () => polls,
      holdNextPoll: () => {
        const g = gate();
        hold = g.wait;
        return () => {
          hold = null;
          g.open();
        };
      },
    };
  }

  it('polls once per scan period', async () => {
    const { scanner, polls } = await caughtUp();
    await jest.advanceTimersByTimeAsync(0);
    expect(polls()).toBe(1);
    await jest.advanceTimersByTimeAsync(4 * PERIOD_MS);
    expect(polls()).toBe(5);
    await scanner.stop();
  });

  it('a rescan during a poll pauses the loop and resumes the same one (no second loop)', async () => {
    const { scanner, polls, holdNextPoll } = await caughtUp();
    await jest.advanceTimersByTimeAsync(0);
    expect(polls()).toBe(1);
    const release = holdNextPoll();
    await jest.advanceTimersByTimeAsync(PERIOD_MS);
    expect(polls()).toBe(2); // poll 2 is in flight, stuck in tipHeight
    let rescanned = false;
    const rescan = scanner.rescanFrom(11).then((r) => {
      rescanned = true;
      return r;
    });
    await jest.advanceTimersByTimeAsync(0);
    expect(rescanned).toBe(false); // the rescan waits for the poll in flight
    const before = polls();
    release();
    const result = await rescan;
    expect(result).toMatchObject({ from_height: 11, previous_height: 10 });
    // The loop polls at once after a rescan, then once per period: 1 + 4 in 4 periods.
    await jest.advanceTimersByTimeAsync(4 * PERIOD_MS);
    expect(polls() - before).toBe(5);
    await scanner.stop();
    const atStop = polls();
    await jest.advanceTimersByTimeAsync(10 * PERIOD_MS);
    expect(polls()).toBe(atStop);
  });

  it('two rescans at once run one after the other; the loop stays single', async () => {
    const { scanner, polls } = await caughtUp();
    await jest.advanceTimersByTimeAsync(0);
    const before = polls();
    const [a, b] = await Promise.all([scanner.rescanFrom(11), scanner.rescanFrom(11)]);
    expect(a.previous_height).toBe(10);
    expect(b.previous_height).toBe(10);
    // One poll right after the rescans (the loop was asleep), then one per period.
    await jest.advanceTimersByTimeAsync(3 * PERIOD_MS);
    expect(polls() - before).toBe(4);
    await scanner.stop();
  });

  it('nothing polls after stop(), even right after a rescan of a poll in flight', async () => {
    const { scanner, polls, holdNextPoll } = await caughtUp();
    await jest.advanceTimersByTimeAsync(0);
    const release = holdNextPoll();
    await jest.advanceTimersByTimeAsync(PERIOD_MS);
    const rescan = scanner.rescanFrom(11);
    release();
    await rescan;
    await scanner.stop();
    const atStop = polls();
    await jest.advanceTimersByTimeAsync(10 * PERIOD_MS);
    expect(polls()).toBe(atStop);
  });

  it('stop() during a poll waits for it and nothing runs afterwards', async () => {
    const { scanner, polls, holdNextPoll } = await caughtUp();
    await jest.advanceTimersByTimeAsync(0);
    const release = holdNextPoll();
    await jest.advanceTimersByTimeAsync(PERIOD_MS);
    let stopped = false;
    const stopping = scanner.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    release();
    await stopping;
    const atStop = polls();
    await jest.advanceTimersByTimeAsync(10 * PERIOD_MS);
    expect(polls()).toBe(atStop);
    await expect(scanner.rescanFrom(5)).rejects.toThrow(/not running/);
  });

  it('a rescan while polls keep failing does not add a loop', async () => {
    const { scanner, chain, polls } = await caughtUp();
    await jest.advanceTimersByTimeAsync(0);
    chain.down = new Error('connect ECONNREFUSED');
    await jest.advanceTimersByTimeAsync(PERIOD_MS);
    chain.down = null;
    const before = polls();
    await scanner.rescanFrom(11);
    await jest.advanceTimersByTimeAsync(4 * PERIOD_MS);
    expect(polls() - before).toBe(5);
    await scanner.stop();
  });
});

describe('ChainScanner rescan during a catch-up', () => {
  it('stops the catch-up between batches, rescans, and goes on from the rescan height', async () => {
    const { store, cleanup } = await tempStore();
    const chain = new FakeChain(100);
    const third = gate();
    const entered = gate();
    const blocks = chain.blocks.bind(chain);
    let calls = 0;
    chain.blocks = async (from, to) => {
      if (++calls === 3) {
        entered.open();
        await third.wait;
      }
      return blocks(from, to);
    };
    const cap = captureLog();
    const scanner = new ChainScanner({ source: chain, store, config: config(), log: cap.log, batchSize: 10 });
    try {
      await scanner.start(async () => undefined);
      await entered.wait; // batches 0..9 and 10..19 are committed, 20..29 is being fetched
      const rescan = scanner.rescanFrom(5);
      third.open();
      expect(await rescan).toMatchObject({ from_height: 5, previous_height: 29 });
      await waitFor(() => scanner.status().height === 100, 'scan to the tip');
      expect(chain.fetched.slice(0, 4)).toEqual([
        [0, 9],
        [10, 19],
        [20, 29],
        [5, 14],
      ]);
    } finally {
      await scanner.stop();
      await cleanup();
    }
  });
});

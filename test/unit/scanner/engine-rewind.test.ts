import { depositIdOf, type ScannedDeposit } from '../../../src/core/deposit';
import { ChainScanner } from '../../../src/scanner/engine';
import { rescanStoredCursor } from '../../../src/scanner/rescan';
import type { RewoundState } from '../../../src/scanner/types';
import type { Store } from '../../../src/store/store';
import { FakeChain, captureLog, config, fullPolls, pay, tempStore, waitFor } from './fake-chain';

/**
 * Rescans rewind the scan state as reorgs do (issue 16 item 1): a deposit whose block is gone is
 * never handed over because of an entry the rescan left behind, and a deposit already handed over
 * is held by the exchange until it is found again on the chain (or alerted as a loss if paid).
 */

const A = 'addr-a';

/** The exchange as the scanner sees it: records each deposit once, holds rewound unpaid ones. */
function fakeExchange() {
  const state = new Map<string, 'unpaid' | 'paid' | 'held'>();
  const received: ScannedDeposit[] = [];
  const rewound: string[] = [];
  return {
    state,
    received,
    rewound,
    receive: async (d: ScannedDeposit): Promise<void> => {
      received.push(d);
      const id = depositIdOf(d);
      if (state.get(id) !== 'paid') state.set(id, 'unpaid');
    },
    onRewound: async (d: ScannedDeposit): Promise<RewoundState> => {
      const id = depositIdOf(d);
      rewound.push(id);
      const s = state.get(id);
      if (s === undefined) return 'none';
      if (s === 'paid') return 'paid';
      state.set(id, 'held');
      return 'held';
    },
  };
}

describe('ChainScanner rewinds on a rescan (fake chain, real store)', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const scanners: ChainScanner[] = [];

  beforeEach(async () => {
    ({ store, cleanup } = await tempStore());
  });
  afterEach(async () => {
    for (const s of scanners.splice(0)) await s.stop();
    await cleanup();
  });

  async function run(
    chain: FakeChain,
    ex: ReturnType<typeof fakeExchange>,
    over: Parameters<typeof config>[0] = {},
  ) {
    const cap = captureLog();
    const scanner = new ChainScanner({
      source: chain,
      store,
      config: config({ confirmations_required: 3, ...over }),
      log: cap.log,
      batchSize: 10,
    });
    scanners.push(scanner);
    scanner.watch('BTC', A);
    await scanner.start(ex.receive, undefined, ex.onRewound);
    const scanned = () =>
      waitFor(() => scanner.status().height === chain.tip && scanner.status().tip === chain.tip, 'tip');
    return { scanner, scanned, ...cap };
  }

  async function restart(scanner: ChainScanner): Promise<void> {
    await scanner.stop();
    scanners.splice(scanners.indexOf(scanner), 1);
  }

  it('offline: a seen deposit whose block was reorged away is not handed over after a rescan', async () => {
    const chain = new FakeChain(104);
    const ex = fakeExchange();
    const first = await run(chain, ex);
    chain.mine(1, [[pay(A, 70n, 'gone')]]); // 105, seen at 1 of 3 confirmations
    await waitFor(() => first.scanner.pending(A).length === 1, 'seen');
    await restart(first.scanner);
    // While teller is down the node drops 105 (the tx is never mined again) and grows to 110.
    chain.reorg(1, 6);
    await rescanStoredCursor(store, 'BTC', 100);
    const second = await run(chain, ex);
    await second.scanned();
    await fullPolls(chain);
    expect(second.scanner.pending(A)).toEqual([]);
    expect(ex.received).toEqual([]);
    expect(second.scanner.status().alert).toBe('');
  });

  it('online: the same through rescanFrom, before the scanner noticed the reorg itself', async () => {
    const chain = new FakeChain(104);
    const ex = fakeExchange();
    // One poll a minute: the only polls are the first and the one the rescan wakes.
    const { scanner, scanned } = await run(chain, ex, { scan_period_ms: 60_000 });
    await scanned();
    chain.mine(1, [[pay(A, 70n, 'gone')]]);
    await scanner.rescanFrom(105); // wakes the loop: 105 is scanned
    await waitFor(() => scanner.pending(A).length === 1, 'seen');
    chain.reorg(1, 6);
    const r = await scanner.rescanFrom(100);
    expect(r).toMatchObject({ from_height: 100, previous_height: 105, cursor: { height: 99, hash: '99-0' } });
    await scanned();
    // A rescan from tip + 1 changes nothing but waits for the poll in flight to end.
    await scanner.rescanFrom(chain.tip + 1);
    expect(scanner.pending(A)).toEqual([]);
    expect(ex.received).toEqual([]);
  });

  it('a rescan without a reorg finds a seen deposit again and hands it over once confirmed', async () => {
    const chain = new FakeChain(104);
    const ex = fakeExchange();
    const { scanner, scanned } = await run(chain, ex);
    chain.mine(1, [[pay(A, 70n, 'stays')]]);
    await waitFor(() => scanner.pending(A).length === 1, 'seen');
    await scanner.rescanFrom(100);
    await waitFor(() => scanner.pending(A).length === 1, 'seen again');
    chain.mine(2);
    await scanned();
    await waitFor(() => ex.received.length === 1, 'hand-over');
    expect(ex.received[0]).toMatchObject({ tx: 'stays', height: 105 });
    // Asked once whether it was handed over after all (engine-handed-unmarked.test.ts): it was not.
    expect(ex.rewound).toEqual(['stays:0']);
    expect(ex.state.get('stays:0')).toBe('unpaid');
  });

  it('a handed-over deposit is held at the rescan and handed over again once found again', async () => {
    const chain = new FakeChain(104);
    const ex = fakeExchange();
    const { scanner, scanned, msgs } = await run(chain, ex);
    chain.mine(3, [[pay(A, 70n, 'kept')]]);
    await waitFor(() => ex.received.length === 1, 'hand-over');
    const r = await scanner.rescanFrom(100);
    expect(r).toMatchObject({ handed_rechecked: 1 });
    // Held before the rescan returned: no payout while the deposit is not confirmed again.
    expect(ex.rewound).toEqual(['kept:0']);
    expect(ex.state.get('kept:0')).toBe('held');
    await scanned();
    await waitFor(() => ex.received.length === 2, 'second hand-over');
    expect(ex.state.get('kept:0')).toBe('unpaid');
    expect(ex.received[1]).toMatchObject({ tx: 'kept', height: 105 });
    expect(scanner.status().alert).toBe('');
    expect(msgs('held until it is found again')[0]).toMatchObject({ level: 40, depositId: 'kept:0' });
  });

  it.each([
    ['unpaid', 'held', /payout is held until it is seen again/],
    ['paid', 'paid', /it was paid: a loss/],
  ] as const)(
    'offline reorg + rescan: an %s handed-over deposit no longer on the chain raises the alert',
    async (before, after, alert) => {
      const chain = new FakeChain(104);
      const ex = fakeExchange();
      const first = await run(chain, ex);
      chain.mine(3, [[pay(A, 70n, 'lost')]]);
      await waitFor(() => ex.received.length === 1, 'hand-over');
      await restart(first.scanner);
      if (before === 'paid') ex.state.set('lost:0', 'paid');
      chain.reorg(3, 6); // 105..107 replaced: the tx is gone
      await rescanStoredCursor(store, 'BTC', 100);
      const second = await run(chain, ex);
      await second.scanned();
      await waitFor(() => second.scanner.status().alert !== '', 'alert');
      expect(second.scanner.status().alert).toMatch(alert);
      expect(second.scanner.status().alert).toMatch(/lost:0/);
      expect(second.msgs('no longer on the chain')[0]).toMatchObject({ level: 50, depositId: 'lost:0' });
      expect(ex.state.get('lost:0')).toBe(after);
      await fullPolls(chain);
      expect(ex.received).toHaveLength(1);
      if (before === 'paid') return;
      // Mined again later: found on the canonical chain, confirmed, handed over, released.
      chain.mine(3, [[pay(A, 70n, 'lost')]]);
      await waitFor(() => ex.received.length === 2, 'hand-over of the re-mined deposit');
      expect(ex.received[1]).toMatchObject({ height: 111 });
      expect(ex.state.get('lost:0')).toBe('unpaid');
    },
  );

  it('a reorg deeper than the confirmations holds the handed-over deposit at once', async () => {
    const chain = new FakeChain(30);
    const ex = fakeExchange();
    const { scanner } = await run(chain, ex, { confirmations_required: 1 });
    chain.mine(1, [[pay(A, 1n, 'deep')]]);
    await waitFor(() => ex.received.length === 1, 'hand-over');
    // The node's chain gets shorter: the cursor cannot pass 31 yet, but the payout must wait.
    chain.reorg(1, 0);
    await waitFor(() => ex.state.get('deep:0') === 'held', 'hold');
    expect(scanner.status().alert).toBe('');
    chain.mine(2);
    await waitFor(() => scanner.status().alert !== '', 'alert');
    expect(scanner.status().alert).toMatch(/deep:0/);
  });
});

import type { ScannerConfig } from '../config/types';
import type { ScannedDeposit } from '../core/deposit';
import type { Store } from '../store/store';
import { TellerError, errorMessage } from '../util/errors';
import { rescanState, type RescanResult } from './rescan';
import { backoffDelayMs } from '../util/backoff';
import type { Logger } from '../util/logger';
import { PollLoop } from './engine-loop';
import { CatchUpProgress } from './engine-progress';
import { ScannerChainError, findCommonAncestor, linkBlocks } from './engine-reorg';
import { RewoundDeposits } from './engine-recheck';
import { ScanState, depositFields } from './engine-state';
import type {
  BlockSource,
  DepositHandler,
  RewindHandler,
  Scanner,
  ScannerStatus,
  SightingHandler,
  SourceBlock,
} from './types';

export { ScannerChainError } from './engine-reorg';

/**
 * The chain scanner shared by BTC and ETH: a BlockSource gives blocks, the engine keeps the cursor,
 * detects reorgs, counts confirmations and hands confirmed deposits to the exchange.
 *
 * Each poll: read the tip, check the cursor block is still on the main chain, scan forward in
 * batches (every block's parent must be the previous block), commit each batch in one store batch
 * (deposits, refs, cursor: see engine-state.ts for the key layout), then hand over every seen
 * deposit with `tip - height + 1 >= confirmations_required` (at least the block itself).
 *
 * A reorg walks back through the stored refs to the common ancestor and rewinds there (the same
 * rewind as a rescan's: ScanState.rewind): the deposits of the orphaned blocks are un-credited and
 * count again only if the scan finds them again. Deposits already handed over (a reorg deeper than
 * the confirmation depth) are held by the exchange until found again; one not found again raises
 * an `error` log and `status().alert` (engine-recheck.ts). No ancestor within the stored window
 * stops the scanner (alert) until an operator restarts it.
 *
 * One loop per scanner (engine-loop.ts): poll, sleep, poll. A poll and a rescan never overlap: a
 * rescan asks the poll in flight to stop between batches, waits for it, rewinds, and wakes the
 * loop; stop() aborts the sleep and waits for the loop to end, after which nothing runs.
 *
 * Source errors never end the loop: it retries with exponential back-off and jitter, capped at the
 * scan period. At start, a source init error that is a non-retryable TellerError (wrong network,
 * wrong credentials) fails `start()`; any other (node down) is retried by the loop.
 */

export interface ChainScannerOptions {
  source: BlockSource;
  store: Store;
  config: ScannerConfig;
  log: Logger;
  /** Blocks per `source.blocks` request (default 50). */
  batchSize?: number;
  /** Catch-up progress log interval (default 5 s). */
  progressIntervalMs?: number;
}

const DEFAULT_SCAN_PERIOD_MS = 5_000;
const DEFAULT_BATCH_BLOCKS = 50;
const DEFAULT_PROGRESS_MS = 5_000;
const MIN_REF_WINDOW_BLOCKS = 100;
const RETRY_BASE_MS = 250;

export class ChainScanner implements Scanner {
  readonly chain: string;
  readonly coins: readonly string[];
  private readonly source: BlockSource;
  private readonly config: ScannerConfig;
  private readonly log: Logger;
  private readonly state: ScanState;
  private readonly periodMs: number;
  private readonly batchSize: number;
  /** Block refs (and handed markers) kept below the cursor for the reorg walk-back. */
  private readonly window: number;
  private readonly required: number;
  private readonly progress: CatchUpProgress;
  private readonly watchedByCoin = new Map<string, Set<string>>();
  private readonly rewound: RewoundDeposits;

  private controller: AbortController | null = null;
  /** One loop per scanner, paused by rescans (engine-loop.ts). */
  private readonly loop = new PollLoop((signal) => this.poll(signal));
  private onDeposit: DepositHandler | null = null;
  private onSeen: SightingHandler | null = null;
  private sourceReady = false;
  private tip = -1;
  /** Counts the changes of `tip` (pendingStamp). */
  private tipChanges = 0;
  private failures = 0;
  private lastError = '';
  private alert = '';
  /** Set when no common ancestor was found: scanning on would credit a chain we cannot place. */
  private halted = false;

  constructor(opts: ChainScannerOptions) {
    this.source = opts.source;
    this.chain = opts.source.chain;
    this.coins = opts.source.coins;
    this.config = opts.config;
    this.log = opts.log.child({ scanner: this.chain });
    this.state = new ScanState(opts.store, this.chain);
    this.periodMs = opts.config.scan_period_ms > 0 ? opts.config.scan_period_ms : DEFAULT_SCAN_PERIOD_MS;
    this.batchSize = Math.max(1, opts.batchSize ?? DEFAULT_BATCH_BLOCKS);
    this.required = Math.max(1, opts.config.confirmations_required);
    this.window = Math.max(MIN_REF_WINDOW_BLOCKS, 2 * this.required);
    this.progress = new CatchUpProgress(this.log, opts.progressIntervalMs ?? DEFAULT_PROGRESS_MS);
    this.rewound = new RewoundDeposits(this.state, this.log, this.required);
  }

  watch(coin: string, address: string): void {
    let set = this.watchedByCoin.get(coin);
    if (!set) this.watchedByCoin.set(coin, (set = new Set()));
    if (set.has(address)) return;
    this.source.watch(coin, address);
    set.add(address);
  }

  watched(coin: string): string[] {
    return [...(this.watchedByCoin.get(coin) ?? [])];
  }

  async start(onDeposit: DepositHandler, onSeen?: SightingHandler, onRewound?: RewindHandler): Promise<void> {
    if (this.controller) throw new TellerError('scanner_started', `${this.chain} scanner is already running`);
    if (!this.config.enabled) {
      this.log.info('scanner disabled');
      return;
    }
    await this.state.load();
    // Deposits seen before this start (by a build that froze no terms at sighting) get them now.
    this.onSeen = onSeen ?? null;
    await this.onSeen?.(this.state.seenDeposits().map((s) => s.deposit));
    // Before the first poll (and before the exchange resumes payouts: src/app.ts starts the scanners
    // first): deposits a rewind took back, maybe by an offline rescan, stay held.
    this.rewound.handler = onRewound ?? null;
    this.rewound.toHold(this.state.rechecking());
    await this.rewound.hold();
    try {
      await this.source.init();
      this.sourceReady = true;
    } catch (err) {
      if (err instanceof TellerError && !err.retryable) throw err;
      this.noteFailure(err);
    }
    this.onDeposit = onDeposit;
    this.controller = new AbortController();
    const cursor = this.state.cursor;
    this.log.info(
      { height: cursor?.height ?? -1, hash: cursor?.hash ?? '', seen: this.state.seenDeposits().length },
      cursor
        ? 'scanner resuming from cursor'
        : `scanner starting at height ${this.config.initial_scan_height}`,
    );
    this.loop.start(this.controller.signal);
  }

  /** Stops polling; resolves once the in-flight poll (if any) has finished, then closes the source. */
  async stop(): Promise<void> {
    const controller = this.controller;
    if (!controller) return;
    controller.abort();
    await this.loop.ended();
    this.controller = null;
    // Only releases connections (keep-alive sockets): a later start() reconnects.
    await this.source.close?.();
    this.log.info('scanner stopped');
  }

  status(): ScannerStatus {
    const cursor = this.state.cursor;
    const height = cursor?.height ?? -1;
    const scanned = cursor ? cursor.height : this.config.initial_scan_height - 1;
    return {
      chain: this.chain,
      enabled: this.config.enabled,
      height,
      hash: cursor?.hash ?? '',
      tip: this.tip,
      lag: this.tip >= 0 ? Math.max(0, this.tip - scanned) : 0,
      last_error: this.lastError,
      alert: this.alert,
    };
  }

  /**
   * Rescans from `height` while running (admin API): pauses the loop (waits for the poll in
   * flight, which stops between batches), rewinds as the offline `teller rescan` and a reorg do
   * (rescan.ts), has the exchange hold the handed-over deposits taken back, and wakes the loop to
   * poll at once. Deposits found again are handed over again; the exchange records each id once.
   */
  async rescanFrom(height: number): Promise<RescanResult> {
    if (!this.controller || this.controller.signal.aborted) {
      throw new TellerError('bad_rescan', `${this.chain} scanner is not running`);
    }
    const result = await this.loop.between(async () => {
      const { result: r, rechecked } = await rescanState(this.state, height);
      this.rewound.toHold(rechecked);
      await this.rewound.hold();
      return r;
    });
    this.log.warn(
      {
        from: height,
        previous: result.previous_height,
        uncredited: result.seen_removed,
        rechecked: result.handed_rechecked,
      },
      'rescan requested',
    );
    return result;
  }

  /** Clears the alert once an operator has dealt with it (a halted scanner still needs a restart). */
  acknowledgeAlert(): void {
    if (!this.halted) this.alert = '';
  }

  pending(address: string): { deposit: ScannedDeposit; confirmations: number; required: number }[] {
    return this.state.seenOn(address).map((s) => ({
      deposit: s.deposit,
      confirmations: this.confirmations(s.deposit.height),
      required: this.required,
    }));
  }

  pendingStamp(): number {
    // Both counts only grow: their sum changes whenever either does.
    return this.state.seenChanges + this.tipChanges;
  }

  private confirmations(height: number): number {
    return this.tip >= height ? this.tip - height + 1 : 0;
  }

  /** A catch-up stops between batches when the scanner stops or a rescan waits. */
  private interrupted(signal: AbortSignal): boolean {
    return signal.aborted || this.loop.pausing;
  }

  /** One poll; resolves to the delay before the next (the period, or a back-off after a failure). */
  private async poll(signal: AbortSignal): Promise<number> {
    let delay = this.periodMs;
    try {
      if (!this.sourceReady) {
        await this.source.init();
        this.sourceReady = true;
      }
      await this.step(signal);
      if (this.failures > 0) this.log.info({ failures: this.failures }, 'scanner recovered');
      this.failures = 0;
      this.lastError = '';
    } catch (err) {
      this.noteFailure(err);
      delay = backoffDelayMs(this.failures - 1, RETRY_BASE_MS, this.periodMs);
    }
    return delay;
  }

  private noteFailure(err: unknown): void {
    this.failures++;
    this.lastError = errorMessage(err);
    const permanent = err instanceof TellerError && !err.retryable;
    const fields = { err: this.lastError, failures: this.failures };
    // An error the node will not fix by itself (credentials, network) needs an operator.
    if (permanent) this.log.error(fields, 'scanner poll failed; retrying');
    else this.log.warn(fields, 'scanner poll failed; retrying');
  }

  /** One poll: tip, reorg check, scan forward to the tip, hand over confirmed deposits. */
  private async step(signal: AbortSignal): Promise<void> {
    const tip = await this.source.tipHeight();
    if (tip !== this.tip) this.tipChanges++;
    this.tip = tip;
    if (this.halted) return;
    await this.rewound.hold();
    const cursor = this.state.cursor;
    // A cursor hash of '' (an offline rescan beyond the stored window) is taken on trust.
    if (cursor && cursor.hash !== '') {
      const hash = await this.source.hashAt(cursor.height);
      if (hash !== cursor.hash) await this.reorg(`block ${cursor.height} is now ${hash ?? 'gone'}`);
    }
    this.progress.update(this.nextHeight() - 1, this.tip);
    while (!this.interrupted(signal) && !this.halted) {
      const from = this.nextHeight();
      if (from > this.tip) break;
      const to = Math.min(this.tip, from + this.batchSize - 1);
      const blocks = await this.source.blocks(from, to);
      if (blocks.length === 0) throw new ScannerChainError(`source returned no blocks for ${from}..${to}`);
      const { linked, broken } = linkBlocks(blocks, from, this.state.cursor);
      await this.commit(linked);
      if (broken) await this.reorg(broken);
      await this.resolveRewound();
      this.progress.update(this.state.cursor?.height ?? from - 1, this.tip);
      await this.handOver(signal);
    }
    await this.resolveRewound();
    const scanned = this.state.cursor?.height ?? 0;
    if (scanned > this.window) await this.state.prune(scanned - this.window);
    await this.handOver(signal);
  }

  private async resolveRewound(): Promise<void> {
    const alert = await this.rewound.resolvePassed();
    if (alert !== '') this.alert = alert;
  }

  private nextHeight(): number {
    const cursor = this.state.cursor;
    return Math.max(this.config.initial_scan_height, cursor ? cursor.height + 1 : 0);
  }

  private async commit(blocks: SourceBlock[]): Promise<void> {
    if (blocks.length === 0) return;
    // Terms are frozen before the sighting is stored: every stored seen deposit has them.
    const found = blocks.flatMap((b) => b.deposits.map((d) => ({ ...d, height: b.height })));
    if (found.length > 0) await this.onSeen?.(found);
    const { added, refound } = await this.state.commitBlocks(blocks);
    this.rewound.refound(refound);
    for (const b of blocks) {
      this.log.debug({ height: b.height, hash: b.hash, deposits: b.deposits.length }, 'block scanned');
    }
    for (const s of added) {
      this.log.info(
        { ...depositFields(s), confirmations: this.confirmations(s.deposit.height), required: this.required },
        'deposit seen',
      );
    }
  }

  /** Hands every confirmed seen deposit to the exchange; a failing one stays for the next poll. */
  private async handOver(signal: AbortSignal): Promise<void> {
    const handler = this.onDeposit;
    if (!handler) return;
    for (const s of this.state.seenDeposits()) {
      if (this.interrupted(signal)) return;
      if (this.confirmations(s.deposit.height) < this.required) continue;
      try {
        await handler(s.deposit);
      } catch (err) {
        this.log.warn({ ...depositFields(s), err }, 'deposit hand-over failed; retrying next poll');
        continue;
      }
      await this.state.markHanded(s);
      this.log.info(
        { ...depositFields(s), confirmations: this.confirmations(s.deposit.height) },
        'deposit handed over',
      );
    }
  }

  /** Walks back to the common ancestor, un-credits orphaned deposits and rewinds the cursor. */
  private async reorg(reason: string): Promise<void> {
    const cursor = this.state.cursor;
    if (!cursor) return;
    const ancestor = await findCommonAncestor({
      source: this.source,
      state: this.state,
      cursor,
      window: this.window,
      initialHeight: this.config.initial_scan_height,
    });
    if (!ancestor) {
      this.halted = true;
      this.alert =
        `${this.chain} reorg deeper than the ${this.window} stored blocks below height ${cursor.height}: ` +
        'scanning stopped; check the node and restart teller';
      this.log.error({ height: cursor.height, hash: cursor.hash, reason, window: this.window }, this.alert);
      return;
    }
    if (ancestor.height >= cursor.height) {
      // The parent link broke but our blocks are all still on the chain: the source is inconsistent
      // (a reorg between two of its calls). Retry the poll rather than loop.
      throw new ScannerChainError(`chain changed while scanning (${reason}); retrying`);
    }
    // An ancestor below the first scanned block (hash unknown): scanning restarts at initial_scan_height.
    const { unseen, rechecked, unmarked } = await this.state.rewind(ancestor.hash === '' ? null : ancestor);
    this.log.warn(
      {
        from: cursor.height,
        to: ancestor.height,
        depth: cursor.height - ancestor.height,
        reason,
        uncredited: unseen.length,
        rechecked: rechecked.length,
      },
      'reorg: rewound to the common ancestor',
    );
    for (const s of unseen) this.log.info(depositFields(s), 'deposit un-credited: its block was orphaned');
    this.rewound.toHold([...rechecked, ...unmarked]);
    await this.rewound.hold();
  }
}

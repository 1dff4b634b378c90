import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { ScannerConfig } from '../../../src/config/types';
import type { ScannedDeposit } from '../../../src/core/deposit';
import { ChainScanner, type ChainScannerOptions } from '../../../src/scanner/engine';
import { Store } from '../../../src/store/store';
import type { Logger } from '../../../src/util/logger';
import type { BlockSource, SourceBlock } from '../../../src/scanner/types';
import { until } from '../../helpers/until';

/** A payment in a fake block; the source reports it only if `address` is watched. */
export interface Pay {
  address: string;
  value: bigint;
  tx: string;
  n: number;
}

interface FakeBlock {
  hash: string;
  parentHash: string;
  pays: Pay[];
}

/**
 * A scripted in-memory chain behind the BlockSource contract: mine, reorg, fail, hang. Hashes name
 * their branch (`<height>-<branch>`), so a reorged block at the same height has a new hash.
 */
export class FakeChain implements BlockSource {
  readonly chain = 'BTC';
  readonly coins = ['BTC'];
  readonly blocksByHeight: FakeBlock[] = [];
  readonly watchedAddrs = new Set<string>();
  private branch = 0;
  /** While set, every call rejects with it (the node is down). */
  down: Error | null = null;
  /** While set, `blocks()` never resolves (a process killed mid-scan). */
  hang = false;
  initError: Error | null = null;
  /** Requested ranges of `blocks()`, for assertions. */
  readonly fetched: [number, number][] = [];
  /** Calls of `tipHeight()`: every poll starts with one (see `fullPolls`). */
  tipCalls = 0;

  constructor(height = 0) {
    this.mine(height + 1);
  }

  get tip(): number {
    return this.blocksByHeight.length - 1;
  }

  /** Appends `n` blocks; `pays[i]` goes into the i-th new block. */
  mine(n: number, pays: Pay[][] = []): void {
    for (let i = 0; i < n; i++) {
      const height = this.blocksByHeight.length;
      const parentHash = height === 0 ? '' : this.blocksByHeight[height - 1].hash;
      this.blocksByHeight.push({ hash: `${height}-${this.branch}`, parentHash, pays: pays[i] ?? [] });
    }
  }

  /** Replaces the top `depth` blocks with `n` new ones on a new branch. */
  reorg(depth: number, n = depth, pays: Pay[][] = []): void {
    this.branch++;
    this.blocksByHeight.splice(this.blocksByHeight.length - depth, depth);
    this.mine(n, pays);
  }

  private check(): void {
    if (this.down) throw this.down;
  }

  async init(): Promise<void> {
    this.check();
    if (this.initError) throw this.initError;
  }

  watch(_coin: string, address: string): void {
    this.watchedAddrs.add(address);
  }

  async tipHeight(): Promise<number> {
    this.tipCalls++;
    this.check();
    return this.tip;
  }

  async hashAt(height: number): Promise<string | null> {
    this.check();
    return this.blocksByHeight[height]?.hash ?? null;
  }

  async blocks(from: number, to: number): Promise<SourceBlock[]> {
    this.check();
    this.fetched.push([from, to]);
    if (this.hang) return new Promise<never>(() => undefined);
    const out: SourceBlock[] = [];
    for (let h = from; h <= to; h++) {
      const b = this.blocksByHeight[h];
      if (!b) throw new Error(`no block ${h}`);
      const deposits: ScannedDeposit[] = b.pays
        .filter((p) => this.watchedAddrs.has(p.address))
        .map((p) => ({ coin_type: 'BTC', address: p.address, value: p.value, height: h, tx: p.tx, n: p.n }));
      out.push({ height: h, hash: b.hash, parentHash: b.parentHash, deposits });
    }
    return out;
  }
}

export const config = (over: Partial<ScannerConfig> = {}): ScannerConfig => ({
  enabled: true,
  scan_period_ms: 10,
  initial_scan_height: 0,
  confirmations_required: 1,
  ...over,
});

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A debug-level logger whose lines are kept for assertions. */
export function captureLog(): { log: Logger; lines: LogLine[]; msgs: (m: string) => LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s) as LogLine) });
  return { log, lines, msgs: (m) => lines.filter((l) => l.msg.includes(m)) };
}

export async function tempStore(): Promise<{ store: Store; dir: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'teller-scan-'));
  const store = await Store.open(dir);
  return {
    store,
    dir,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `until` (test/helpers/until.ts) with the condition first. */
export const waitFor = (cond: () => boolean, what: string, timeoutMs?: number): Promise<void> =>
  until(what, cond, timeoutMs);

/**
 * Resolves once a scanner on `chain` has run `n` whole polls after this call: polls run one at a
 * time and each starts with `tipHeight()`, so n + 1 starts mean n ended. Proves "nothing happened"
 * without a fixed sleep.
 */
export async function fullPolls(chain: FakeChain, n = 1): Promise<void> {
  const start = chain.tipCalls;
  await waitFor(() => chain.tipCalls >= start + n + 1, `${n} more polls`);
}

export const pay = (address: string, value: bigint, tx: string, n = 0): Pay => ({ address, value, tx, n });

/**
 * The rig of a describe block of scanner tests: a fresh store for each test (`rig.store`), and
 * every scanner made by `rig.scanner()` or passed to `rig.stopAfter()` stopped after the test,
 * before the store closes.
 */
export function scannerRig() {
  const scanners: ChainScanner[] = [];
  let cleanup: () => Promise<void> = async () => undefined;
  const rig = {
    store: undefined as unknown as Store,
    stopAfter(s: ChainScanner): ChainScanner {
      scanners.push(s);
      return s;
    },
    /** A scanner "killed" mid-poll: its poll never returns, so it is dropped, never stopped. */
    forget(s: ChainScanner): void {
      scanners.splice(scanners.indexOf(s), 1);
    },
    /** A scanner of `chain` on the test's store, logging to a capture, watching `watch` (BTC). */
    scanner(
      chain: FakeChain,
      opts: { config?: Partial<ScannerConfig>; watch?: string[] } & Omit<
        Partial<ChainScannerOptions>,
        'config'
      > = {},
    ) {
      const { config: over, watch = [], ...extra } = opts;
      const cap = captureLog();
      const scanner = rig.stopAfter(
        new ChainScanner({ source: chain, store: rig.store, config: config(over), log: cap.log, ...extra }),
      );
      for (const a of watch) scanner.watch('BTC', a);
      return { scanner, ...cap };
    },
  };
  beforeEach(async () => {
    ({ store: rig.store, cleanup } = await tempStore());
  });
  afterEach(async () => {
    for (const s of scanners.splice(0)) await s.stop();
    await cleanup();
  });
  return rig;
}

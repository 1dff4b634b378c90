import { depositIdOf, isTokenCoin, sameLegacyTransfer, type ScannedDeposit } from '../core/deposit';
import { prefixRange, type Op, type Store } from '../store/store';
import type { BlockRef, SourceBlock } from './types';

/**
 * The scanner engine's persistent state, in the store's `scan` space. Keys (heights padded to 12
 * digits so that key order is height order):
 *
 *   <chain>!cursor                          -> Cursor: the last scanned block
 *   <chain>!block!<height>                  -> BlockRef of every scanned block in the recent window
 *                                              (pruned below cursor - window): the reorg walk-back
 *   <chain>!seen!<height>!<txid>:<n>        -> SeenDeposit: found in a scanned block, not yet handed
 *   <chain>!handed!<height>!<txid>:<n>      -> HandedDeposit: handed over, kept for the same window
 *                                              so that a reorg deeper than the confirmation depth
 *                                              is noticed (and alerted) instead of passing silently
 *   <chain>!recheck!<height>!<txid>:<n>     -> HandedDeposit: handed over, then a rewind took its
 *                                              block back; it must be found again by the time the
 *                                              scan passes its height, or it is not on the chain.
 *                                              Found again, it moves to its new height (`found`)
 *                                              and stays until handed over again: orphaned once
 *                                              more before that, it is still a deposit that was
 *                                              handed over and is gone
 *
 * A scanned block is one batch: its seen deposits, its ref, the recheck entries of the deposits
 * found again and the new cursor. Replaying a block after a crash writes the same keys. A
 * hand-over is one batch too: seen deleted, handed written.
 *
 * A rewind, for a reorg and for a rescan alike, takes back everything above a height in one batch:
 * block refs and seen deposits are deleted (a seen deposit counts again only once found again),
 * handed markers become recheck entries, and so do the seen deposits (one may have been handed
 * over with its marker write lost: the exchange tells), and the cursor moves back. The scan then
 * finds again what is still on the chain; nothing it does not find again is ever handed over.
 */

export interface Cursor {
  height: number;
  /** '' when the block below the first scanned one is unknown (nothing scanned yet). */
  hash: string;
}

export interface SeenDeposit {
  deposit: ScannedDeposit;
  /** Hash of the block the deposit was found in. */
  hash: string;
}

export interface HandedDeposit extends SeenDeposit {
  /** Unix seconds of the hand-over; 0 for a seen deposit a rewind took back (Rewound.unmarked). */
  at: number;
  /**
   * Recheck entries only: found again at `deposit.height` (block `hash`), not handed over again
   * yet. A rewind that takes that block back clears it: the deposit must be found once more.
   */
  found?: boolean;
}

const pad = (height: number): string => String(height).padStart(12, '0');

/** The `scan` keys of one chain's cursor and block refs (shared with the offline rescan). */
export const cursorKey = (chain: string): string => `${chain}!cursor`;
export const blockKey = (chain: string, height: number): string => `${chain}!block!${pad(height)}`;

/** What a rewind took back. */
export interface Rewound {
  /** Block refs deleted. */
  refs: number;
  /** Seen (not yet handed over) deposits deleted: they count again only once found again. */
  unseen: SeenDeposit[];
  /** Handed-over deposits now to recheck. */
  rechecked: HandedDeposit[];
  /**
   * The seen deposits taken back, to recheck too: the exchange may have recorded one whose handed
   * marker was never written (the write failed, or teller died in between), and paid it. The
   * exchange says which (`none` for the rest, which then only wait to be found again or passed).
   */
  unmarked: HandedDeposit[];
}

export class ScanState {
  cursor: Cursor | null = null;
  private readonly seen = new Map<string, SeenDeposit>();
  private readonly seenByAddress = new Map<string, Set<string>>();
  private readonly rechecks = new Map<string, HandedDeposit>();
  /** Counts the changes to the seen deposits (ChainScanner.pendingStamp). */
  seenChanges = 0;

  constructor(
    private readonly store: Store,
    readonly chain: string,
  ) {}

  private get cursorKey(): string {
    return cursorKey(this.chain);
  }
  private blockKey(height: number): string {
    return blockKey(this.chain, height);
  }
  private seenKey(d: ScannedDeposit): string {
    return `${this.chain}!seen!${pad(d.height)}!${depositIdOf(d)}`;
  }
  private handedKey(d: ScannedDeposit): string {
    return `${this.chain}!handed!${pad(d.height)}!${depositIdOf(d)}`;
  }
  private recheckKey(d: ScannedDeposit): string {
    return `${this.chain}!recheck!${pad(d.height)}!${depositIdOf(d)}`;
  }

  /** Loads the cursor, the seen deposits (for hand-over and `pending`) and the recheck entries. */
  async load(): Promise<void> {
    await this.renameLegacyKeys();
    this.cursor = (await this.store.get<Cursor>('scan', this.cursorKey)) ?? null;
    this.seen.clear();
    this.seenByAddress.clear();
    this.seenChanges++;
    this.rechecks.clear();
    for await (const [, s] of this.store.entries<SeenDeposit>('scan', prefixRange(`${this.chain}!seen!`))) {
      this.remember(s);
    }
    const rechecks = prefixRange(`${this.chain}!recheck!`);
    for await (const [, h] of this.store.entries<HandedDeposit>('scan', rechecks)) {
      this.rechecks.set(depositIdOf(h.deposit), h);
    }
  }

  /**
   * Entries an earlier build keyed by a token deposit's old id (`txhash:<index>`, now
   * `txhash:log<index>`: exchange/types.ts depositIdOf) get their current key, in one batch, so
   * that the deletes of a hand-over or a rewind find them. Idempotent; nothing to do afterwards.
   */
  private async renameLegacyKeys(): Promise<void> {
    const ops: Op[] = [];
    const kinds: [string, (d: ScannedDeposit) => string][] = [
      ['seen', (d) => this.seenKey(d)],
      ['handed', (d) => this.handedKey(d)],
      ['recheck', (d) => this.recheckKey(d)],
    ];
    for (const [kind, keyOf] of kinds) {
      for await (const [key, e] of this.store.entries<SeenDeposit>(
        'scan',
        prefixRange(`${this.chain}!${kind}!`),
      )) {
        const current = keyOf(e.deposit);
        if (key === current) continue;
        ops.push({ type: 'del', space: 'scan', key }, { type: 'put', space: 'scan', key: current, value: e });
      }
    }
    if (ops.length > 0) await this.store.write(ops);
  }

  /** Handed-over deposits a rewind took back, not handed over again yet, lowest height first. */
  rechecking(): HandedDeposit[] {
    return [...this.rechecks.values()].sort((a, b) => a.deposit.height - b.deposit.height);
  }

  /** Recheck entries at or below the cursor not found again: the scan went past them. */
  passedRechecks(): HandedDeposit[] {
    const height = this.cursor?.height ?? -1;
    return this.rechecking().filter((h) => !h.found && h.deposit.height <= height);
  }

  /** Forgets a recheck entry (resolved: alerted as no longer on the chain). */
  async dropRecheck(h: HandedDeposit): Promise<void> {
    await this.store.write([{ type: 'del', space: 'scan', key: this.recheckKey(h.deposit) }]);
    this.rechecks.delete(depositIdOf(h.deposit));
  }

  private remember(s: SeenDeposit): void {
    const id = depositIdOf(s.deposit);
    this.seenChanges++;
    this.seen.set(id, s);
    let ids = this.seenByAddress.get(s.deposit.address);
    if (!ids) this.seenByAddress.set(s.deposit.address, (ids = new Set()));
    ids.add(id);
  }

  private forget(d: ScannedDeposit): void {
    const id = depositIdOf(d);
    this.seenChanges++;
    this.seen.delete(id);
    const ids = this.seenByAddress.get(d.address);
    ids?.delete(id);
    if (ids?.size === 0) this.seenByAddress.delete(d.address);
  }

  /** Every seen (not yet handed) deposit, lowest height first. */
  seenDeposits(): SeenDeposit[] {
    return [...this.seen.values()].sort((a, b) => a.deposit.height - b.deposit.height);
  }

  seenOn(address: string): SeenDeposit[] {
    const ids = this.seenByAddress.get(address);
    if (!ids) return [];
    return [...ids].flatMap((id) => this.seen.get(id) ?? []);
  }

  /**
   * Records scanned blocks (consecutive, in order) and moves the cursor to the last, atomically.
   * Returns the deposits found, and those of them that were being rechecked (found again).
   */
  async commitBlocks(blocks: SourceBlock[]): Promise<{ added: SeenDeposit[]; refound: HandedDeposit[] }> {
    const last = blocks.at(-1);
    if (!last) return { added: [], refound: [] };
    const ops: Op[] = [];
    const added: SeenDeposit[] = [];
    const refound: HandedDeposit[] = [];
    /** Ids of recheck entries an earlier build keyed otherwise (recheckOf), now under the current id. */
    const legacy: string[] = [];
    for (const b of blocks) {
      const ref: BlockRef = { height: b.height, hash: b.hash, parentHash: b.parentHash };
      ops.push({ type: 'put', space: 'scan', key: this.blockKey(b.height), value: ref });
      for (const deposit of b.deposits) {
        const s: SeenDeposit = { deposit: { ...deposit, height: b.height }, hash: b.hash };
        // The same output seen at another height (re-mined after a reorg) replaces the old entry.
        const old = this.seen.get(depositIdOf(deposit));
        if (old && old.deposit.height !== b.height) {
          ops.push({ type: 'del', space: 'scan', key: this.seenKey(old.deposit) });
        }
        ops.push({ type: 'put', space: 'scan', key: this.seenKey(s.deposit), value: s });
        added.push(s);
        const recheck = this.recheckOf(deposit, legacy);
        if (recheck) {
          // Kept (at its new height) until handed over again: see the file comment.
          const moved: HandedDeposit = { ...recheck, deposit: s.deposit, hash: b.hash, found: true };
          ops.push({ type: 'del', space: 'scan', key: this.recheckKey(recheck.deposit) });
          ops.push({ type: 'put', space: 'scan', key: this.recheckKey(moved.deposit), value: moved });
          refound.push(moved);
          legacy.push(depositIdOf(recheck.deposit));
        }
      }
    }
    const cursor: Cursor = { height: last.height, hash: last.hash };
    ops.push({ type: 'put', space: 'scan', key: this.cursorKey, value: cursor });
    await this.store.write(ops);
    for (const s of added) this.remember(s);
    for (const id of legacy) this.rechecks.delete(id);
    for (const h of refound) this.rechecks.set(depositIdOf(h.deposit), h);
    this.cursor = cursor;
    return { added, refound };
  }

  /**
   * The recheck entry of a deposit found in a scanned block: under its id, or, for a token
   * transfer, one an earlier build stored under its block-wide log index (exchange/types.ts
   * depositIdOf), which moves to the current id when found again. `taken`: ids of such entries
   * already moved in this batch (two like transfers of one transaction find one each).
   */
  private recheckOf(d: ScannedDeposit, taken: readonly string[]): HandedDeposit | undefined {
    const recheck = this.rechecks.get(depositIdOf(d));
    if (recheck || !isTokenCoin(d.coin_type)) return recheck;
    const old = [...this.rechecks.values()].filter(
      (h) => sameLegacyTransfer(h.deposit, d) && !taken.includes(depositIdOf(h.deposit)),
    );
    return old.find((h) => h.deposit.n === d.log_index) ?? old[0];
  }

  /** Marks a seen deposit handed over (it leaves `seen`; a handed marker keeps it for reorg checks). */
  async markHanded(s: SeenDeposit): Promise<void> {
    const handed: HandedDeposit = { ...s, at: Math.floor(Date.now() / 1000) };
    const ops: Op[] = [
      { type: 'del', space: 'scan', key: this.seenKey(s.deposit) },
      { type: 'put', space: 'scan', key: this.handedKey(s.deposit), value: handed },
    ];
    // Handed over again: the handed marker takes over from the recheck entry.
    const recheck = this.rechecks.get(depositIdOf(s.deposit));
    if (recheck) ops.push({ type: 'del', space: 'scan', key: this.recheckKey(recheck.deposit) });
    await this.store.write(ops);
    this.forget(s.deposit);
    if (recheck) this.rechecks.delete(depositIdOf(s.deposit));
  }

  async refAt(height: number): Promise<BlockRef | undefined> {
    return this.store.get<BlockRef>('scan', this.blockKey(height));
  }

  /**
   * Takes back everything above `to` (a reorg's common ancestor, or the block below a rescan's
   * start; null: nothing scanned, the scan starts at initial_scan_height). The one rewind of the
   * scanner: see the file comment.
   */
  async rewind(to: Cursor | null): Promise<Rewound> {
    const from = (to?.height ?? -1) + 1;
    const above = (kind: string) => ({
      gte: `${this.chain}!${kind}!${pad(from)}`,
      lt: `${this.chain}!${kind}!\uffff`,
    });
    const ops: Op[] = [];
    for await (const key of this.store.keys('scan', above('block')))
      ops.push({ type: 'del', space: 'scan', key });
    const refs = ops.length;
    const rechecked: HandedDeposit[] = [];
    for await (const [key, h] of this.store.entries<HandedDeposit>('scan', above('handed'))) {
      ops.push({ type: 'del', space: 'scan', key });
      ops.push({ type: 'put', space: 'scan', key: this.recheckKey(h.deposit), value: h });
      rechecked.push(h);
    }
    const unseen = this.seenDeposits().filter((s) => s.deposit.height >= from);
    const unmarked: HandedDeposit[] = [];
    for (const s of unseen) {
      ops.push({ type: 'del', space: 'scan', key: this.seenKey(s.deposit) });
      // A seen deposit already being rechecked (found again) is covered by `lost` below.
      if (this.rechecks.has(depositIdOf(s.deposit))) continue;
      const h: HandedDeposit = { ...s, at: 0 };
      ops.push({ type: 'put', space: 'scan', key: this.recheckKey(h.deposit), value: h });
      unmarked.push(h);
    }
    // Rechecks found again in the blocks taken back must be found once more.
    const lost = this.rechecking()
      .filter((h) => h.found && h.deposit.height >= from)
      .map((h): HandedDeposit => ({ ...h, found: false }));
    for (const h of lost) ops.push({ type: 'put', space: 'scan', key: this.recheckKey(h.deposit), value: h });
    ops.push(
      to === null
        ? { type: 'del', space: 'scan', key: this.cursorKey }
        : { type: 'put', space: 'scan', key: this.cursorKey, value: to },
    );
    await this.store.write(ops);
    for (const s of unseen) this.forget(s.deposit);
    for (const h of [...rechecked, ...unmarked, ...lost]) this.rechecks.set(depositIdOf(h.deposit), h);
    this.cursor = to;
    return { refs, unseen, rechecked, unmarked };
  }

  /** Drops block refs and handed markers below `height` (outside the reorg window). */
  async prune(height: number): Promise<number> {
    const below = (kind: string) => ({
      gte: `${this.chain}!${kind}!`,
      lt: `${this.chain}!${kind}!${pad(height)}`,
    });
    const ops: Op[] = [];
    for (const kind of ['block', 'handed']) {
      for await (const key of this.store.keys('scan', below(kind)))
        ops.push({ type: 'del', space: 'scan', key });
    }
    await this.store.write(ops);
    return ops.length;
  }
}

/** A deposit's log fields. */
export const depositFields = (s: SeenDeposit) => ({
  depositId: depositIdOf(s.deposit),
  address: s.deposit.address,
  coin: s.deposit.coin_type,
  value: s.deposit.value.toString(),
  height: s.deposit.height,
  block: s.hash,
});

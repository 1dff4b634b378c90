import { depositIdOf, type ScannedDeposit } from '../exchange/types';
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
 *
 * A scanned block is one batch: its seen deposits, its ref and the new cursor. Replaying a block
 * after a crash writes the same keys. A hand-over is one batch too: seen deleted, handed written.
 * A rewind (reorg) deletes the orphaned blocks' refs, seen and handed entries and moves the cursor
 * back, in one batch.
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
  /** Unix seconds of the hand-over. */
  at: number;
}

const pad = (height: number): string => String(height).padStart(12, '0');

/** The `scan` keys of one chain's cursor and block refs (shared with the offline rescan). */
export const cursorKey = (chain: string): string => `${chain}!cursor`;
export const blockKey = (chain: string, height: number): string => `${chain}!block!${pad(height)}`;

export class ScanState {
  cursor: Cursor | null = null;
  private readonly seen = new Map<string, SeenDeposit>();
  private readonly seenByAddress = new Map<string, Set<string>>();

  constructor(
    private readonly store: Store,
    private readonly chain: string,
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

  /** Loads the cursor and the seen deposits (kept in memory for hand-over and `pending`). */
  async load(): Promise<void> {
    this.cursor = (await this.store.get<Cursor>('scan', this.cursorKey)) ?? null;
    this.seen.clear();
    this.seenByAddress.clear();
    for await (const [, s] of this.store.entries<SeenDeposit>('scan', prefixRange(`${this.chain}!seen!`))) {
      this.remember(s);
    }
  }

  private remember(s: SeenDeposit): void {
    const id = depositIdOf(s.deposit);
    this.seen.set(id, s);
    let ids = this.seenByAddress.get(s.deposit.address);
    if (!ids) this.seenByAddress.set(s.deposit.address, (ids = new Set()));
    ids.add(id);
  }

  private forget(d: ScannedDeposit): void {
    const id = depositIdOf(d);
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

  /** Records scanned blocks (consecutive, in order) and moves the cursor to the last, atomically. */
  async commitBlocks(blocks: SourceBlock[]): Promise<SeenDeposit[]> {
    const last = blocks.at(-1);
    if (!last) return [];
    const ops: Op[] = [];
    const added: SeenDeposit[] = [];
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
      }
    }
    const cursor: Cursor = { height: last.height, hash: last.hash };
    ops.push({ type: 'put', space: 'scan', key: this.cursorKey, value: cursor });
    await this.store.write(ops);
    for (const s of added) this.remember(s);
    this.cursor = cursor;
    return added;
  }

  /** Marks a seen deposit handed over (it leaves `seen`; a handed marker keeps it for reorg checks). */
  async markHanded(s: SeenDeposit): Promise<void> {
    const handed: HandedDeposit = { ...s, at: Math.floor(Date.now() / 1000) };
    await this.store.write([
      { type: 'del', space: 'scan', key: this.seenKey(s.deposit) },
      { type: 'put', space: 'scan', key: this.handedKey(s.deposit), value: handed },
    ]);
    this.forget(s.deposit);
  }

  async refAt(height: number): Promise<BlockRef | undefined> {
    return this.store.get<BlockRef>('scan', this.blockKey(height));
  }

  /**
   * Rewinds to `ancestor` (the last block both branches share): everything above it is orphaned.
   * Returns what the orphaned blocks held: seen deposits (now un-credited) and handed ones.
   */
  async rewind(ancestor: Cursor): Promise<{ unseen: SeenDeposit[]; handed: HandedDeposit[] }> {
    const above = (kind: string) => ({
      gte: `${this.chain}!${kind}!${pad(ancestor.height + 1)}`,
      lt: `${this.chain}!${kind}!\uffff`,
    });
    const ops: Op[] = [];
    for await (const key of this.store.keys('scan', above('block')))
      ops.push({ type: 'del', space: 'scan', key });
    const handed: HandedDeposit[] = [];
    for await (const [key, h] of this.store.entries<HandedDeposit>('scan', above('handed'))) {
      ops.push({ type: 'del', space: 'scan', key });
      handed.push(h);
    }
    const unseen = this.seenDeposits().filter((s) => s.deposit.height > ancestor.height);
    for (const s of unseen) ops.push({ type: 'del', space: 'scan', key: this.seenKey(s.deposit) });
    ops.push(
      ancestor.hash === ''
        ? { type: 'del', space: 'scan', key: this.cursorKey }
        : { type: 'put', space: 'scan', key: this.cursorKey, value: ancestor },
    );
    await this.store.write(ops);
    for (const s of unseen) this.forget(s.deposit);
    this.cursor = ancestor.hash === '' ? null : ancestor;
    return { unseen, handed };
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

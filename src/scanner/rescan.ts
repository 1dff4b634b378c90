import type { Op, Store } from '../store/store';
import { TellerError } from '../util/errors';
import { blockKey, cursorKey as cursorKeyOf } from './engine-state';
import type { BlockRef } from './types';

/**
 * Rescanning a chain from a height.
 *
 * Offline (`teller rescan <chain> <height>` on a stopped daemon's data dir): the scanner engine's
 * persisted cursor (`scan` space, `<chain>!cursor`, src/scanner/engine-state.ts) is moved back to
 * `height - 1`, so that the next start scans `height` onwards again. The cursor keeps the stored
 * hash of that block when the reorg window still holds it, and '' otherwise (the engine then
 * takes the next block's parent on trust, as for the very first block). Block refs at and above
 * `height` are deleted (they are written again as the blocks are rescanned). Deposits found again
 * are handed to the exchange again, which records each deposit id once, so a rescan never pays
 * twice. A rescan only goes back: moving the cursor forward would skip blocks.
 *
 * Running daemon: the scanner itself must move its in-memory cursor, so the admin API calls
 * `rescanFrom(height)` on scanners that offer it (see `Rescannable`).
 */

export const RESCAN_CHAINS = ['BTC', 'ETH'] as const;
export type RescanChain = (typeof RESCAN_CHAINS)[number];
export const isRescanChain = (s: string): s is RescanChain =>
  (RESCAN_CHAINS as readonly string[]).includes(s);

interface Cursor {
  height: number;
  hash: string;
}

export interface RescanResult {
  chain: string;
  from_height: number;
  /** The cursor height before the rescan. */
  previous_height: number;
  /** The cursor now (null: removed, the scanner starts at initial_scan_height). */
  cursor: Cursor | null;
  /** Block refs deleted at and above from_height. */
  refs_removed: number;
}

/** A scanner that can rescan while running (the contract the scanner engine implements). */
export interface Rescannable {
  /**
   * Rescans from `height` (>= 0): waits for the in-flight poll, moves the cursor to height - 1 as
   * `rescanStoredCursor` does (store and memory), and polls again. Throws a TellerError with code
   * 'bad_rescan' for a height above cursor + 1 or when nothing was scanned yet.
   */
  rescanFrom(height: number): Promise<RescanResult>;
}

export const canRescan = (s: object): s is Rescannable =>
  'rescanFrom' in s && typeof s.rescanFrom === 'function';

export function checkRescanHeight(chain: string, fromHeight: number, cursorHeight: number | undefined): void {
  if (!Number.isSafeInteger(fromHeight) || fromHeight < 0) {
    throw new TellerError('bad_rescan', `rescan height must be a whole number >= 0, got ${fromHeight}`);
  }
  if (cursorHeight === undefined) {
    throw new TellerError(
      'bad_rescan',
      `${chain}: nothing scanned yet; the scanner starts at ${chain.toLowerCase()}_scanner.initial_scan_height`,
    );
  }
  if (fromHeight > cursorHeight + 1) {
    throw new TellerError(
      'bad_rescan',
      `${chain}: the scanner is at height ${cursorHeight}; a rescan from ${fromHeight} would skip blocks ${cursorHeight + 1}..${fromHeight - 1}`,
    );
  }
}

/** The offline rescan: moves `chain`'s stored cursor to fromHeight - 1 (see the file comment). */
export async function rescanStoredCursor(
  store: Store,
  chain: string,
  fromHeight: number,
): Promise<RescanResult> {
  const cursorKey = cursorKeyOf(chain);
  const current = await store.get<Cursor>('scan', cursorKey);
  checkRescanHeight(chain, fromHeight, current?.height);
  const previous = current?.height ?? -1;
  const ops: Op[] = [];
  for await (const key of store.keys('scan', {
    gte: blockKey(chain, fromHeight),
    lt: `${chain}!block"`, // '"' follows '!': the end of this chain's block refs
  })) {
    ops.push({ type: 'del', space: 'scan', key });
  }
  const refsRemoved = ops.length;
  let cursor: Cursor | null = null;
  if (fromHeight === 0) {
    ops.push({ type: 'del', space: 'scan', key: cursorKey });
  } else {
    const ref = await store.get<BlockRef>('scan', blockKey(chain, fromHeight - 1));
    cursor = { height: fromHeight - 1, hash: ref?.hash ?? '' };
    ops.push({ type: 'put', space: 'scan', key: cursorKey, value: cursor });
  }
  await store.write(ops);
  return { chain, from_height: fromHeight, previous_height: previous, cursor, refs_removed: refsRemoved };
}

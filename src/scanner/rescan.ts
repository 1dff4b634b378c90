import type { Store } from '../store/store';
import { TellerError } from '../util/errors';
import { ScanState, type Cursor, type HandedDeposit } from './engine-state';

/**
 * Rescanning a chain from a height.
 *
 * A rescan is the scanner's rewind (the one a reorg uses, ScanState.rewind in engine-state.ts) to
 * the block below `height`: the cursor moves back to `height - 1`, keeping the stored hash of that
 * block when the reorg window still holds it, and '' otherwise (the engine then takes the next
 * block's parent on trust, as for the very first block). Everything above is taken back: block
 * refs and unconfirmed (seen) deposits are deleted, handed-over deposits are to be rechecked. So
 * only what the rescan finds again on the node's chain is handed over: a deposit whose block was
 * reorged away while nobody looked (teller down, or the scanner not yet polled) is never handed
 * over because of an entry left behind, and a handed-over one not found again raises the alert
 * (src/scanner/engine.ts). Deposits found again are handed to the exchange again, which records
 * each deposit id once, so a rescan never pays twice. A rescan only goes back: moving the cursor
 * forward would skip blocks.
 *
 * Offline: `teller rescan <chain> <height>` on a stopped daemon's data dir (`rescanStoredCursor`).
 * Running daemon: the scanner itself must rewind its in-memory state, so the admin API calls
 * `rescanFrom(height)` on scanners that offer it (see `Rescannable`).
 */

export const RESCAN_CHAINS = ['BTC', 'ETH'] as const;
export type RescanChain = (typeof RESCAN_CHAINS)[number];
export const isRescanChain = (s: string): s is RescanChain =>
  (RESCAN_CHAINS as readonly string[]).includes(s);

export interface RescanResult {
  chain: string;
  from_height: number;
  /** The cursor height before the rescan. */
  previous_height: number;
  /** The cursor now (null: removed, the scanner starts at initial_scan_height). */
  cursor: Cursor | null;
  /** Block refs deleted at and above from_height. */
  refs_removed: number;
  /** Unconfirmed deposits at and above from_height, deleted until the rescan finds them again. */
  seen_removed: number;
  /** Handed-over deposits at and above from_height: held until found again, alerted if not. */
  handed_rechecked: number;
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

/** The offline rescan: rewinds `chain`'s stored scan state to fromHeight - 1 (see the file comment). */
export async function rescanStoredCursor(
  store: Store,
  chain: string,
  fromHeight: number,
): Promise<RescanResult> {
  const state = new ScanState(store, chain);
  await state.load();
  return (await rescanState(state, fromHeight)).result;
}

/** The rescan of a loaded scan state (the running scanner's own, or the offline one's). */
export async function rescanState(
  state: ScanState,
  fromHeight: number,
): Promise<{ result: RescanResult; rechecked: HandedDeposit[] }> {
  const { chain } = state;
  const previous = state.cursor?.height;
  checkRescanHeight(chain, fromHeight, previous);
  const cursor =
    fromHeight === 0
      ? null
      : { height: fromHeight - 1, hash: (await state.refAt(fromHeight - 1))?.hash ?? '' };
  const rewound = await state.rewind(cursor);
  const result: RescanResult = {
    chain,
    from_height: fromHeight,
    previous_height: previous ?? -1,
    cursor,
    refs_removed: rewound.refs,
    seen_removed: rewound.unseen.length,
    handed_rechecked: rewound.rechecked.length,
  };
  return { result, rechecked: [...rewound.rechecked, ...rewound.unmarked] };
}

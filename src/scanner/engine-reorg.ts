import { TellerError } from '../util/errors';
import type { Cursor, ScanState } from './engine-state';
import type { BlockSource, SourceBlock } from './types';

/**
 * Chain linkage for the scanner engine: which fetched blocks extend the cursor, and where a
 * reorganised chain meets the blocks already scanned (the common ancestor).
 */

/** The source's answers contradict each other (a reorg between two calls): retry the poll. */
export class ScannerChainError extends TellerError {
  constructor(message: string) {
    super('scanner_chain', message, true);
  }
}

/** The prefix of `blocks` that extends `cursor`, and why the rest does not (a reorg), if it does not. */
export function linkBlocks(
  blocks: SourceBlock[],
  from: number,
  cursor: Cursor | null,
): { linked: SourceBlock[]; broken: string | null } {
  let prev = cursor;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i];
    if (b.height !== from + i) {
      throw new ScannerChainError(`source returned block ${b.height} where ${from + i} was asked`);
    }
    // Unknown parent: the first block ever, or a jump up to a raised initial_scan_height.
    const expected = prev && prev.height === b.height - 1 ? prev.hash : '';
    if (expected !== '' && b.parentHash !== expected) {
      return {
        linked: blocks.slice(0, i),
        broken: `block ${b.height} has parent ${b.parentHash}, not ${expected}`,
      };
    }
    prev = { height: b.height, hash: b.hash };
  }
  return { linked: blocks, broken: null };
}

/**
 * The highest stored block still on the source's main chain, walking down from `cursor` at most
 * `window` blocks; null if none is. Asks the node by height (`hashAt`), because an orphaned block
 * itself may no longer be served (bcoin cannot return one). Reaching below the first scanned block
 * (under `initialHeight`) gives a base with an unknown hash: scanning restarts at `initialHeight`.
 */
export async function findCommonAncestor(opts: {
  source: BlockSource;
  state: ScanState;
  cursor: Cursor;
  window: number;
  initialHeight: number;
}): Promise<Cursor | null> {
  const { source, state, cursor, window, initialHeight } = opts;
  const lowest = Math.max(-1, cursor.height - window);
  for (let h = cursor.height; h >= lowest; h--) {
    const ref = await state.refAt(h);
    if (!ref) return h < initialHeight ? { height: h, hash: '' } : null;
    if ((await source.hashAt(h)) === ref.hash) return { height: h, hash: ref.hash };
  }
  return null;
}

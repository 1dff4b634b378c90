import { createHash } from 'node:crypto';
import type { Network } from '../config/types';
import type { DeferredWrite, Op, Store } from '../store/store';
import { prefixRange } from '../store/store';

/**
 * A derived pool: deposit addresses derived from an account xpub (BTC: 0/i of an xpub/ypub/zpub…,
 * ETH and tokens: m/44'/60'/0'/0/i), never exhausted. Pure like AddressPool: `peek()` derives the
 * next index (`reserve()`), the binder writes `bindWrite()` in the binding's own atomic batch — so
 * the index is durable exactly when the binding is — and a failed write gives the index back to be
 * reserved next. An index is never handed out twice: a crash before the commit re-derives the same,
 * never-handed-out index.
 *
 * Store layout (src/store/store.ts):
 *   meta          derived:<coin>!<source id> -> DerivedState (next index, bound count, the key)
 *   pool_derived  <coin>!<source id>!<index 10 digits> -> DerivedEntry
 * The source id hashes network, address type and xpub: another key starts at index 0 of its own.
 */

/** BIP32 non-hardened indexes: what one account's external chain can derive. */
export const DERIVABLE = 0x80000000;
/**
 * Addresses derived ahead of the next index, in the background: a BTC address takes 3.5-5 ms to
 * derive, which would otherwise be spent inside the binder's lock, holding up every other bind.
 */
export const LOOKAHEAD = 8;

export interface DerivedSource {
  coin: string;
  /** The config key it came from (for messages). */
  key: string;
  xpub: string;
  /** BTC: p2pkh | p2sh-p2wpkh | p2wpkh | p2tr; ETH: 'eth'. */
  type: string;
  network: Network;
  derive(index: number): string;
}

export interface DerivedState {
  xpub: string;
  type: string;
  network: Network;
  /** The next index to derive. */
  next: number;
  /** Indexes bound (next minus those skipped because their address was taken already). */
  bound: number;
}

export interface DerivedEntry {
  address: string;
  /**
   * Set when the index was passed over: 'taken', its address already had a binding (e.g. from a
   * pool file); 'reserved', it was reserved but is not in the store (a crash, or a restored or
   * copied store: reservations.ts), so it may have been handed out.
   */
  skipped?: 'taken' | 'reserved';
}

/** Durable index reservations (reservations.ts) for one pool: `index` may be handed out once this resolves. */
export interface IndexGuard {
  reserve(index: number): Promise<number>;
}

export const sourceId = (s: Pick<DerivedSource, 'xpub' | 'type' | 'network'>): string =>
  createHash('sha256').update(`${s.network}/${s.type}/${s.xpub}`).digest('hex').slice(0, 16);

const stateKey = (coin: string, id: string): string => `derived:${coin}!${id}`;
export const entryKey = (coin: string, id: string, index: number): string =>
  `${coin}!${id}!${String(index).padStart(10, '0')}`;

/** An index handed to one bind until its write settles (and indexes passed over on the way). */
export interface Reservation {
  index: number;
  address: string;
  skipped?: readonly { index: number; address: string }[];
}

export class DerivedPool {
  readonly kind = 'derived';
  readonly id: string;
  /** The next fresh index to reserve. */
  private next: number;
  /** Indexes reserved whose write failed: reserved again first (lowest first), never skipped. */
  private returned: number[] = [];
  /** Bound indexes whose binding is durable. */
  private bound: number;
  /**
   * The state as the batches built so far leave it (durable, or in the group being committed):
   * each bind's batch writes it, so the stored state is always that of a durable prefix.
   */
  private built: { next: number; bound: number };

  /** Indexes below it may have been handed out (the durable reservation); 0 without a guard. */
  private reservedTo: number;

  constructor(
    readonly source: DerivedSource,
    state: Pick<DerivedState, 'next' | 'bound'>,
    private readonly guard?: IndexGuard & { mark: number },
  ) {
    this.id = sourceId(source);
    this.reservedTo = guard?.mark ?? 0;
    this.next = state.next;
    this.bound = state.bound;
    this.built = { next: state.next, bound: state.bound };
    this.prepare();
  }

  /** Derived addresses of the indexes from `next` on, waiting to be reserved. */
  private readonly ahead = new Map<number, string>();
  private filling: Promise<void> | undefined;

  /** Resolves once the next LOOKAHEAD addresses are derived (start-up, tests). */
  ready(): Promise<void> {
    this.prepare();
    return this.filling ?? Promise.resolve();
  }

  private prepare(): void {
    this.filling ??= this.fill().finally(() => {
      this.filling = undefined;
    });
  }

  /** Derives the missing look-ahead addresses, one per event-loop turn so binds and I/O interleave. */
  private async fill(): Promise<void> {
    for (;;) {
      let index = this.next;
      const end = Math.min(this.next + LOOKAHEAD, DERIVABLE);
      while (index < end && this.ahead.has(index)) index++;
      if (index >= end) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (index < this.next || this.ahead.has(index)) continue;
      try {
        this.ahead.set(index, this.source.derive(index));
      } catch {
        // Not here: reserve() derives this index in line, and its bind reports the error.
        return;
      }
    }
  }

  /** The address of `index`: from the look-ahead, or derived now. */
  private addressOf(index: number): string {
    const address = this.ahead.get(index);
    if (address === undefined) return this.source.derive(index);
    this.ahead.delete(index);
    return address;
  }

  get coin(): string {
    return this.source.coin;
  }

  /** The next fresh index (indexes below it are bound, passed over, or being written). */
  nextIndex(): number {
    return this.next;
  }

  /** The next index and its address; undefined only past 2^31 indexes. */
  reserve(): Reservation | undefined {
    const index = this.returned.shift() ?? (this.next < DERIVABLE ? this.next++ : undefined);
    if (index === undefined) return undefined;
    const r = { index, address: this.addressOf(index) };
    this.prepare();
    return r;
  }

  /**
   * `reserve()`, once the index is durably reserved (a write per RESERVE_BLOCK indexes): an index is
   * never handed out before a restored or crashed store can tell it may have been.
   */
  async take(): Promise<Reservation | undefined> {
    const r = this.reserve();
    if (r === undefined || this.guard === undefined) return r;
    try {
      this.reservedTo = Math.max(this.reservedTo, await this.guard.reserve(r.index));
    } catch (err) {
      this.release(r);
      throw err;
    }
    return r;
  }

  /** The reservation's write failed: its index is handed out next (passed-over ones stay passed). */
  release(r: Reservation): void {
    this.returned.push(r.index);
    this.returned.sort((a, b) => a - b);
  }

  /** The reservation's binding is durable. */
  committed(): void {
    this.bound++;
  }

  /**
   * What the binding's batch also writes for `r`: its entry, the entries of indexes passed over,
   * and the pool's state. Built when the batch is (in queue order), so the state never runs ahead
   * of what is durable; a failed batch rolls it back (in reverse build order).
   */
  bindWrite(r: Reservation): DeferredWrite {
    return {
      build: (): Op[] => {
        const before = this.built;
        const after = { next: Math.max(before.next, r.index + 1), bound: before.bound + 1 };
        for (const s of r.skipped ?? []) after.next = Math.max(after.next, s.index + 1);
        this.built = after;
        const { xpub, type, network } = this.source;
        const state: DerivedState = { xpub, type, network, ...after };
        const entry = (index: number, value: DerivedEntry): Op => ({
          type: 'put',
          space: 'pool_derived',
          key: entryKey(this.coin, this.id, index),
          value,
        });
        this.rollback.push(before);
        return [
          ...(r.skipped ?? []).map((s) => entry(s.index, { address: s.address, skipped: 'taken' })),
          entry(r.index, { address: r.address }),
          { type: 'put', space: 'meta', key: stateKey(this.coin, this.id), value: state },
        ];
      },
      settle: (durable: boolean): void => {
        const before = this.rollback.pop();
        if (!durable && before) this.built = before;
      },
    };
  }

  /** States to restore, one per built batch not yet settled. */
  private readonly rollback: { next: number; bound: number }[] = [];

  usedCount(): number {
    return this.bound;
  }

  remaining(): number {
    return DERIVABLE - this.next + this.returned.length;
  }

  total(): number {
    return DERIVABLE;
  }

  status(): {
    kind: 'derived';
    xpub: string;
    type: string;
    next_index: number;
    bound: number;
    reserved_to: number;
  } {
    const { xpub, type } = this.source;
    const { next, bound, reservedTo } = this;
    return { kind: 'derived', xpub, type, next_index: next, bound, reserved_to: reservedTo };
  }
}

/**
 * The pool's state from the store, cross-checked against its entries: the state and its entries
 * are written in one batch, so they agree unless the store was damaged. If entries run past the
 * state, the index resumes after the last entry (never reuse); `problem` says what was found.
 */
export async function loadDerivedState(
  store: Store,
  source: DerivedSource,
): Promise<{ next: number; bound: number; problem?: string }> {
  const id = sourceId(source);
  const state = await store.get<DerivedState>('meta', stateKey(source.coin, id));
  const next = state?.next ?? 0;
  const bound = state?.bound ?? 0;
  const last = await store.keyList('pool_derived', {
    ...prefixRange(`${source.coin}!${id}!`),
    reverse: true,
    limit: 1,
  });
  const lastIndex = last.length ? Number(last[0]?.slice(last[0].lastIndexOf('!') + 1)) : -1;
  if (lastIndex + 1 > next) {
    return {
      next: lastIndex + 1,
      bound: bound + (lastIndex + 1 - next),
      problem: `derived index ${next} in the store is behind its last entry ${lastIndex}: resuming at ${lastIndex + 1}`,
    };
  }
  if (lastIndex + 1 < next) {
    return {
      next,
      bound,
      problem: `entries for derived indexes ${lastIndex + 1} to ${next - 1} are missing`,
    };
  }
  return { next, bound };
}

/** The reservation key of a source (reservations.ts). */
export const reservationKey = (s: DerivedSource): string => `${s.coin}!${sourceId(s)}`;

const SKIP_BATCH = 1000;

/**
 * Records indexes `from` to `to - 1` as skipped ('reserved': they may have been handed out before
 * the store was restored or crashed) and moves the pool's state past them, in batches of
 * SKIP_BATCH; each batch moves the state with its entries, so a crash midway resumes where it was.
 */
export async function skipReserved(
  store: Store,
  source: DerivedSource,
  state: { next: number; bound: number },
  to: number,
): Promise<void> {
  const id = sourceId(source);
  const { xpub, type, network } = source;
  for (let from = state.next; from < to; from += SKIP_BATCH) {
    const end = Math.min(to, from + SKIP_BATCH);
    const ops: Op[] = [];
    for (let index = from; index < end; index++) {
      const value: DerivedEntry = { address: source.derive(index), skipped: 'reserved' };
      ops.push({ type: 'put', space: 'pool_derived', key: entryKey(source.coin, id, index), value });
    }
    const value: DerivedState = { xpub, type, network, next: end, bound: state.bound };
    ops.push({ type: 'put', space: 'meta', key: stateKey(source.coin, id), value });
    await store.write(ops);
  }
}

/** Every derived entry of `coin`, in source then index order (for `pool list`). */
export async function* derivedEntries(
  store: Store,
  coin: string,
): AsyncGenerator<{ source: string; index: number; entry: DerivedEntry }> {
  for await (const [key, entry] of store.entries<DerivedEntry>('pool_derived', prefixRange(`${coin}!`))) {
    const parts = key.split('!');
    yield { source: parts[1] ?? '', index: Number(parts[2]), entry };
  }
}

/** The derived pools' states of `coin` (every key it was ever derived from). */
export async function derivedStates(store: Store, coin: string): Promise<(DerivedState & { id: string })[]> {
  const out: (DerivedState & { id: string })[] = [];
  for await (const [key, s] of store.entries<DerivedState>('meta', prefixRange(`derived:${coin}!`)))
    out.push({ ...s, id: key.slice(key.indexOf('!') + 1) });
  return out;
}

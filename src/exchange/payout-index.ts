import { seqKey, type Op, type Store } from '../store/store';
import { STATUSES, type StoredStatus } from '../core/deposit';
import type { DepositRecord } from './types';

const STORED_STATUSES = STATUSES.filter((s): s is StoredStatus => s !== 'waiting_deposit');

/** What /api/status shows of a deposit. */
export interface DepositSummary {
  status: StoredStatus;
  updated_at: number;
}

/** A list of one is held bare: most payout addresses have one binding, most bindings one deposit. */
type Few<T> = T | readonly T[];
const NONE: readonly never[] = Object.freeze([]);
const listOf = <T>(few: Few<T> | undefined): readonly T[] =>
  few === undefined ? NONE : Array.isArray(few) ? (few as readonly T[]) : [few as T];
const fewOf = <T>(list: readonly T[]): Few<T> => (list.length === 1 ? list[0] : list);

/** A binding's key: `coin!address`. */
export const bindingKey = (coin: string, address: string): string => `${coin}!${address}`;

/** `<group>!<seq>` → [group, seq]. */
function splitSeqKey(key: string): [string, string] {
  const bang = key.lastIndexOf('!');
  return [key.slice(0, bang), key.slice(bang + 1)];
}

/** A binding in the index: its key (`coin!address`) and its deposits' seqs, in recording order. */
class BindingSlot {
  private seqs: Few<number> = NONE;
  /** The index's change count when the binding or one of its deposits last changed (0: since load). */
  changedAt = 0;

  constructor(readonly key: string) {}

  get deposits(): readonly number[] {
    return listOf(this.seqs);
  }

  add(seq: number): void {
    this.seqs = fewOf([...this.deposits, seq]);
  }
}

export type IndexedBinding = Pick<BindingSlot, 'key' | 'deposits'>;

/**
 * The status routes' lookups in memory, so that a request opens no LevelDB iterator (one per
 * binding cost ~1 ms per /api/status):
 *  - payout address → its bindings (bind order), from `bindings_by_sky` at open; these are also
 *    the bound addresses the scanners watch (no separate read of `bindings` at startup);
 *  - binding → its deposits' seqs (recording order), from the keys of `deposits_by_addr` at open;
 *  - deposit seq → status and update time, from `deposit_summary` at open (when current), a
 *    short string per deposit that every commit rewrites: decoding every record instead took
 *    ~0.7 s and 50 MB of RSS for 100,000 deposits.
 * Numbers and shared strings keep it small (~15 MB for 100,000 bindings and deposits): the
 * startup benchmark's RSS limit leaves little room.
 *
 * DepositStore calls `bound`/`recorded`/`updated` only once the batch is durable, so the index never
 * shows what the store does not hold, and every deposit it lists has its summary.
 */
export class PayoutIndex {
  private readonly bindingsBySky = new Map<string, Few<BindingSlot>>();
  private readonly slots = new Map<string, BindingSlot>();
  private readonly summaries = new SummaryTable();
  /** Changes since load: what a slot's `changedAt` is set to. */
  private changes = 0;

  /** Reads the bindings, and the deposits' summaries too when they are current (DepositStore knows). */
  static async load(store: Store, summaries: boolean): Promise<PayoutIndex> {
    const index = new PayoutIndex();
    await Promise.all([index.loadBindings(store), summaries ? index.loadSummaries(store) : undefined]);
    return index;
  }

  private async loadBindings(store: Store): Promise<void> {
    let sky = '';
    let run: BindingSlot[] = [];
    const flush = (): void => {
      if (run.length > 0) this.bindingsBySky.set(sky, fewOf([...this.slotsOf(sky), ...run]));
      run = [];
    };
    // Keys sort by payout address, then bind seq: one address's bindings are adjacent, in order.
    await store.forEachEntry<string>('bindings_by_sky', (key, bindingKey) => {
      const [group] = splitSeqKey(key);
      if (group !== sky) {
        flush();
        sky = group;
      }
      const slot = new BindingSlot(bindingKey);
      this.slots.set(bindingKey, slot);
      run.push(slot);
    });
    flush();
    await store.forEachKey('deposits_by_addr', (key) => {
      const [bindingKey, seq] = splitSeqKey(key);
      this.slots.get(bindingKey)?.add(Number(seq));
    });
  }

  private loadSummaries(store: Store): Promise<void> {
    return store.forEachEntry<string>('deposit_summary', (key, value) => {
      const space = value.indexOf(' ');
      this.summaries.set(Number(key), value.slice(0, space) as StoredStatus, Number(value.slice(space + 1)));
    });
  }

  bindingsOf(skyAddress: string): readonly IndexedBinding[] {
    return this.slotsOf(skyAddress);
  }

  private slotsOf(skyAddress: string): readonly BindingSlot[] {
    return listOf(this.bindingsBySky.get(skyAddress));
  }

  /**
   * A number that changes whenever what the index shows of `skyAddress` (its bindings, their
   * deposits, their statuses and times) changes: 0 without bindings or changes since load. The
   * status routes reuse a body while it stays the same.
   */
  stampOf(skyAddress: string): number {
    const few = this.bindingsBySky.get(skyAddress);
    if (few === undefined) return 0;
    if (!Array.isArray(few)) return (few as BindingSlot).changedAt;
    let stamp = 0;
    for (const slot of few as readonly BindingSlot[]) if (slot.changedAt > stamp) stamp = slot.changedAt;
    return stamp;
  }

  binding(bindingKey: string): IndexedBinding | undefined {
    return this.slots.get(bindingKey);
  }

  /** Every binding key, each once. */
  bindingKeys(): Iterable<string> {
    return this.slots.keys();
  }

  summaryOf(seq: number): DepositSummary {
    const summary = this.summaries.get(seq);
    if (summary === undefined) throw new Error(`payout index: no summary of deposit ${seq}`);
    return summary;
  }

  /** A binding was written. */
  bound(skyAddress: string, bindingKey: string): void {
    if (this.slots.has(bindingKey)) return;
    const slot = new BindingSlot(bindingKey);
    slot.changedAt = ++this.changes;
    this.slots.set(bindingKey, slot);
    this.bindingsBySky.set(skyAddress, fewOf([...this.slotsOf(skyAddress), slot]));
  }

  /** A deposit record was created on its binding. */
  recorded(rec: DepositRecord): void {
    this.slots.get(bindingKey(rec.coin_type, rec.deposit_address))?.add(rec.seq);
    this.updated(rec);
  }

  /** A deposit record was written. */
  updated(rec: DepositRecord): void {
    this.summaries.set(rec.seq, rec.status, rec.updated_at);
    const slot = this.slots.get(bindingKey(rec.coin_type, rec.deposit_address));
    if (slot !== undefined) slot.changedAt = ++this.changes;
  }
}

/** The `deposits_by_addr` key of a binding's deposit (its value is the deposit id). */
export const depositByAddrKey = (bindingKey: string, seq: number): string => `${bindingKey}!${seqKey(seq)}`;

/** The `deposit_summary` entry of a deposit record, written with every change of it. */
export const summaryOp = (rec: DepositRecord): Op => ({
  type: 'put',
  space: 'deposit_summary',
  key: seqKey(rec.seq),
  value: `${rec.status} ${rec.updated_at}`,
});

/** Deposit seq → summary, as two typed arrays (seqs are dense, from 1): 9 bytes a deposit. */
class SummaryTable {
  /** 1 + index in STORED_STATUSES; 0 = not known. */
  private status = new Uint8Array(0);
  private updatedAt = new Float64Array(0);

  get(seq: number): DepositSummary | undefined {
    const code = this.status[seq] ?? 0;
    if (code === 0) return undefined;
    return { status: STORED_STATUSES[code - 1], updated_at: this.updatedAt[seq] };
  }

  set(seq: number, status: StoredStatus, updatedAt: number): void {
    const code = STORED_STATUSES.indexOf(status) + 1;
    if (code === 0) throw new Error(`payout index: deposit ${seq} has an unknown status ${status}`);
    if (seq >= this.status.length) this.grow(seq);
    this.status[seq] = code;
    this.updatedAt[seq] = updatedAt;
  }

  private grow(seq: number): void {
    const size = Math.max(1024, 2 ** Math.ceil(Math.log2(seq + 1)));
    const status = new Uint8Array(size);
    const updatedAt = new Float64Array(size);
    status.set(this.status);
    updatedAt.set(this.updatedAt);
    this.status = status;
    this.updatedAt = updatedAt;
  }
}

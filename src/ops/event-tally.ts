import type { StoredStatus } from '../core/deposit';
import type { DepositEvent } from '../exchange/types';
import { seqKey, type Store } from '../store/store';

/**
 * Counts derived from the append-only event log, read incrementally: the first `catchUp()` walks
 * the whole log, later ones only the entries written since. Every deposit change writes exactly
 * one event in the same batch as the record (DepositStore), so the tallies are exact without a
 * hook in the pipeline, and they survive restarts (they count the data dir's whole history).
 *
 *   deposits by status   +1 `to` on creation (from = null), -1 `from` +1 `to` on a status change
 *   payouts sent         waiting_send → waiting_confirm (the payout is signed, stored, broadcast)
 *   payouts confirmed    waiting_confirm → done
 */
export class EventTally {
  private lastSeq = 0;
  private readonly statuses = new Map<StoredStatus, number>();
  private sent = 0;
  private confirmed = 0;
  private reading: Promise<void> | null = null;

  constructor(private readonly store: Store) {}

  /** Reads the events written since the last call (concurrent callers share one read). */
  catchUp(): Promise<void> {
    this.reading ??= this.read().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private async read(): Promise<void> {
    const range = this.lastSeq === 0 ? {} : { gt: seqKey(this.lastSeq) };
    for await (const [, ev] of this.store.entries<DepositEvent>('events', range)) {
      this.apply(ev);
      this.lastSeq = ev.seq;
    }
  }

  private apply(ev: DepositEvent): void {
    // to null: an operator's event that is not a deposit's (a rate set at run time).
    if (ev.to === null || ev.from === ev.to) return;
    if (ev.from !== null) this.statuses.set(ev.from, (this.statuses.get(ev.from) ?? 0) - 1);
    this.statuses.set(ev.to, (this.statuses.get(ev.to) ?? 0) + 1);
    if (ev.from === 'waiting_send' && ev.to === 'waiting_confirm') this.sent++;
    if (ev.from === 'waiting_confirm' && ev.to === 'done') this.confirmed++;
  }

  /** Deposits per stored status (0 for a status no deposit has). */
  byStatus(status: StoredStatus): number {
    return this.statuses.get(status) ?? 0;
  }

  get payoutsSent(): number {
    return this.sent;
  }

  get payoutsConfirmed(): number {
    return this.confirmed;
  }

  /** seq of the last event read (0 before the first). */
  get seq(): number {
    return this.lastSeq;
  }
}

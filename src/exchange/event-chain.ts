import { createHash } from 'node:crypto';
import type { Op, Store } from '../store/store';
import { seqKey } from '../store/store';
import type { StoredStatus } from '../core/deposit';
import type { DepositEvent } from './types';
import { INDICES_AT } from './deposit-indices';

/**
 * The hash-chained audit log in `events`, written for DepositStore (its only user): an event's seq
 * and its place in the chain are taken when the store builds the batch that carries it (a
 * DeferredWrite), in queue order, and given back if that batch fails.
 */
export class EventChain {
  private eventSeq = 0;
  private lastEventHash = '';

  constructor(private readonly store: Store) {}

  /** The seq of the chain's head (0 for an empty chain). */
  get seq(): number {
    return this.eventSeq;
  }

  /** Loads the head of the chain. */
  async open(): Promise<void> {
    for await (const [, ev] of this.store.entries<DepositEvent>('events', { reverse: true, limit: 1 })) {
      this.eventSeq = ev.seq;
      this.lastEventHash = ev.hash;
    }
  }

  /** `ops` and the next event on the chain, as one batch; the chain's head stays put if it fails. */
  write(
    ops: Op[],
    id: string,
    from: StoredStatus | null,
    to: StoredStatus | null,
    note: string,
  ): Promise<void> {
    // The chain's head before this write's event: restored if the write fails.
    let before = { seq: this.eventSeq, hash: this.lastEventHash };
    return this.store.write({
      build: () => {
        before = { seq: this.eventSeq, hash: this.lastEventHash };
        const event = this.nextEvent(id, from, to, note);
        return [
          ...ops,
          { type: 'put', space: 'events', key: seqKey(event.seq), value: event },
          { type: 'put', space: 'meta', key: INDICES_AT, value: event.seq },
        ];
      },
      settle: (durable) => {
        if (durable) return;
        this.eventSeq = before.seq;
        this.lastEventHash = before.hash;
      },
    });
  }

  /** The next event on the chain's head (called as its batch is built). */
  private nextEvent(
    id: string,
    from: StoredStatus | null,
    to: StoredStatus | null,
    note: string,
  ): DepositEvent {
    const base = {
      seq: ++this.eventSeq,
      at: Date.now(),
      deposit_id: id,
      from,
      to,
      note,
      prev_hash: this.lastEventHash,
    };
    const hash = eventHash(base);
    this.lastEventHash = hash;
    return { ...base, hash };
  }
}

/** sha256 over the event's fields in a fixed order (the audit chain's link). */
export function eventHash(e: Omit<DepositEvent, 'hash'>): string {
  const text = JSON.stringify([e.seq, e.at, e.deposit_id, e.from, e.to, e.note, e.prev_hash]);
  return createHash('sha256').update(text).digest('hex');
}

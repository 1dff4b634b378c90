import { eventHash } from '../exchange/deposit-store';
import type { StoredStatus } from '../core/deposit';
import type { DepositEvent, DepositRecord } from '../exchange/types';
import { seqKey, type Store } from '../store/store';

/**
 * `teller audit verify`: walks the hash-chained event log (the store's `events` space, written by
 * DepositStore with every deposit change) and reports the first entry that breaks the chain.
 *
 * Checks, in key order: the key is the entry's padded `seq`; `seq` follows the previous one with no
 * gap (the log starts at 1); `prev_hash` is the previous entry's `hash` ('' for the first); `hash`
 * is eventHash() of the entry's own fields. Then, as a cross-check the chain alone cannot make
 * (a record rewritten without an event, or the newest events dropped), every deposit's stored
 * status must be the `to` of its last event.
 */

export interface BrokenLink {
  seq: number;
  /** Store key of the entry (differs from seqKey(seq) when the key itself was tampered with). */
  key: string;
  reason: string;
}

export interface RecordMismatch {
  deposit_id: string;
  status: StoredStatus;
  /** `to` of the deposit's last event; null when it has no event at all. */
  last_event_to: StoredStatus | null;
}

export interface AuditReport {
  ok: boolean;
  /** Events in the log. */
  count: number;
  /** seq of the last event, 0 for an empty log. */
  head_seq: number;
  /** hash of the last event ('' for an empty log). */
  head_hash: string;
  first_broken?: BrokenLink;
  /** Deposits checked against their last event. */
  deposits: number;
  /** Deposits whose status disagrees with their history. */
  mismatch_count: number;
  /** The first of them (at most MAX_MISMATCHES). */
  mismatches: RecordMismatch[];
}

const MAX_MISMATCHES = 20;

/** The reason `ev` (stored under `key`) does not extend a chain whose head is (`prevSeq`, `prevHash`). */
export function linkError(
  key: string,
  ev: DepositEvent,
  prevSeq: number,
  prevHash: string,
): string | undefined {
  if (typeof ev !== 'object' || ev === null || typeof ev.seq !== 'number') return 'entry is not an event';
  if (key !== seqKey(ev.seq)) return `stored under key ${key}, which is not its seq`;
  if (ev.seq !== prevSeq + 1) return `sequence gap: expected seq ${prevSeq + 1}, found ${ev.seq}`;
  if (ev.prev_hash !== prevHash) return `prev_hash does not match the hash of entry ${prevSeq || '(none)'}`;
  const { hash, ...fields } = ev;
  if (eventHash(fields) !== hash) return 'hash does not match the entry: the entry was modified';
  return undefined;
}

export async function verifyAudit(store: Store): Promise<AuditReport> {
  let count = 0;
  let prevSeq = 0;
  let prevHash = '';
  let firstBroken: BrokenLink | undefined;
  const lastTo = new Map<string, StoredStatus>();
  for await (const [key, ev] of store.entries<DepositEvent>('events')) {
    count++;
    if (firstBroken === undefined) {
      const reason = linkError(key, ev, prevSeq, prevHash);
      if (reason !== undefined)
        firstBroken = { seq: typeof ev?.seq === 'number' ? ev.seq : prevSeq + 1, key, reason };
    }
    // After a break, keep following the entries as they are so one bad entry is reported once.
    prevSeq = typeof ev?.seq === 'number' ? ev.seq : prevSeq + 1;
    prevHash = typeof ev?.hash === 'string' ? ev.hash : '';
    // An operator's event that is not a deposit's (to null: a rate set at run time) has no record.
    if (typeof ev?.deposit_id === 'string' && ev.to !== null) lastTo.set(ev.deposit_id, ev.to);
  }

  let deposits = 0;
  const mismatches: RecordMismatch[] = [];
  let mismatched = 0;
  for await (const [id, rec] of store.entries<DepositRecord>('deposits')) {
    deposits++;
    const to = lastTo.get(id) ?? null;
    if (to === rec.status) continue;
    mismatched++;
    if (mismatches.length < MAX_MISMATCHES)
      mismatches.push({ deposit_id: id, status: rec.status, last_event_to: to });
  }
  return {
    ok: firstBroken === undefined && mismatched === 0,
    count,
    head_seq: prevSeq,
    head_hash: prevHash,
    ...(firstBroken ? { first_broken: firstBroken } : {}),
    deposits,
    mismatch_count: mismatched,
    mismatches,
  };
}

/** A one-paragraph summary for the CLI and logs. */
export function formatAuditReport(r: AuditReport): string {
  const lines = [
    `${r.count} events, head seq ${r.head_seq}${r.head_hash ? ` (${r.head_hash.slice(0, 16)}…)` : ''}; ${r.deposits} deposits`,
  ];
  if (r.first_broken)
    lines.push(`BROKEN at seq ${r.first_broken.seq} (key ${r.first_broken.key}): ${r.first_broken.reason}`);
  if (r.mismatch_count > r.mismatches.length)
    lines.push(`${r.mismatch_count} deposits disagree with their history; the first:`);
  for (const m of r.mismatches) {
    lines.push(
      `MISMATCH deposit ${m.deposit_id}: status ${m.status}, but its last event ${m.last_event_to === null ? 'is missing' : `moved it to ${m.last_event_to}`}`,
    );
  }
  lines.push(r.ok ? 'audit log OK' : 'audit log FAILED verification');
  return lines.join('\n') + '\n';
}

import { createHash } from 'node:crypto';
import type { Op, Store } from '../store/store';
import { prefixRange, seqKey } from '../store/store';
import type { PreparedPayout } from '../sender/types';
import type { Binding, DepositEvent, DepositRecord, StoredStatus } from './types';
import { ExchangeError } from './errors';

/**
 * The exchange's records in the store (key layout: src/store/store.ts). Every change of a deposit
 * is one atomic batch: the record, its status index entry and one hash-chained event.
 *
 * Sequence numbers and the event chain are allocated synchronously right before `store.write`
 * enqueues the batch, so batches reach LevelDB in allocation order even when many deposits move
 * at once (the store group-commits them).
 */

/** Allowed transitions (teller's state machine; passthrough statuses per teller-core §5.3). */
const TRANSITIONS: Record<StoredStatus, readonly StoredStatus[]> = {
  waiting_decide: ['waiting_send', 'waiting_passthrough', 'done'],
  waiting_passthrough: ['waiting_passthrough_order_complete', 'waiting_send', 'done'],
  waiting_passthrough_order_complete: ['waiting_send', 'waiting_passthrough', 'done'],
  waiting_send: ['waiting_confirm', 'done'],
  waiting_confirm: ['done', 'waiting_send'],
  done: [],
};

export const bindingKey = (coin: string, address: string): string => `${coin}!${address}`;
const statusKey = (status: StoredStatus, id: string): string => `${status}!${id}`;
/** The errored-deposits index in `meta` (see loadErrored). */
const ERROR_PREFIX = 'deposit_error!';
const ERRORS_AT = 'deposit_errors_at';
const nowSec = (): number => Math.floor(Date.now() / 1000);

export class DepositStore {
  private depositSeq = 0;
  private bindSeq = 0;
  private eventSeq = 0;
  private lastEventHash = '';
  /** Ids of deposits whose `error` is set (health's deposit_error_count), kept current by commit. */
  readonly errored = new Set<string>();

  constructor(readonly store: Store) {}

  /** Loads the counters and the head of the event chain. */
  async open(): Promise<void> {
    this.depositSeq = (await this.store.get<number>('meta', 'counter:deposit')) ?? 0;
    this.bindSeq = (await this.store.get<number>('meta', 'counter:bind')) ?? 0;
    for await (const [, ev] of this.store.entries<DepositEvent>('events', { reverse: true, limit: 1 })) {
      this.eventSeq = ev.seq;
      this.lastEventHash = ev.hash;
    }
    await this.loadErrored();
  }

  /**
   * The errored set comes from an index in `meta` that every commit keeps, with the event seq it
   * is current with. When that seq is not the head of the event chain (a store written before the
   * index existed, or by a build that did not keep it), every deposit is read once and the index
   * rewritten: decoding 100,000 deposits at each start took ~0.8 s.
   */
  private async loadErrored(): Promise<void> {
    const indexedAt = await this.store.get<number>('meta', ERRORS_AT);
    const indexed = await this.store.keyList('meta', prefixRange(ERROR_PREFIX));
    if (indexedAt === this.eventSeq) {
      for (const key of indexed) this.errored.add(key.slice(ERROR_PREFIX.length));
      return;
    }
    for await (const [id, rec] of this.store.entries<DepositRecord>('deposits'))
      if (rec.error) this.errored.add(id);
    await this.store.write([
      ...indexed.map((key): Op => ({ type: 'del', space: 'meta', key })),
      ...[...this.errored].map((id): Op => ({
        type: 'put',
        space: 'meta',
        key: ERROR_PREFIX + id,
        value: '',
      })),
      { type: 'put', space: 'meta', key: ERRORS_AT, value: this.eventSeq },
    ]);
  }

  get(id: string): Promise<DepositRecord | undefined> {
    return this.store.get<DepositRecord>('deposits', id);
  }

  getBinding(coin: string, address: string): Promise<Binding | undefined> {
    return this.store.get<Binding>('bindings', bindingKey(coin, address));
  }

  async bindingsOf(skyAddress: string): Promise<Binding[]> {
    const keys = await this.store.values<string>('bindings_by_sky', prefixRange(`${skyAddress}!`));
    const found = await this.store.getMany<Binding>('bindings', keys);
    return found.filter((b): b is Binding => b !== undefined);
  }

  async countBindings(skyAddress: string): Promise<number> {
    const keys = this.store.keys('bindings_by_sky', prefixRange(`${skyAddress}!`));
    let n = 0;
    while (!(await keys.next()).done) n++;
    return n;
  }

  async allBindings(): Promise<Binding[]> {
    return this.store.values<Binding>('bindings');
  }

  /**
   * Every bound (coin, deposit address), read from the keys alone: at startup, with 100,000
   * bindings, decoding every record only to re-watch its address cost ~0.3 s and 20 MB of heap.
   */
  async boundAddresses(): Promise<{ coin: string; address: string }[]> {
    return (await this.store.keyList('bindings')).map((key) => {
      const sep = key.indexOf('!');
      return { coin: key.slice(0, sep), address: key.slice(sep + 1) };
    });
  }

  /** Writes a binding and marks its address used in `poolCoin`'s pool, atomically. */
  async bind(
    skyAddress: string,
    coin: string,
    poolCoin: string,
    address: string,
    buyMethod: Binding['buy_method'],
  ): Promise<Binding> {
    const binding: Binding = {
      sky_address: skyAddress,
      address,
      coin_type: coin,
      buy_method: buyMethod,
      seq: ++this.bindSeq,
      created_at: nowSec(),
    };
    const key = bindingKey(coin, address);
    await this.store.write([
      { type: 'put', space: 'bindings', key, value: binding },
      { type: 'put', space: 'bindings_by_sky', key: `${skyAddress}!${seqKey(binding.seq)}`, value: key },
      { type: 'put', space: 'pool_used', key: bindingKey(poolCoin, address), value: binding.seq },
      { type: 'put', space: 'meta', key: 'counter:bind', value: this.bindSeq },
    ]);
    return binding;
  }

  /** Addresses of `coin`'s pool already handed out. */
  async usedAddresses(coin: string): Promise<string[]> {
    const keys = await this.store.keyList('pool_used', prefixRange(`${coin}!`));
    return keys.map((k) => k.slice(coin.length + 1));
  }

  async depositsOfAddress(coin: string, address: string): Promise<DepositRecord[]> {
    const ids = await this.store.values<string>(
      'deposits_by_addr',
      prefixRange(`${bindingKey(coin, address)}!`),
    );
    const found = await this.store.getMany<DepositRecord>('deposits', ids);
    return found.filter((d): d is DepositRecord => d !== undefined);
  }

  async idsWithStatus(status: StoredStatus): Promise<string[]> {
    const ids: string[] = [];
    for await (const k of this.store.keys('deposit_status', prefixRange(`${status}!`)))
      ids.push(k.slice(status.length + 1));
    return ids;
  }

  /** Every deposit, in deposit-id order; `status` filters through the index. */
  async list(status?: StoredStatus): Promise<DepositRecord[]> {
    if (status === undefined) return this.store.values<DepositRecord>('deposits');
    const found = await this.store.getMany<DepositRecord>('deposits', await this.idsWithStatus(status));
    return found.filter((d): d is DepositRecord => d !== undefined);
  }

  async events(depositId?: string): Promise<DepositEvent[]> {
    const all = await this.store.values<DepositEvent>('events');
    return depositId === undefined ? all : all.filter((e) => e.deposit_id === depositId);
  }

  getPayout(id: string): Promise<PreparedPayout | undefined> {
    return this.store.get<PreparedPayout>('payouts', id);
  }

  /** Creates a deposit record (status from `record.status`), with its indices and first event. */
  async create(record: Omit<DepositRecord, 'seq'>, note: string): Promise<DepositRecord> {
    const full: DepositRecord = { ...record, seq: ++this.depositSeq };
    const ops: Op[] = [
      { type: 'put', space: 'meta', key: 'counter:deposit', value: this.depositSeq },
      {
        type: 'put',
        space: 'deposits_by_addr',
        key: `${bindingKey(full.coin_type, full.deposit_address)}!${seqKey(full.seq)}`,
        value: full.deposit_id,
      },
    ];
    await this.commit(null, full, note, ops);
    return full;
  }

  /**
   * Moves `current` to `next` (checked against TRANSITIONS; the caller holds the deposit's lock and
   * `current` is what the store holds). `extra` ops join the same batch.
   */
  async transition(
    current: DepositRecord,
    next: Partial<DepositRecord> & { status: StoredStatus },
    note: string,
    extra: Op[] = [],
  ): Promise<DepositRecord> {
    if (next.status !== current.status && !TRANSITIONS[current.status].includes(next.status)) {
      throw new ExchangeError(
        'bad_transition',
        `deposit ${current.deposit_id}: transition ${current.status} -> ${next.status} is not allowed`,
      );
    }
    const updated: DepositRecord = { ...current, ...next, updated_at: nowSec() };
    await this.commit(current.status, updated, note, extra);
    return updated;
  }

  /** Rewrites a record without changing its status (errors, attempts), with an event. */
  update(
    current: DepositRecord,
    changes: Partial<DepositRecord>,
    note: string,
    extra: Op[] = [],
  ): Promise<DepositRecord> {
    return this.transition(current, { ...changes, status: current.status }, note, extra);
  }

  private commit(from: StoredStatus | null, rec: DepositRecord, note: string, extra: Op[]): Promise<void> {
    const event = this.nextEvent(rec.deposit_id, from, rec.status, note);
    const ops: Op[] = [
      ...extra,
      { type: 'put', space: 'deposits', key: rec.deposit_id, value: rec },
      { type: 'put', space: 'deposit_status', key: statusKey(rec.status, rec.deposit_id), value: '' },
      { type: 'put', space: 'events', key: seqKey(event.seq), value: event },
    ];
    if (from !== null && from !== rec.status) {
      ops.push({ type: 'del', space: 'deposit_status', key: statusKey(from, rec.deposit_id) });
    }
    const errorKey = ERROR_PREFIX + rec.deposit_id;
    if (rec.error) ops.push({ type: 'put', space: 'meta', key: errorKey, value: '' });
    else if (this.errored.has(rec.deposit_id)) ops.push({ type: 'del', space: 'meta', key: errorKey });
    ops.push({ type: 'put', space: 'meta', key: ERRORS_AT, value: event.seq });
    const written = this.store.write(ops);
    return written.then(() => {
      if (rec.error) this.errored.add(rec.deposit_id);
      else this.errored.delete(rec.deposit_id);
    });
  }

  private nextEvent(id: string, from: StoredStatus | null, to: StoredStatus, note: string): DepositEvent {
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

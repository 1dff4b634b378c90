import type { DeferredWrite, Op, Store } from '../store/store';
import { prefixRange, seqKey } from '../store/store';
import type { PreparedPayout } from '../sender/types';
import type { StoredStatus } from '../core/deposit';
import type { Binding, DepositEvent, DepositRecord } from './types';
import { ExchangeError } from './errors';
import { bindingKey, depositByAddrKey, PayoutIndex, type DepositSummary } from './payout-index';
import { indexOps, loadIndices } from './deposit-indices';
import { EventChain } from './event-chain';
import { putTermsOp, type FrozenTerms } from './terms';

/**
 * The exchange's records in the store (key layout: src/store/store.ts). Every change of a deposit
 * is one atomic batch: the record, its status index entry and one hash-chained event.
 *
 * It owns its key spaces: nothing else reaches its Store (test/unit/architecture/deposit-store-owner
 * .test.ts) but the two helpers it hands it to, the indices it keeps by commit (deposit-indices.ts)
 * and the event chain (event-chain.ts). A caller whose own keys must change with a deposit's passes
 * them as `extra` ops, which join the deposit's batch (create, transition, update,
 * recordOperatorEvent).
 *
 * An event's seq and its place in the hash chain are taken when the store builds the batch that
 * carries it (a DeferredWrite), in queue order, and given back if that batch fails: a failed write
 * leaves no gap in the chain, and the writes queued behind it chain on the last durable event.
 */

/**
 * Allowed transitions (teller's state machine; passthrough statuses per teller-core §5.3): the
 * moves the daemon makes, no others (test/unit/exchange/transitions.test.ts). waiting_passthrough
 * → done and order_complete → waiting_passthrough are an admin's (handled, retry).
 */
const TRANSITIONS: Record<StoredStatus, readonly StoredStatus[]> = {
  waiting_decide: ['waiting_send', 'waiting_passthrough'],
  waiting_passthrough: ['waiting_passthrough_order_complete', 'done'],
  waiting_passthrough_order_complete: ['waiting_send', 'waiting_passthrough', 'done'],
  waiting_send: ['waiting_confirm', 'done'],
  waiting_confirm: ['done'],
  done: [],
};

export { bindingKey };
export { eventHash } from './event-chain';
const nowSec = (): number => Math.floor(Date.now() / 1000);

export class DepositStore {
  private depositSeq = 0;
  private bindSeq = 0;
  /** Ids of deposits whose `error` is set (health's deposit_error_count), kept current by commit. */
  readonly errored = new Set<string>();
  private index = new PayoutIndex();
  private readonly chain: EventChain;

  constructor(private readonly store: Store) {
    this.chain = new EventChain(store);
  }

  /** Loads the counters, the head of the event chain and the in-memory indices. */
  async open(): Promise<void> {
    this.depositSeq = (await this.store.get<number>('meta', 'counter:deposit')) ?? 0;
    this.bindSeq = (await this.store.get<number>('meta', 'counter:bind')) ?? 0;
    await this.chain.open();
    this.index = await loadIndices(this.store, this.chain.seq, this.errored);
  }

  get(id: string): Promise<DepositRecord | undefined> {
    return this.store.get<DepositRecord>('deposits', id);
  }

  getBinding(coin: string, address: string): Promise<Binding | undefined> {
    return this.store.get<Binding>('bindings', bindingKey(coin, address));
  }

  /** The bindings of a payout address, in bind order. */
  async bindingsOf(skyAddress: string): Promise<Binding[]> {
    const keys = this.index.bindingsOf(skyAddress).map((b) => b.key);
    const found = await this.store.getMany<Binding>('bindings', keys);
    return found.filter((b): b is Binding => b !== undefined);
  }

  async countBindings(skyAddress: string): Promise<number> {
    return this.index.bindingsOf(skyAddress).length;
  }

  /** The binding keys (`coin!address`) of a payout address that are durable, from memory. */
  bindingKeysOf(skyAddress: string): string[] {
    return this.index.bindingsOf(skyAddress).map((b) => b.key);
  }

  /** Changes whenever statusView or detailView of `skyAddress` may (PayoutIndex.stampOf). */
  statusStamp(skyAddress: string): number {
    return this.index.stampOf(skyAddress);
  }

  /**
   * /api/status's view of a payout address, from memory: for each binding (bind order) its coin
   * and the status and update time of each deposit recorded on it (recording order).
   */
  statusView(skyAddress: string): { coin: string; deposits: DepositSummary[] }[] {
    return this.index.bindingsOf(skyAddress).map(({ key, deposits }) => ({
      coin: key.slice(0, key.indexOf('!')),
      deposits: deposits.map((seq) => this.index.summaryOf(seq)),
    }));
  }

  async allBindings(): Promise<Binding[]> {
    return this.store.values<Binding>('bindings');
  }

  /**
   * Every bound (coin, deposit address), from the in-memory index: at startup, with 100,000
   * bindings, decoding every record only to re-watch its address cost ~0.3 s and 20 MB of heap,
   * and even the keys of `bindings` held 7 MB more than these slices of the index's strings.
   */
  async boundAddresses(): Promise<{ coin: string; address: string }[]> {
    return [...this.index.bindingKeys()].map((key) => {
      const sep = key.indexOf('!');
      return { coin: key.slice(0, sep), address: key.slice(sep + 1) };
    });
  }

  /**
   * Writes a binding and marks its address used in `poolCoin`'s pool, atomically; `extra`'s ops go
   * in the same batch (a derived pool's index and state, built when the batch is).
   */
  async bind(
    skyAddress: string,
    coin: string,
    poolCoin: string,
    address: string,
    buyMethod: Binding['buy_method'],
    extra?: DeferredWrite,
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
    const ops: Op[] = [
      { type: 'put', space: 'bindings', key, value: binding },
      { type: 'put', space: 'bindings_by_sky', key: `${skyAddress}!${seqKey(binding.seq)}`, value: key },
      { type: 'put', space: 'pool_used', key: bindingKey(poolCoin, address), value: binding.seq },
      { type: 'put', space: 'meta', key: 'counter:bind', value: this.bindSeq },
    ];
    await this.store.write(
      extra ? { build: () => [...ops, ...extra.build()], settle: (ok) => extra.settle(ok) } : ops,
    );
    this.index.bound(skyAddress, key);
    return binding;
  }

  /**
   * What the store holds on a deposit address shared by `coins` (tokens share the ETH pool): a
   * binding record or an indexed binding. One read (the binding records); the rest is in memory.
   * Deposits and scanner records on it: `recordedAddresses`.
   */
  bindingsOn(coins: readonly string[], address: string): string[] {
    const keys = coins.map((c) => bindingKey(c, address));
    const found: string[] = [];
    // On the calling thread: the binder asks this while it holds the bind lock, and an async read
    // held the lock for a trip through the event loop (binds then ran one at a time at ~2,600/s).
    const records = this.store.getManySync<Binding>('bindings', keys);
    records.forEach((b, i) => {
      if (b !== undefined) found.push(`it is bound to ${b.sky_address} for ${b.coin_type}`);
      else if (this.index.binding(keys[i]) !== undefined)
        found.push(`a ${coins[i]} binding of it is indexed`);
    });
    return found;
  }

  /**
   * Every `coin!address` the store has a deposit record on (deposits_by_addr), a scanner's record
   * (seen or handed over, in `scan`) or an orphan deposit (`orphans`). Read once, by the binder:
   * keys only for the deposits (100,000 in ~0.1 s); the other two spaces are small (the scanner
   * keeps its records for the reorg window).
   */
  async recordedAddresses(): Promise<Set<string>> {
    const out = new Set<string>();
    await this.store.forEachKey('deposits_by_addr', (k) => out.add(k.slice(0, k.lastIndexOf('!'))));
    const add = (v: unknown): void => {
      const d = (v as { deposit?: unknown }).deposit ?? v;
      const { coin_type: coin, address } = d as { coin_type?: unknown; address?: unknown };
      if (typeof coin === 'string' && typeof address === 'string') out.add(bindingKey(coin, address));
    };
    await this.store.forEachEntry('orphans', (_k, v) => add(v));
    await this.store.forEachEntry('scan', (k, v) => {
      if (k.includes('!seen!') || k.includes('!handed!')) add(v);
    });
    return out;
  }

  /** Marks a pool address used without a binding (one the binder skipped: see Binder). */
  async markUsed(poolCoin: string, address: string): Promise<void> {
    await this.store.write([
      { type: 'put', space: 'pool_used', key: bindingKey(poolCoin, address), value: 0 },
    ]);
  }

  /** Whether `address` of `coin`'s pool was handed out already (one point read). */
  async isPoolUsed(coin: string, address: string): Promise<boolean> {
    return (await this.store.get<number>('pool_used', bindingKey(coin, address))) !== undefined;
  }

  /** Addresses of `coin`'s pool already handed out. */
  async usedAddresses(coin: string): Promise<string[]> {
    const keys = await this.store.keyList('pool_used', prefixRange(`${coin}!`));
    return keys.map((k) => k.slice(coin.length + 1));
  }

  /** The deposits recorded on a deposit address, in recording order (two point reads). */
  async depositsOfAddress(coin: string, address: string): Promise<DepositRecord[]> {
    const key = bindingKey(coin, address);
    const seqs = this.index.binding(key)?.deposits ?? [];
    if (seqs.length === 0) return [];
    const ids = await this.store.getMany<string>(
      'deposits_by_addr',
      seqs.map((seq) => depositByAddrKey(key, seq)),
    );
    const found = await this.store.getMany<DepositRecord>(
      'deposits',
      ids.filter((id): id is string => id !== undefined),
    );
    return found.filter((d): d is DepositRecord => d !== undefined);
  }

  /**
   * /api/v2/status's view of a payout address: its bindings (bind order) with their deposits'
   * records (recording order). Point reads on the calling thread (Store.getManySync): a page
   * polls this per buyer, and async reads cost most of the route's time.
   */
  detailView(skyAddress: string): { coin: string; address: string; deposits: DepositRecord[] }[] {
    const bindings = this.index.bindingsOf(skyAddress);
    const keys = bindings.flatMap(({ key, deposits }) => deposits.map((seq) => depositByAddrKey(key, seq)));
    const ids = this.store.getManySync<string>('deposits_by_addr', keys);
    const present = ids.filter((id): id is string => id !== undefined);
    const records = this.store.getManySync<DepositRecord>('deposits', present);
    const byId = new Map(present.map((id, i) => [id, records[i]]));
    let next = 0;
    return bindings.map(({ key, deposits }) => {
      const found: DepositRecord[] = [];
      for (let i = 0; i < deposits.length; i++) {
        const id = ids[next++];
        const rec = id === undefined ? undefined : byId.get(id);
        if (rec !== undefined) found.push(rec);
      }
      const sep = key.indexOf('!');
      return { coin: key.slice(0, sep), address: key.slice(sep + 1), deposits: found };
    });
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

  /** Rewrites a deposit's prepared payout (its broadcast count and time). */
  async putPayout(payout: PreparedPayout): Promise<void> {
    await this.store.write([{ type: 'put', space: 'payouts', key: payout.deposit_id, value: payout }]);
  }

  /** The records of these ids (undefined where none), in one read. */
  getMany(ids: string[]): Promise<(DepositRecord | undefined)[]> {
    return this.store.getMany<DepositRecord>('deposits', ids);
  }

  /** The bindings at these `coin!address` keys (undefined where none), in one read. */
  bindingsAt(keys: string[]): Promise<(Binding | undefined)[]> {
    return this.store.getMany<Binding>('bindings', keys);
  }

  /** Every record whose id starts with `tx:` (token deposits stored by earlier builds). */
  async recordsOfTx(tx: string): Promise<DepositRecord[]> {
    const found: DepositRecord[] = [];
    for await (const [, r] of this.store.entries<DepositRecord>('deposits', prefixRange(`${tx}:`)))
      found.push(r);
    return found;
  }

  /** The terms frozen at a deposit's first sighting (src/exchange/terms.ts), until its record. */
  termsOf(id: string): Promise<FrozenTerms | undefined> {
    return this.store.get<FrozenTerms>('deposit_terms', id);
  }

  termsOfMany(ids: string[]): Promise<(FrozenTerms | undefined)[]> {
    return this.store.getMany<FrozenTerms>('deposit_terms', ids);
  }

  /** Freezes the terms of deposits seen for the first time, in one batch. */
  async freezeTerms(terms: [string, FrozenTerms][]): Promise<void> {
    await this.store.write(terms.map(([id, t]) => putTermsOp(id, t)));
  }

  /** Sets aside a deposit to an unbound address (`orphans`, read by recordedAddresses). */
  async putOrphan(id: string, deposit: unknown): Promise<void> {
    await this.store.write([{ type: 'put', space: 'orphans', key: id, value: deposit }]);
  }

  /** A `meta` record an operator event wrote (recordOperatorEvent's ops: a rate set at run time). */
  operatorRecord<T>(key: string): Promise<T | undefined> {
    return this.store.get<T>('meta', key);
  }

  /** Creates a deposit record (status from `record.status`), with its indices and first event. */
  async create(record: Omit<DepositRecord, 'seq'>, note: string, extra: Op[] = []): Promise<DepositRecord> {
    const full: DepositRecord = { ...record, seq: ++this.depositSeq };
    const ops: Op[] = [
      ...extra,
      { type: 'put', space: 'meta', key: 'counter:deposit', value: this.depositSeq },
      {
        type: 'put',
        space: 'deposits_by_addr',
        key: depositByAddrKey(bindingKey(full.coin_type, full.deposit_address), full.seq),
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
    const ops: Op[] = [
      ...extra,
      { type: 'put', space: 'deposits', key: rec.deposit_id, value: rec },
      ...indexOps(from, rec, this.errored),
    ];
    return this.chain.write(ops, rec.deposit_id, from, rec.status, note).then(() => {
      if (rec.error) this.errored.add(rec.deposit_id);
      else this.errored.delete(rec.deposit_id);
      if (from === null) this.index.recorded(rec);
      else this.index.updated(rec);
    });
  }

  /**
   * An operator's change that is not a deposit's (a rate set at run time), on the same hash-chained
   * audit log: `subject` (e.g. `rate:BTC`, never a `txid:n` deposit id) names it, `from` and `to`
   * are null, `note` says what changed. Written in one batch with `ops`.
   */
  recordOperatorEvent(subject: string, note: string, ops: Op[]): Promise<void> {
    return this.chain.write(ops, subject, null, null, note);
  }
}

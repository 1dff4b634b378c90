import { Level } from 'level';
import {
  CheckpointWriter,
  checkAgainst,
  checkpointPath,
  lastEvent,
  newStoreId,
  readCheckpoint,
  storeDirState,
  type CheckpointState,
  type OpenOptions,
} from './checkpoint';
import { decodeValue, encodeValue } from './codec';
import { batched, drain, LEVELDB_OPTIONS, writeSynced, type RangeOptions, type RootOp } from './leveldb';
import { StoreDamagedError, StoreError, StoreLockedError, SchemaTooNewError } from './errors';

/**
 * The embedded LevelDB store. Only this folder imports `level`.
 *
 * Key layout: one sublevel per record kind ("space"), keys are strings, values are encoded with
 * v8 structured serialisation (so bigint amounts survive as bigint). Sublevel prefixes are
 * `!<space>!`, LevelDB's sublevel convention.
 *
 *   meta              schema_version -> number; counter:<name> -> number; store_id -> random hex;
 *                     batch_seq -> number of the last batch written (checkpoint.ts);
 *                     pool_stamp:<coin> -> PoolStamp (pool file already validated: src/pool/stamp.ts);
 *                     deposit_error!<txid>:<n> -> '' (deposits whose `error` is set) and
 *                     deposit_indices_at -> the event seq that index and deposit_summary are
 *                     current with (exchange)
 *   deposits          <txid>:<n> -> DepositRecord (exchange)
 *   deposit_status    <status>!<txid>:<n> -> '' (index by status, written with every transition)
 *   deposit_summary   <seq 16 digits> -> '<status> <updated_at>' (for /api/status, likewise)
 *   deposits_by_addr  <coin>!<deposit address>!<seq 16 digits> -> deposit id
 *   events            <seq 16 digits> -> DepositEvent (append-only, hash-chained)
 *   bindings          <coin>!<deposit address> -> Binding
 *   bindings_by_sky   <sky address>!<seq 16 digits> -> '<coin>!<deposit address>'
 *   pool_used         <coin>!<address> -> number (bind sequence that took it)
 *   pool_derived      <coin>!<source id>!<index 10 digits> -> DerivedEntry (derived pools'
 *                     addresses, with meta derived:<coin>!<source id>: src/pool/derived.ts)
 *   scan              <chain>!cursor -> {height, hash}; <chain>!block!<height 12 digits> -> BlockRef;
 *                     <chain>!seen!<height 12 digits>!<deposit id> -> SeenDeposit
 *   payouts           <deposit id> -> PreparedPayout (signed payout, stored before broadcast)
 *   sender            sender-private state (nonce high-water mark, dummy sender ledger)
 *   orphans           <deposit id> -> deposit seen on a watched address with no binding
 *   passthrough       exchange order records
 *   deposit_terms     <deposit id> -> FrozenTerms: rate, decimals, buy method frozen when a scanner
 *                     first saw the deposit, until its record is created (src/exchange/terms.ts)
 *
 * Writes go through `write()`: each call is one atomic batch. Concurrent calls are group-committed
 * into one synced LevelDB batch, so durability (sync) does not cost one fsync per transition.
 */
export const SCHEMA_VERSION = 1;

export const SPACES = [
  'meta',
  'deposits',
  'deposit_status',
  'deposit_summary',
  'deposits_by_addr',
  'events',
  'bindings',
  'bindings_by_sky',
  'pool_used',
  'pool_derived',
  'scan',
  'payouts',
  'sender',
  'orphans',
  'passthrough',
  'deposit_terms',
] as const;
export type Space = (typeof SPACES)[number];

export type Op =
  { type: 'put'; space: Space; key: string; value: unknown } | { type: 'del'; space: Space; key: string };

const makeSub = (db: Level<string, Uint8Array>, space: string) =>
  db.sublevel<string, Uint8Array>(space, { keyEncoding: 'utf8', valueEncoding: 'view' });
type Sub = ReturnType<typeof makeSub>;

/**
 * A write whose ops are made when its batch is built rather than when it is queued: for records
 * that chain on the previous durable one (the audit log's seq and hash). `build` runs in queue
 * order, after every earlier batch has settled. `settle` runs synchronously once the write is
 * durable (true) or has failed (false), before the next batch is built; the writers of a failed
 * batch settle in reverse build order, so each can undo what its build did.
 */
export interface DeferredWrite {
  build(): Op[];
  settle(durable: boolean): void;
}

interface PendingWrite {
  ops: Op[] | DeferredWrite;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export { decodeValue, encodeValue };
export { prefixRange, type RangeOptions } from './leveldb';

/** Pads a sequence number so that lexicographic key order is numeric order. */
export const seqKey = (n: number, width = 16): string => String(n).padStart(width, '0');

export class Store {
  private readonly subs: Map<Space, Sub>;
  private queue: PendingWrite[] = [];
  private writing = false;
  private closed = false;
  /** The last durable batch and audit head (what the checkpoint may say). */
  private head: CheckpointState = { store_id: '', batch: 0, event_seq: 0, event_hash: '' };
  private checkpoint: CheckpointWriter | undefined;

  private constructor(
    private readonly db: Level<string, Uint8Array>,
    readonly dir: string,
  ) {
    this.subs = new Map(SPACES.map((s) => [s, makeSub(db, s)]));
  }

  /**
   * Opens the store in `dir`, creating it only where there is none yet. Refuses a newer schema, a
   * second process, a dir whose CURRENT file is gone and, given a checkpoint, a store that lost
   * data it acknowledged (StoreDamagedError).
   */
  static async open(dir: string, opts: OpenOptions = {}): Promise<Store> {
    const file = opts.checkpoint ?? checkpointPath(dir);
    const recorded = opts.checkpoint === undefined ? undefined : readCheckpoint(file, dir);
    const found = storeDirState(dir);
    // Opened, LevelDB would make a new store from the log alone and delete the tables as obsolete.
    if (found === 'no_current')
      throw new StoreDamagedError(
        dir,
        file,
        'its CURRENT file is missing, so LevelDB cannot tell which of its files hold the data',
      );
    if (found === 'none' && recorded)
      throw new StoreDamagedError(
        dir,
        file,
        `it is missing or empty, but its checkpoint ${file} records ${recorded.batch} writes`,
      );
    const db = new Level<string, Uint8Array>(dir, {
      ...LEVELDB_OPTIONS,
      createIfMissing: found === 'none',
    });
    try {
      await db.open();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') throw new StoreLockedError(dir, { cause: err });
      throw new StoreError(`cannot open store at ${dir}: ${(cause as Error | undefined)?.message ?? err}`, {
        cause: err,
      });
    }
    const store = new Store(db, dir);
    try {
      await store.init(recorded, file);
    } catch (err) {
      await db.close();
      throw err;
    }
    if (opts.checkpoint !== undefined) {
      store.checkpoint = new CheckpointWriter(file, store.head, opts.onCheckpointError ?? (() => undefined));
      store.checkpoint.advance(store.head);
      await store.checkpoint.flush();
    }
    return store;
  }

  /** Checks the schema and the checkpoint, and gives a new store its id. */
  private async init(recorded: CheckpointState | undefined, file: string): Promise<void> {
    const version = await this.get<number>('meta', 'schema_version');
    if (version !== undefined && version > SCHEMA_VERSION)
      throw new SchemaTooNewError(this.dir, version, SCHEMA_VERSION);
    const id = await this.get<string>('meta', 'store_id');
    this.head = {
      store_id: id ?? '',
      batch: (await this.get<number>('meta', 'batch_seq')) ?? 0,
      event_seq: 0,
      event_hash: '',
    };
    for await (const [, ev] of this.entries<{ seq: number; hash: string }>('events', {
      reverse: true,
      limit: 1,
    }))
      this.head = { ...this.head, event_seq: ev.seq, event_hash: ev.hash };
    if (recorded)
      await checkAgainst(recorded, this.head, (seq) => this.get('events', seqKey(seq)), this.dir, file);
    const ops: Op[] = [];
    if (version === undefined)
      ops.push({ type: 'put', space: 'meta', key: 'schema_version', value: SCHEMA_VERSION });
    if (id === undefined) {
      this.head = { ...this.head, store_id: newStoreId() };
      ops.push({ type: 'put', space: 'meta', key: 'store_id', value: this.head.store_id });
    }
    await this.write(ops);
  }

  /** The last durable batch and audit head: what a checkpoint of this store says now. */
  state(): CheckpointState {
    return this.head;
  }

  private sub(space: Space): Sub {
    const s = this.subs.get(space);
    if (!s) throw new StoreError(`unknown store space ${space}`);
    return s;
  }

  async get<T>(space: Space, key: string): Promise<T | undefined> {
    const raw = await this.sub(space).get(key);
    return raw === undefined ? undefined : decodeValue<T>(raw);
  }

  async getMany<T>(space: Space, keys: string[]): Promise<(T | undefined)[]> {
    const raws = await this.sub(space).getMany(keys);
    return raws.map((r) => (r === undefined ? undefined : decodeValue<T>(r)));
  }

  /**
   * `getMany` on the calling thread, for a few small values: cheaper than the async hand-off (5
   * keys: ~19 µs of CPU, ~49 µs as one getMany), but the event loop waits for the disk meanwhile.
   */
  getManySync<T>(space: Space, keys: readonly string[]): (T | undefined)[] {
    const sub = this.sub(space);
    return keys.map((key) => {
      const raw = sub.getSync(key);
      return raw === undefined ? undefined : decodeValue<T>(raw);
    });
  }

  async *entries<T>(space: Space, range: RangeOptions = {}): AsyncGenerator<[string, T]> {
    for await (const [k, v] of this.sub(space).iterator(batched(range))) yield [k, decodeValue<T>(v)];
  }

  async *keys(space: Space, range: RangeOptions = {}): AsyncGenerator<string> {
    for await (const k of this.sub(space).keys(batched(range))) yield k;
  }

  /** Every key of the range, read in batches (no per-key promise: 100,000 keys in ~0.1 s). */
  async keyList(space: Space, range: RangeOptions = {}): Promise<string[]> {
    return this.sub(space).keys(batched(range)).all();
  }

  /**
   * Calls `fn` on every entry of the range in key order, read in batches: no promise per entry
   * (unlike `entries`) and no whole-range array in memory at once (unlike `values`).
   */
  forEachEntry<T>(
    space: Space,
    fn: (key: string, value: T) => void,
    range: RangeOptions = {},
  ): Promise<void> {
    return drain(this.sub(space).iterator(batched(range)), ([k, v]) => fn(k, decodeValue<T>(v)));
  }

  /** Like forEachEntry, for the keys alone. */
  forEachKey(space: Space, fn: (key: string) => void, range: RangeOptions = {}): Promise<void> {
    return drain(this.sub(space).keys(batched(range)), fn);
  }

  async values<T>(space: Space, range: RangeOptions = {}): Promise<T[]> {
    const raw = await this.sub(space).values(batched(range)).all();
    return raw.map((v) => decodeValue<T>(v));
  }

  /** Writes `ops` as one atomic, synced batch. Resolves once the batch is durable. */
  write(ops: Op[] | DeferredWrite): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('store is closed'));
    if (Array.isArray(ops) && ops.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      if (!this.writing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      // Each caller's ops stay together; callers are independent, so merging them into one batch
      // keeps each caller atomic while paying for one fsync. A caller whose ops cannot be encoded
      // fails alone.
      const batch: RootOp[] = [];
      const members: PendingWrite[] = [];
      let head = this.head;
      for (const w of group) {
        try {
          const ops = Array.isArray(w.ops) ? w.ops : w.ops.build();
          batch.push(...this.encode(ops));
          members.push(w);
          head = lastEvent(ops, head);
        } catch (err) {
          if (!Array.isArray(w.ops)) w.ops.settle(false);
          w.reject(err);
        }
      }
      if (members.length === 0) continue;
      head = { ...head, batch: head.batch + 1 };
      batch.push(...this.encode([{ type: 'put', space: 'meta', key: 'batch_seq', value: head.batch }]));
      try {
        await writeSynced(this.db, batch);
      } catch (err) {
        for (const w of [...members].reverse()) if (!Array.isArray(w.ops)) w.ops.settle(false);
        for (const w of members) w.reject(err);
        continue;
      }
      this.head = head;
      this.checkpoint?.advance(head);
      for (const w of members) if (!Array.isArray(w.ops)) w.ops.settle(true);
      for (const w of members) w.resolve();
    }
    this.writing = false;
  }

  private encode(ops: Op[]): RootOp[] {
    return ops.map((op) => ({
      key: this.sub(op.space).prefixKey(op.key, 'utf8'),
      value: op.type === 'put' ? encodeValue(op.value) : undefined,
    }));
  }

  /** Every record of every space, for backups. Reads from one LevelDB snapshot. */
  async *dump(): AsyncGenerator<{ space: Space; key: string; value: Uint8Array }> {
    const names = new Map<string, Space>(SPACES.map((s) => [`!${s}!`, s]));
    for await (const [k, v] of this.db.iterator()) {
      const end = k.indexOf('!', 1);
      const space = names.get(k.slice(0, end + 1));
      if (space) yield { space, key: k.slice(end + 1), value: v };
    }
  }

  /** Writes raw records (from `dump`) back, for restores into an empty data dir. */
  async load(records: { space: Space; key: string; value: Uint8Array }[]): Promise<void> {
    await writeSynced(
      this.db,
      records.map((r) => ({ key: this.sub(r.space).prefixKey(r.key, 'utf8'), value: r.value })),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.db.close();
    await this.checkpoint?.flush();
  }
}

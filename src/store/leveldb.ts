/**
 * How the store meets LevelDB: the options it opens it with, key ranges, batched iteration, and
 * synced batches written through the root db.
 */

export interface RangeOptions {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  reverse?: boolean;
  limit?: number;
}

/**
 * Every key that starts with `prefix`: up to the prefix with its last character incremented. (A
 * `prefix + '\uffff'` bound would miss keys whose next character lies beyond U+FFFF: 4 bytes in
 * UTF-8, sorting after EF BF BF — and deposit ids from the dummy API may hold any text.)
 */
export const prefixRange = (prefix: string): RangeOptions => ({
  gte: prefix,
  lt: prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1),
});

/**
 * How the store opens LevelDB. A 64 MB memtable (RocksDB's default) instead of LevelDB's 4 MB: a
 * bind writes ~0.4 KB, so under a burst of binds a 4 MB one was flushed every ~1.5 s, each flush
 * starting compactions through a 100,000-deposit store that took the CPU from the binds (on 2
 * cores, 32 clients binding: the synced writes' p99 8.4 ms against 6.3, the binds' 16-17 ms
 * against 10-11). The cost: up to twice that in memory while a memtable fills and is flushed,
 * and up to 64 MB of log to replay when the store is next opened.
 */
export const LEVELDB_OPTIONS = {
  keyEncoding: 'utf8',
  valueEncoding: 'view',
  writeBufferSize: 64 << 20,
} as const;

/** A batch op on the root db: the key with its space's prefix, the value encoded (none: a delete). */
export interface RootOp {
  key: string;
  value: Uint8Array | undefined;
}

/**
 * Bytes an iterator reads from LevelDB per native call. classic-level's default (16 KB) meant one
 * thread-pool round trip per ~16 deposit records when a whole space is read at startup (100,000
 * deposits: 6,000 trips, ~0.6 s); short prefix scans end long before this and are unaffected.
 */
const ITERATOR_BATCH_BYTES = 1 << 20;

/** Entries (or keys) forEachEntry and forEachKey take per call into LevelDB. */
const BATCH_SIZE = 1000;

/** Hands every item of `it` to `fn`, BATCH_SIZE per call into LevelDB, then closes it. */
export async function drain<T>(
  it: { nextv(size: number): Promise<T[]>; close(): Promise<void> },
  fn: (item: T) => void,
): Promise<void> {
  try {
    for (let batch = await it.nextv(BATCH_SIZE); batch.length > 0; batch = await it.nextv(BATCH_SIZE))
      for (const item of batch) fn(item);
  } finally {
    await it.close();
  }
}

/** `range` with that batch size (a classic-level option the abstract sublevel types leave out). */
export const batched = (range: RangeOptions): RangeOptions =>
  Object.assign({ highWaterMarkBytes: ITERATOR_BATCH_BYTES }, range);

/** What writeSynced uses of a LevelDB (the root db, or a bare one in the benchmarks): a chained batch. */
interface SyncedBatch {
  put(key: string, value: Uint8Array): unknown;
  del(key: string): unknown;
  close(): Promise<void>;
  write(options: { sync: boolean }): Promise<void>;
}

/**
 * Writes one atomic, synced batch through the root db, keys already prefixed: abstract-level's
 * array batch of sublevel ops cost ~15 µs and ~1.8 KB of heap per op (cloning and re-encoding
 * each), held until the fsync ends and so promoted by the scavenges meanwhile; this ~3 µs and
 * ~0.1 KB (measured on 160-op batches).
 */
export async function writeSynced(db: { batch(): SyncedBatch }, batch: readonly RootOp[]): Promise<void> {
  const chained = db.batch();
  try {
    for (const { key, value } of batch) {
      if (value === undefined) chained.del(key);
      else chained.put(key, value);
    }
  } catch (err) {
    await chained.close();
    throw err;
  }
  await chained.write({ sync: true });
}

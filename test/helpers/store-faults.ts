import type { Store } from '../../src/store/store';

/** What the store uses of a LevelDB chained batch. */
interface ChainedBatch {
  write(...args: unknown[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs `around` in place of the write of each batch `store` makes (it writes every batch as a
 * chained batch: `db.batch()`, its puts and deletes, then `write`), until the returned function
 * is called. `write` is the real one.
 */
export function aroundBatchWrites(
  store: Store,
  around: (write: () => Promise<void>, batch: ChainedBatch) => Promise<void>,
): () => void {
  const db = Reflect.get(store, 'db') as { batch: () => ChainedBatch };
  const original = db.batch;
  db.batch = function (this: unknown) {
    const batch = original.call(this);
    const write = batch.write.bind(batch);
    batch.write = (...args: unknown[]) => around(() => write(...args), batch);
    return batch;
  };
  return () => {
    db.batch = original;
  };
}

/** The next batch `store` writes fails with `message` (closed, nothing written), as a failing disk's would. */
export function failNextBatch(store: Store, message = 'EIO: i/o error, write'): void {
  const restore = aroundBatchWrites(store, async (_write, batch) => {
    restore();
    await batch.close();
    throw new Error(message);
  });
}

import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { StoreDamagedError, StoreError } from './errors';
import type { Op } from './store';

/**
 * The store's checkpoint: a small file beside the store (`<store dir>.checkpoint`) naming the last
 * write the store acknowledged, so that a start can tell a store that lost acknowledged data from
 * a sound one. LevelDB alone cannot: a write-ahead log cut short is replayed up to the cut without
 * an error, and a store whose CURRENT file is gone is silently recreated from its log alone.
 *
 * It holds the store's id (random, made when the store is created), the number of the last durable
 * batch (the store counts its batches in `meta`) and the head of the audit log (seq and hash of the
 * last event). It is only ever written with what a batch that LevelDB has synced contains, so it
 * can be behind the store (a SIGKILL between the batch and the checkpoint: harmless), never ahead
 * of it. At start, a store behind its checkpoint, a different store, or an audit head that is not
 * the one recorded means acknowledged data is missing: the store is refused.
 *
 * Cost: one small file write and fsync per checkpoint, in the background, never waited on by a
 * write; while one is in flight, later batches only replace what the next one will say. Under load
 * the checkpoint trails the store by the batches of one fsync (a few ms): a loss of anything older
 * is caught. The file is written to a temp name, fsync'd, then renamed over the old one, so a crash
 * leaves the old or the new checkpoint, never a torn one.
 */

export const CHECKPOINT_FORMAT = 'teller-checkpoint';
const CHECKPOINT_VERSION = 1;

export interface CheckpointState {
  store_id: string;
  /** Number of the last durable batch (meta `batch_seq`). */
  batch: number;
  /** seq and hash of the last event in the audit log (0 and '' when there is none). */
  event_seq: number;
  event_hash: string;
}

interface CheckpointFile extends CheckpointState {
  format: string;
  version: number;
  written_at: string;
}

export interface OpenOptions {
  /**
   * The store's checkpoint file (checkpoint.ts), for the daemon and the commands: checked when the
   * store opens (a store that lost acknowledged data is refused), kept current after each batch.
   * Without it (tests, a restore's staging store) neither happens.
   */
  checkpoint?: string;
  /** A checkpoint write failed (it then trails the store, which is safe); the next batch retries. */
  onCheckpointError?: (err: unknown) => void;
}

/** The newest event among a batch's ops: the audit log's head once the batch is durable. */
export function lastEvent(ops: Op[], after: CheckpointState): CheckpointState {
  let head = after;
  for (const op of ops) {
    if (op.type !== 'put' || op.space !== 'events') continue;
    const ev = op.value as { seq?: unknown; hash?: unknown };
    if (typeof ev.seq === 'number' && typeof ev.hash === 'string' && ev.seq > head.event_seq)
      head = { ...head, event_seq: ev.seq, event_hash: ev.hash };
  }
  return head;
}

/**
 * Whether a store whose durable state is `head` holds everything its checkpoint `recorded` says it
 * acknowledged; `eventAt` reads the store's audit event of a seq. Throws StoreDamagedError if not.
 */
export async function checkAgainst(
  recorded: CheckpointState,
  head: CheckpointState,
  eventAt: (seq: number) => Promise<{ hash?: unknown } | undefined>,
  dir: string,
  file: string,
): Promise<void> {
  const damaged = (what: string) => new StoreDamagedError(dir, file, what);
  if (head.store_id !== recorded.store_id) {
    const found = head.store_id || 'none';
    throw damaged(
      `it is not the store its checkpoint ${file} describes (store id ${found}, checkpoint ${recorded.store_id})`,
    );
  }
  if (head.batch < recorded.batch) {
    const lost = recorded.batch - head.batch;
    throw damaged(
      `it holds ${head.batch} writes but acknowledged ${recorded.batch} (checkpoint ${file}): the last ${lost} are gone`,
    );
  }
  if (recorded.event_seq > 0) {
    const ev = await eventAt(recorded.event_seq);
    if (ev?.hash !== recorded.event_hash) {
      const which = ev ? 'has another' : 'lacks the';
      throw damaged(`its audit log ${which} event #${recorded.event_seq} its checkpoint ${file} records`);
    }
  }
}

/** Where the checkpoint of the store in `storeDir` is kept. */
export const checkpointPath = (storeDir: string): string => `${storeDir}.checkpoint`;

/** A new random store id. */
export const newStoreId = (): string => randomBytes(16).toString('hex');

/** The checkpoint in `file`; undefined when there is none. A file that does not parse is damage. */
export function readCheckpoint(file: string, storeDir: string): CheckpointState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError(`cannot read the store checkpoint ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let doc: Partial<CheckpointFile>;
  try {
    doc = JSON.parse(text) as Partial<CheckpointFile>;
  } catch {
    throw new StoreDamagedError(storeDir, file, `its checkpoint ${file} is not valid JSON`);
  }
  const valid =
    doc.format === CHECKPOINT_FORMAT &&
    typeof doc.store_id === 'string' &&
    Number.isSafeInteger(doc.batch) &&
    Number.isSafeInteger(doc.event_seq) &&
    typeof doc.event_hash === 'string';
  if (!valid)
    throw new StoreDamagedError(storeDir, file, `its checkpoint ${file} is not a teller checkpoint`);
  if ((doc.version ?? 0) > CHECKPOINT_VERSION)
    throw new StoreError(`store checkpoint ${file} was written by a newer teller: upgrade teller`);
  return {
    store_id: doc.store_id as string,
    batch: doc.batch as number,
    event_seq: doc.event_seq as number,
    event_hash: doc.event_hash as string,
  };
}

/** Writes `state` to `file` durably: a temp file, fsync'd, renamed over the old one. */
export async function writeCheckpoint(file: string, state: CheckpointState): Promise<void> {
  const doc: CheckpointFile = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    ...state,
    written_at: new Date().toISOString(),
  };
  const tmp = `${file}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(doc) + '\n');
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}

/** What is in the store dir: nothing (no dir, or empty), a LevelDB store, or files without CURRENT. */
export function storeDirState(dir: string): 'none' | 'store' | 'no_current' {
  if (!existsSync(dir)) return 'none';
  const files = readdirSync(dir);
  if (files.length === 0) return 'none';
  return files.includes('CURRENT') ? 'store' : 'no_current';
}

/**
 * Keeps the checkpoint file current in the background: `advance` records the newest durable state
 * and starts a write unless one is in flight (that one's end starts the next). `flush` waits until
 * the file holds the newest state.
 */
export class CheckpointWriter {
  private latest: CheckpointState;
  private written: CheckpointState | undefined;
  private running: Promise<void> | undefined;

  constructor(
    readonly file: string,
    initial: CheckpointState,
    private readonly onError: (err: unknown) => void,
  ) {
    this.latest = initial;
  }

  get state(): CheckpointState {
    return this.latest;
  }

  advance(state: CheckpointState): void {
    this.latest = state;
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
  }

  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.written !== this.latest) {
      this.advance(this.latest);
      await this.running;
    }
  }

  private async run(): Promise<void> {
    while (this.written !== this.latest) {
      const state = this.latest;
      try {
        await writeCheckpoint(this.file, state);
        this.written = state;
      } catch (err) {
        // A checkpoint that cannot be written only trails the store (safe); the next batch retries.
        this.onError(err);
        return;
      }
    }
  }
}

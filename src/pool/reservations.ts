import { readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import path from 'node:path';
import { TellerError, type TellerErrorOptions } from '../util/errors';

/**
 * Derivation reservations: a small file beside the store (`<store dir>.derive`) saying, per derived
 * pool, up to which index indexes may have been handed out. It lives outside the store on purpose:
 * restoring an older backup rolls the store's own index back, this file is not rolled back.
 *
 * The binder reserves indexes in blocks of RESERVE_BLOCK, durably, before handing out any index of
 * the block (one fsync per block). A clean stop records the store state it stopped at (`clean`); a
 * start on exactly that store resumes at the store's index. Any other start (a crash, a restored
 * backup, a store copied back, a file copied from another data dir) resumes past the reserved mark,
 * and the indexes in between are recorded as skipped, with a warning: they may have been handed
 * out. A crash skips at most one block (fewer than a wallet's gap limit of 20).
 *
 * The file is written to a temp name, fsync'd, then renamed over the old one: a crash leaves the
 * old or the new file, never a torn one.
 */

export const RESERVATION_FORMAT = 'teller-derive';
const RESERVATION_VERSION = 1;
/** Indexes reserved per write: the most a crash can skip. */
export const RESERVE_BLOCK = 20;

/** Where the reservations of the store in `storeDir` are kept. */
export const reservationPath = (storeDir: string): string => `${storeDir}.derive`;

/** The store a clean stop left: its id and the number of its last batch. */
export interface StoreMark {
  store_id: string;
  batch: number;
}

interface ReservationFile {
  format: string;
  version: number;
  /** `<coin>!<source id>` -> indexes below it may have been handed out. */
  reserved: Record<string, number>;
  clean?: StoreMark;
  written_at: string;
}

/** The reservation file is missing, damaged, or says the store is behind it: teller will not start. */
export class ReservationError extends TellerError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('derive_reservation', message, false, options);
  }
}

/** How the operator recovers from a missing or damaged reservation file (the daemon's message). */
export const reserveHint = (file: string, coin: string): string =>
  `copy ${file} from the data dir the store came from, or, knowing the highest ${coin} index handed out ` +
  `(the wallet, a \`teller pool list\` of the old store), run \`teller pool reserve ${coin} <that index + 1>\` ` +
  'with the same -d and -c (delete a damaged file first)';

export class DeriveReservations {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private reserved: Map<string, number>,
    private clean: StoreMark | undefined,
    /** Whether the file existed when read. */
    readonly existed: boolean,
  ) {}

  /** The reservations in `file`; none when there is no file. A file that does not parse is damage. */
  static read(file: string): DeriveReservations {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        return new DeriveReservations(file, new Map(), undefined, false);
      throw new ReservationError(`cannot read the derive reservations ${file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const damaged = (why: string) =>
      new ReservationError(
        `derive reservations ${file} are damaged (${why}): ${reserveHint(file, '<BTC|ETH>')}`,
      );
    let doc: Partial<ReservationFile>;
    try {
      doc = JSON.parse(text) as Partial<ReservationFile>;
    } catch {
      throw damaged('not valid JSON');
    }
    if (doc.format !== RESERVATION_FORMAT || typeof doc.reserved !== 'object' || doc.reserved === null)
      throw damaged('not a teller reservation file');
    if ((doc.version ?? 0) > RESERVATION_VERSION)
      throw new ReservationError(
        `derive reservations ${file} were written by a newer teller: upgrade teller`,
      );
    const reserved = new Map<string, number>();
    for (const [key, mark] of Object.entries(doc.reserved)) {
      if (!Number.isSafeInteger(mark) || (mark as number) < 0) throw damaged(`bad mark for ${key}`);
      reserved.set(key, mark as number);
    }
    const clean =
      doc.clean && typeof doc.clean.store_id === 'string' && Number.isSafeInteger(doc.clean.batch)
        ? { store_id: doc.clean.store_id, batch: doc.clean.batch }
        : undefined;
    return new DeriveReservations(file, reserved, clean, true);
  }

  /** Indexes of `key` below this may have been handed out; undefined when none was reserved. */
  mark(key: string): number | undefined {
    return this.reserved.get(key);
  }

  /** Whether teller stopped cleanly on exactly this store state (then no index past it went out). */
  stoppedCleanlyAt(store: StoreMark): boolean {
    return this.clean?.store_id === store.store_id && this.clean.batch === store.batch;
  }

  /**
   * Makes `index` of `key` reserved before it is handed out: if it is at or past the mark, the
   * mark moves to `index + RESERVE_BLOCK`, durably. Resolves once the file says so.
   */
  async reserve(key: string, index: number): Promise<number> {
    const mark = this.reserved.get(key) ?? 0;
    if (index < mark) return mark;
    await this.raise(key, index + RESERVE_BLOCK);
    return this.reserved.get(key) ?? 0;
  }

  /** Moves `key`'s mark up to `mark` (never down), durably; forgets the clean stop. */
  raise(key: string, mark: number): Promise<void> {
    return this.update((reserved) => {
      reserved.set(key, Math.max(mark, reserved.get(key) ?? 0));
      return undefined;
    });
  }

  /** The store is in use from now on: a stop that is not clean must not look clean. */
  async opened(): Promise<void> {
    if (this.clean === undefined) return;
    await this.update(() => undefined);
  }

  /** Teller stopped cleanly with the store at `store` (called after the store is closed). */
  async stopped(store: StoreMark): Promise<void> {
    if (this.reserved.size === 0) return;
    await this.update(() => ({ store_id: store.store_id, batch: store.batch }));
  }

  /**
   * Writes the state `change` makes (it edits a copy of the marks and returns the clean stop) and
   * only then takes it on: a failed write leaves the marks as the file has them. Writes run one
   * after the other.
   */
  private update(change: (reserved: Map<string, number>) => StoreMark | undefined): Promise<void> {
    const run = this.writing.then(async () => {
      const reserved = new Map(this.reserved);
      const clean = change(reserved);
      const doc: ReservationFile = {
        format: RESERVATION_FORMAT,
        version: RESERVATION_VERSION,
        reserved: Object.fromEntries(reserved),
        ...(clean ? { clean } : {}),
        written_at: new Date().toISOString(),
      };
      await writeDurably(this.file, JSON.stringify(doc) + '\n');
      this.reserved = reserved;
      this.clean = clean;
    });
    // A failed write fails its caller; the next one starts afresh.
    this.writing = run.catch(() => undefined);
    return run;
  }
}

/** `text` into `file` durably: a temp file, fsync'd, renamed over the old one, the dir fsync'd. */
async function writeDurably(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

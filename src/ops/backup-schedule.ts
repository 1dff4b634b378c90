import { createWriteStream } from 'node:fs';
import { access, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { createTask, type ScheduledTask } from 'node-cron';
import type { Config } from '../config/types';
import { writeBackup } from '../store/backup';
import type { Store } from '../store/store';
import { errorMessage } from '../util/errors';
import type { Logger } from '../util/logger';
import { OpsError } from './errors';

/**
 * Scheduled backups (`[backup]`): on the node-cron expression `backup.schedule` (seconds allowed:
 * six fields), a consistent snapshot of the running store goes to
 * `<data dir>/<backup.dir>/teller-<unix seconds>.db` (the same format as /api/backup, restorable
 * with `teller backup restore`), and only the `backup.keep` newest files are kept.
 *
 * A backup is written to `<name>.tmp`, synced, then renamed, so a crash never leaves a truncated
 * file under a backup's name. Runs never overlap; a failed run logs an error and the next one
 * tries again.
 */

const NAME = /^teller-(\d+)(?:-(\d+))?\.db$/;
const TMP_SUFFIX = '.tmp';

export interface BackupScheduleOptions {
  store: Store;
  dataDir: string;
  backup: Config['backup'];
  log: Logger;
}

export interface BackupFile {
  file: string;
  records: number;
}

interface Named {
  name: string;
  unix: number;
  n: number;
}

/** Backup files in `dir`, newest first. */
export async function listBackups(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const found: Named[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (m) found.push({ name, unix: Number(m[1]), n: Number(m[2] ?? 0) });
  }
  found.sort((a, b) => b.unix - a.unix || b.n - a.n);
  return found.map((f) => path.join(dir, f.name));
}

export class BackupScheduler {
  private task: ScheduledTask | null = null;
  private running: Promise<BackupFile | undefined> | null = null;
  /**
   * Temp files last written before this are of runs that died (ours remove their own on failure).
   * A second before our start: file times come from a coarser clock, a few ms behind Date.now().
   */
  private readonly since = Date.now() - 1000;

  constructor(private readonly opts: BackupScheduleOptions) {}

  /** Where backups go: backup.dir, relative to the data dir. */
  get dir(): string {
    return path.resolve(this.opts.dataDir, this.opts.backup.dir);
  }

  /** Starts the schedule; does nothing when backup.schedule is ''. */
  start(): void {
    const { schedule } = this.opts.backup;
    if (schedule === '' || this.task) return;
    const { log } = this.opts;
    this.task = createTask(schedule, () => this.tick(), {
      name: 'teller-backup',
      noOverlap: true,
      // node-cron's own messages (a missed run after a suspend, an overlap) go to our log.
      logger: {
        info: (m) => log.debug({ part: 'cron' }, m),
        warn: (m) => log.warn({ part: 'cron' }, m),
        error: (m, err) => log.error({ part: 'cron', err }, errorMessage(m)),
        debug: (m) => log.debug({ part: 'cron' }, errorMessage(m)),
      },
    });
    Promise.resolve(this.task.start()).catch((err: unknown) =>
      log.error({ err, schedule }, 'scheduled backups could not start'),
    );
    this.opts.log.info({ schedule, dir: this.dir, keep: this.opts.backup.keep }, 'scheduled backups on');
  }

  /** Stops the schedule and waits for a running backup (the store must stay open until then). */
  async stop(): Promise<void> {
    const task = this.task;
    this.task = null;
    if (task) await task.destroy();
    // Its failure, if any, went to whoever started it (tick() logs it).
    await this.running?.then(
      () => undefined,
      () => undefined,
    );
  }

  private async tick(): Promise<void> {
    await this.runOnce().catch((err: unknown) =>
      this.opts.log.error({ err, dir: this.dir }, 'scheduled backup failed'),
    );
  }

  /** Writes one backup now and prunes old ones; undefined if one is already being written. */
  runOnce(): Promise<BackupFile | undefined> {
    if (this.running) return Promise.resolve(undefined);
    this.running = this.write().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async write(): Promise<BackupFile> {
    const { store, log } = this.opts;
    const dir = this.dir;
    const started = Date.now();
    let file = '';
    let records: number;
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      file = await createTemp(dir, Math.floor(Date.now() / 1000));
      records = await writeTo(store, file + TMP_SUFFIX);
      const fh = await open(file + TMP_SUFFIX, 'r+');
      try {
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(file + TMP_SUFFIX, file);
    } catch (err) {
      // Only a temp file this run made: `file` is set once createTemp has made it.
      if (file !== '') await rm(file + TMP_SUFFIX, { force: true });
      throw new OpsError('backup_failed', `backup to ${file || dir} failed: ${errorMessage(err)}`, false, {
        cause: err,
      });
    }
    log.info({ file, records, ms: Date.now() - started }, 'backup written');
    await this.prune();
    return { file, records };
  }

  /**
   * Deletes all but the backup.keep newest backups, and temp files of runs that died: last written
   * before this scheduler was made. A newer one may be a live run of another daemon given the same
   * backup.dir.
   */
  private async prune(): Promise<string[]> {
    const dir = this.dir;
    const backups = await listBackups(dir);
    const removed = backups.slice(Math.max(1, this.opts.backup.keep));
    for (const f of removed) await rm(f, { force: true });
    for (const name of await readdir(dir)) {
      if (!name.endsWith(TMP_SUFFIX) || !NAME.test(name.slice(0, -TMP_SUFFIX.length))) continue;
      const tmp = path.join(dir, name);
      const written = await stat(tmp).then(
        (s) => s.mtimeMs,
        () => Infinity,
      );
      if (written < this.since) await rm(tmp, { force: true });
    }
    if (removed.length > 0)
      this.opts.log.info({ removed: removed.map((f) => path.basename(f)) }, 'old backups removed');
    return removed;
  }
}

/**
 * Creates the temp file of `teller-<unix>.db`, or of `teller-<unix>-<n>.db` when that name is
 * taken, exclusively (mode 0600: it holds every buyer's addresses). Of two runs that pick one name
 * (two daemons given one backup.dir), the first to create its temp file gets it; the other sees it,
 * or, if that run has already renamed it, the finished backup, and moves on. Returns the name;
 * its empty temp file is this run's to fill, sync, rename, or remove.
 */
async function createTemp(dir: string, unix: number): Promise<string> {
  const taken = new Set(await readdir(dir));
  for (let n = 0; ; n++) {
    const name = n === 0 ? `teller-${unix}.db` : `teller-${unix}-${n}.db`;
    if (taken.has(name)) continue;
    const file = path.join(dir, name);
    try {
      await (await open(file + TMP_SUFFIX, 'wx', 0o600)).close();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    if (!(await exists(file))) return file;
    await rm(file + TMP_SUFFIX, { force: true });
  }
}

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

/** writeBackup into the temp file createTemp made. */
async function writeTo(store: Store, file: string): Promise<number> {
  const out = createWriteStream(file, { flags: 'r+' });
  // writeBackup pipes into `out` but does not watch it: a failing disk must still end the run.
  const failed = once(out, 'error').then(([err]: unknown[]) => {
    throw err;
  });
  try {
    return await Promise.race([writeBackup(store, out), failed]);
  } finally {
    // Closed before the caller may remove the file: a write still in flight would land after.
    if (!out.closed) {
      const closed = once(out, 'close').catch(() => undefined);
      out.destroy();
      await closed;
    }
  }
}

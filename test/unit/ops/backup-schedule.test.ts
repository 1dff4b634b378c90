import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BackupScheduler, listBackups } from '../../../src/ops/backup-schedule';
import { OpsError } from '../../../src/ops/errors';
import { restoreBackup } from '../../../src/store/backup';
import { Store } from '../../../src/store/store';
import type { DepositStore } from '../../../src/exchange/deposit-store';
import { silentLogger } from '../../../src/util/logger';
import { openStore, tmpDir, until, walk } from './helpers';
import { DEADLINE_MS } from '../../helpers/until';

describe('BackupScheduler', () => {
  let store: Store;
  let deposits: DepositStore;
  let dataDir: string;
  let scheduler: BackupScheduler;
  beforeEach(async () => {
    dataDir = tmpDir();
    ({ store, deposits } = await openStore(path.join(dataDir, 'teller.db')));
    await walk(deposits, 'aa', 0, 'done');
  });
  afterEach(async () => {
    await scheduler.stop();
    await store.close();
  });

  const make = (backup: Partial<{ schedule: string; keep: number; dir: string }> = {}) =>
    new BackupScheduler({
      store,
      dataDir,
      backup: { schedule: '', keep: 3, dir: 'backups', ...backup },
      log: silentLogger(),
    });

  it('writes a restorable snapshot as <data dir>/<backup.dir>/teller-<unix>.db, owner-only', async () => {
    scheduler = make();
    const before = Math.floor(Date.now() / 1000);
    const r = await scheduler.runOnce();
    expect(r).toBeDefined();
    const file = r?.file ?? '';
    expect(path.dirname(file)).toBe(path.join(dataDir, 'backups'));
    const unix = Number(/teller-(\d+)\.db$/.exec(file)?.[1]);
    expect(unix).toBeGreaterThanOrEqual(before);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const target = path.join(tmpDir(), 'teller.db');
    expect(await restoreBackup(file, target)).toBe(r?.records);
    const restored = await Store.open(target);
    expect((await restored.get<{ status: string }>('deposits', 'aa:0'))?.status).toBe('done');
    await restored.close();
  });

  it('names a second backup of the same second apart, and keeps the newest `keep`', async () => {
    scheduler = make({ keep: 2 });
    jest.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000);
    const files: string[] = [];
    for (let i = 0; i < 3; i++) files.push((await scheduler.runOnce())?.file ?? '');
    jest.restoreAllMocks();
    expect(files.map((f) => path.basename(f))).toEqual([
      'teller-1800000000.db',
      'teller-1800000000-1.db',
      'teller-1800000000-2.db',
    ]);
    expect((await listBackups(scheduler.dir)).map((f) => path.basename(f))).toEqual([
      'teller-1800000000-2.db',
      'teller-1800000000-1.db',
    ]);
  });

  it('two schedulers writing to one dir in the same second both succeed, under distinct names', async () => {
    // Two daemons given the same absolute backup.dir: each name is taken by whoever creates its temp
    // file first, and a run never removes a temp file it did not create.
    scheduler = make({ keep: 10 });
    const other = make({ keep: 10 });
    jest.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000);
    const runs = [
      ...(await Promise.all([scheduler.runOnce(), other.runOnce()])),
      ...(await Promise.all([scheduler.runOnce(), other.runOnce()])),
    ];
    jest.restoreAllMocks();
    const files = runs.map((r) => path.basename(r?.file ?? ''));
    expect(new Set(files).size).toBe(4);
    expect((await listBackups(scheduler.dir)).map((f) => path.basename(f)).sort()).toEqual([...files].sort());
  });

  it('resolves backup.dir against the data dir, accepts an absolute one, and cleans temp files of dead runs only', async () => {
    const abs = tmpDir();
    const dead = path.join(abs, 'teller-1.db.tmp');
    writeFileSync(dead, 'half a backup');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(dead, anHourAgo, anHourAgo);
    writeFileSync(path.join(abs, 'notes.txt'), 'not ours');
    scheduler = make({ dir: abs });
    // Another daemon's run, writing into the same dir since this scheduler was made: left alone.
    writeFileSync(path.join(abs, 'teller-2.db.tmp'), 'a backup being written');
    await scheduler.runOnce();
    expect(readdirSync(abs).sort()).toEqual([
      'notes.txt',
      expect.stringMatching(/^teller-\d{10}\.db$/),
      'teller-2.db.tmp',
    ]);
  });

  it('runs on a node-cron schedule (seconds) and keeps the last N', async () => {
    scheduler = make({ schedule: '*/1 * * * * *', keep: 2 });
    const runs = jest.spyOn(scheduler, 'runOnce');
    scheduler.start();
    await until(() => runs.mock.calls.length >= 3, DEADLINE_MS, 'three scheduled backups');
    await scheduler.stop();
    await Promise.all(runs.mock.results.map((r) => r.value));
    const kept = await listBackups(scheduler.dir);
    expect(kept).toHaveLength(2);
    expect(readdirSync(scheduler.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  describe('on a fake clock', () => {
    beforeEach(() => jest.useFakeTimers({ now: new Date('2027-01-01T00:00:00Z') }));
    afterEach(() => jest.useRealTimers());

    it('runs no more once stopped, however long the clock goes on', async () => {
      scheduler = make({ schedule: '*/1 * * * * *' });
      const runs = jest.spyOn(scheduler, 'runOnce').mockResolvedValue(undefined);
      scheduler.start();
      await jest.advanceTimersByTimeAsync(3_500);
      expect(runs.mock.calls.length).toBeGreaterThanOrEqual(3);
      await scheduler.stop();
      const calls = runs.mock.calls.length;
      await jest.advanceTimersByTimeAsync(10_000);
      expect(runs.mock.calls.length).toBe(calls);
    });

    it('does nothing without a schedule', async () => {
      scheduler = make({ schedule: '' });
      const runs = jest.spyOn(scheduler, 'runOnce');
      scheduler.start();
      await jest.advanceTimersByTimeAsync(10_000);
      expect(runs).not.toHaveBeenCalled();
      expect(existsSync(scheduler.dir)).toBe(false);
    });
  });

  it('a failing run reports backup_failed and leaves no file behind', async () => {
    const dir = path.join(dataDir, 'blocked');
    writeFileSync(dir, 'a file where the backup dir should be');
    scheduler = make({ dir: 'blocked' });
    await expect(scheduler.runOnce()).rejects.toThrow();
    scheduler = make({ dir: 'backups' });
    await store.close();
    const err = await scheduler.runOnce().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpsError);
    expect((err as OpsError).code).toBe('backup_failed');
    expect((err as OpsError).cause).toBeInstanceOf(Error);
    expect((err as OpsError).message).toContain((err as { cause: Error }).cause.message);
    expect(readdirSync(scheduler.dir)).toEqual([]);
  });
});

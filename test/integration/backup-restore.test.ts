import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  BTC_POOL,
  SKY,
  bind,
  confirmAll,
  deposit,
  request,
  runCli,
  startDaemon,
  waitForDeposit,
  type Daemon,
} from '../helpers/daemon';

/**
 * `teller backup restore` is all or nothing (issue 15.4), against the built CLI: a truncated,
 * malformed, tampered or missing backup exits 1 with one line and leaves nothing behind (no store,
 * no checkpoint, no staging dir); a good one restores a store that passes the start-up check.
 */

jest.setTimeout(120_000);

let source: Daemon;
let backup: Buffer;
let tmp: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'teller-restore-it-'));
  source = await startDaemon();
  for (let i = 0; i < 3; i++) {
    const addr = await bind(source, SKY[i]);
    await deposit(source, { addr, value: 100_000, tx: `rs${i}` });
    await waitForDeposit(source, `rs${i}:0`, (x) => x.status === 'waiting_confirm');
  }
  await confirmAll(source);
  await waitForDeposit(source, 'rs0:0', (x) => x.status === 'done');
  const res = await request(`${source.adminUrl}/api/backup`);
  expect(res.status).toBe(200);
  backup = res.buffer;
});
afterAll(async () => {
  await source.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

function backupFile(name: string, bytes: Buffer): string {
  const file = path.join(mkdtempSync(path.join(tmp, 'file-')), name);
  writeFileSync(file, bytes);
  return file;
}

/** The backup's lines (header, records...), and a gzip of edited ones. */
const linesOf = (b: Buffer): string[] => gunzipSync(b).toString('utf8').split('\n').filter(Boolean);
const gz = (lines: string[]): Buffer => gzipSync(lines.join('\n') + '\n');

/** Restores `file` into a new data dir (not created beforehand); returns the result and the dir. */
async function restore(file: string, dataDir = path.join(mkdtempSync(path.join(tmp, 'dd-')), 'data')) {
  const r = await runCli(['backup', 'restore', file, '-d', dataDir]);
  return { ...r, dataDir };
}

/** Exit 1, one line on stderr, no stack; nothing left in the data dir. */
function expectNothingRestored(
  r: { code: number | null; stderr: string; dataDir: string },
  reason: RegExp,
): void {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^teller backup restore: [^\n]+\n$/);
  expect(r.stderr).toMatch(reason);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  const left = existsSync(r.dataDir) ? readdirSync(r.dataDir) : [];
  expect(left).toEqual([]);
}

describe('teller backup restore: all or nothing', () => {
  it('a truncated backup: exit 1, nothing left behind', async () => {
    const r = await restore(backupFile('cut.db', backup.subarray(0, Math.floor(backup.length * 0.6))));
    expectNothingRestored(r, /truncated|unexpected end/);
  });

  it('a backup cut at a record boundary (a complete gzip): exit 1, nothing left behind', async () => {
    const lines = linesOf(backup);
    const r = await restore(backupFile('short.db', gz(lines.slice(0, Math.floor(lines.length / 2)))));
    expectNothingRestored(r, /records/);
  });

  it('a malformed record: exit 1 naming the line, nothing left behind', async () => {
    const lines = linesOf(backup);
    lines.splice(3, 1, '["bindings", "BTC!x", ');
    const r = await restore(backupFile('bad.db', gz(lines)));
    expectNothingRestored(r, /line 4/);
  });

  it('a tampered audit event: exit 1, nothing left behind', async () => {
    const lines = linesOf(backup);
    const i = lines.findIndex((l) => l.startsWith('["events"'));
    const [space, key, value] = JSON.parse(lines[i]) as [string, string, string];
    // A different note in the serialised event: its hash no longer matches.
    const bytes = Buffer.from(value, 'base64');
    const at = bytes.indexOf(Buffer.from('base units'));
    expect(at).toBeGreaterThan(0);
    bytes.write('BASE', at, 'latin1');
    lines[i] = JSON.stringify([space, key, bytes.toString('base64')]);
    const r = await restore(backupFile('tampered.db', gz(lines)));
    expectNothingRestored(r, /audit log does not verify/);
  });

  it('a missing file: exit 1 with one line, no store made', async () => {
    const r = await restore(path.join(tmp, 'no-such-backup.db'));
    expectNothingRestored(r, /no-such-backup\.db does not exist/);
  });

  it('a good backup restores a store the daemon starts on; the dir is then refused as not empty', async () => {
    const file = backupFile('good.db', backup);
    const r = await restore(file);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(readdirSync(r.dataDir).sort()).toEqual(['teller.db', 'teller.db.checkpoint']);
    const again = await restore(file, r.dataDir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds data/);
    const d = await startDaemon({}, { dataDir: r.dataDir });
    try {
      // The restored pool cursor: the three bound addresses are not handed out again.
      expect(await bind(d, SKY[3])).toBe(BTC_POOL[3]);
    } finally {
      await d.stop();
    }
  });

  it('after a refusal at start: move the damaged store aside, restore, start', async () => {
    const d = await startDaemon();
    try {
      await bind(d, SKY[0]);
      expect(await d.stop()).toBe(0);
      const store = path.join(d.dataDir, 'teller.db');
      rmSync(path.join(store, 'CURRENT'));
      const refused = await runCli(['-c', d.configPath, '-d', d.dataDir]);
      expect(refused.code).toBe(1);
      renameSync(store, `${store}.damaged`);
      const r = await runCli([
        'backup',
        'restore',
        backupFile('b.db', backup),
        '-c',
        d.configPath,
        '-d',
        d.dataDir,
      ]);
      expect([r.code, r.stderr]).toEqual([0, '']);
      await d.restart();
      expect(await bind(d, SKY[4])).toBe(BTC_POOL[3]);
    } finally {
      await d.dispose();
    }
  });
});

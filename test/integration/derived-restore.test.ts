import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  SKY,
  adminGet,
  bind,
  request,
  runCli,
  startDaemon,
  writeConfigFile,
  type Daemon,
} from '../helpers/daemon';

/**
 * Restoring a backup older than the last bind never hands out a derived index again (issue 19):
 * the indexes are reserved in `<dbfile>.derive`, outside the restorable store, before any is
 * handed out. Through the built daemon: bind, back up, bind more, restore the old backup, start,
 * bind: the new address is not one handed out before, and `pool list` still lists every address
 * handed out (those past the backup as skipped: they may have been handed out).
 */

jest.setTimeout(120_000);

/** BIP84's published account-0 zpub of "abandon … about". */
const ZPUB =
  'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';
const DERIVED = {
  btc_addresses: null,
  eth_scanner: { enabled: false },
  teller: { max_bound_addrs: 0 },
  btc_scanner: { deposit_xpub: ZPUB, network: 'mainnet' },
};

interface Listed {
  index: number;
  address: string;
  status: string;
}
type PoolView = Record<string, { derived_pool: { next_index: number; bound: number; reserved_to: number } }>;

let daemon: Daemon;
let backup: Buffer;
/** Every address handed out before the restore. */
const before: string[] = [];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'teller-derived-restore-'));

beforeAll(async () => {
  daemon = await startDaemon(DERIVED);
  for (let i = 0; i < 3; i++) before.push(await bind(daemon, SKY[i % SKY.length]));
  const res = await request(`${daemon.adminUrl}/api/backup`);
  expect(res.status).toBe(200);
  backup = res.buffer;
  for (let i = 3; i < 7; i++) before.push(await bind(daemon, SKY[i % SKY.length]));
  expect(await daemon.stop()).toBe(0);
  copyFileSync(path.join(daemon.dataDir, 'teller.db.derive'), path.join(tmp, 'old.derive'));
}, 60_000);
afterAll(async () => {
  await daemon.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

const backupFile = (): string => {
  const file = path.join(mkdtempSync(path.join(tmp, 'b-')), 'teller.backup');
  writeFileSync(file, backup);
  return file;
};

const poolList = async (dataDir: string): Promise<Listed[]> => {
  const r = await runCli(['pool', 'list', 'BTC', '--format', 'json', '-c', daemon.configPath, '-d', dataDir]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Listed[];
};

describe('derived pool: restore from a backup older than the last bind', () => {
  it('in the same data dir (store moved aside): the next bind gets a fresh index, the skipped ones are listed', async () => {
    const store = path.join(daemon.dataDir, 'teller.db');
    renameSync(store, path.join(tmp, 'old-store'));
    const r = await runCli([
      'backup',
      'restore',
      backupFile(),
      '-c',
      daemon.configPath,
      '-d',
      daemon.dataDir,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    await daemon.restart();
    const next = await bind(daemon, SKY[0]);
    expect(before).not.toContain(next);
    expect(daemon.logs()).toMatch(/derived indexes 3 to \d+ .*skipped/);
    const view = await adminGet<PoolView>(daemon, '/api/deposit-addresses');
    const pool = view.BTC?.derived_pool;
    expect(pool?.bound).toBe(4);
    expect(pool?.next_index).toBeGreaterThan(7);
    expect(pool?.reserved_to).toBeGreaterThanOrEqual(pool?.next_index ?? Infinity);
    expect(await daemon.stop()).toBe(0);

    // Every address ever handed out is in the list: 0-2 and the new one bound, 3.. skipped.
    const listed = await poolList(daemon.dataDir);
    expect(listed.map((l) => l.index)).toEqual(listed.map((_, i) => i));
    const byAddress = new Map(listed.map((l) => [l.address, l.status]));
    for (const a of [...before, next]) expect(byAddress.has(a)).toBe(true);
    expect(byAddress.get(before[2] ?? '')).toBe('bound');
    expect(byAddress.get(before[3] ?? '')).toMatch(/^skipped/);
    expect(byAddress.get(next)).toBe('bound');
  });

  it('into a new data dir without the reservation file: refused until the operator reserves past the old indexes', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmp, 'dd-')), 'data');
    const config = writeConfigFile(tmp, DERIVED);
    expect((await runCli(['backup', 'restore', backupFile(), '-c', config, '-d', dataDir])).code).toBe(0);

    const refused = await runCli(['-c', config, '-d', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(/teller\.db\.derive.*missing.*pool reserve/s);

    // The operator knows (wallet, old data dir) that indexes up to 6 went out.
    const reserve = await runCli(['pool', 'reserve', 'BTC', '7', '-c', config, '-d', dataDir]);
    expect(reserve.stderr).toBe('');
    expect(reserve.code).toBe(0);
    const again = await startDaemon(DERIVED, { dataDir });
    try {
      const next = await bind(again, SKY[1]);
      expect(before).not.toContain(next);
    } finally {
      await again.stop();
    }
  });

  it('the old data dir reservation copied beside the restored store is honoured', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmp, 'dd-')), 'data');
    const config = writeConfigFile(tmp, DERIVED);
    const r = await runCli(['backup', 'restore', backupFile(), '-c', config, '-d', dataDir]);
    expect(r.code).toBe(0);
    copyFileSync(path.join(tmp, 'old.derive'), path.join(dataDir, 'teller.db.derive'));
    const again = await startDaemon(DERIVED, { dataDir });
    try {
      expect(before).not.toContain(await bind(again, SKY[2]));
    } finally {
      await again.stop();
    }
  });

  it('a clean restart resumes at the store index (no gap); a damaged reservation file is refused', async () => {
    await daemon.restart();
    const a = await bind(daemon, SKY[3]);
    await daemon.restart();
    const b = await bind(daemon, SKY[4]);
    expect(await daemon.stop()).toBe(0);
    const listed = await poolList(daemon.dataDir);
    const index = (addr: string) => listed.find((l) => l.address === addr)?.index ?? -1;
    expect(index(b)).toBe(index(a) + 1);

    writeFileSync(path.join(daemon.dataDir, 'teller.db.derive'), '{"format":"teller-derive","reserved":');
    const refused = await runCli(['-c', daemon.configPath, '-d', daemon.dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(/teller\.db\.derive are damaged.*pool reserve/s);
  });
});

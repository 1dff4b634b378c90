import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BTC_POOL, runCli, writeConfigFile, type TomlTable } from '../helpers/daemon';

/**
 * Files and paths the config names (issue 15.6), against the built daemon: a bad pool file is a
 * config error (exit 2) naming the key, the file and the line; a pidfile in a missing directory
 * fails before any listener starts; `dbfile` may not leave the data dir.
 */

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'teller-cfgfiles-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the daemon on `config`; every case here must exit before it is ready. */
async function daemon(config: TomlTable): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const file = writeConfigFile(tmp, config);
  const dataDir = mkdtempSync(path.join(tmp, 'data-'));
  return runCli(['-c', file, '-d', dataDir]);
}

function poolFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(tmp, 'pool-')), name);
  writeFileSync(file, text);
  return file;
}

describe('pool files', () => {
  it.each([
    ['an invalid address', `${BTC_POOL[0]}\nnot-an-address\n`, /:2: invalid BTC address "not-an-address"/],
    ['a duplicate', `${BTC_POOL[0]}\n${BTC_POOL[1]}\n${BTC_POOL[0]}\n`, /:3: .* is a duplicate of line 1/],
    [
      'a testnet address on mainnet',
      `${BTC_POOL[0]}\ntb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx\n`,
      /:2: invalid BTC address "tb1q\w+" for mainnet/,
    ],
    ['an empty file', '', /No BTC addresses in/],
    ['comments only', '# nothing here\n\n', /No BTC addresses in/],
  ])('%s: exit 2 naming btc_addresses, the file and the line', async (_name, text, problem) => {
    const file = poolFile('btc.txt', text);
    const r = await daemon({ btc_addresses: file });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Config error:\nbtc_addresses: /);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(problem);
    expect(r.stdout).not.toMatch(/"listening"/);
  });

  it('a directory: exit 2 naming the key', async () => {
    const dir = mkdtempSync(path.join(tmp, 'pooldir-'));
    const r = await daemon({ eth_addresses: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Config error:\neth_addresses /);
    expect(r.stderr).toContain(`${dir} is a directory, not a file`);
  });

  it('a bad ETH pool names eth_addresses, the file and the line', async () => {
    const file = poolFile('eth.txt', '0xBcd4042DE499D14e55001CcbB24a551F3b954096\n0x1234\n');
    const r = await daemon({ eth_addresses: file });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Config error:\neth_addresses: /);
    expect(r.stderr).toContain(`${file}:2: invalid ETH address "0x1234"`);
  });
});

describe('pidfile and dbfile', () => {
  it('a pidfile in a missing directory: exit 2 before any listener starts', async () => {
    const pidfile = path.join(tmp, 'no-such-dir', 'teller.pid');
    const r = await daemon({ pidfile });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Config error:\npidfile /);
    expect(r.stderr).toContain(path.dirname(pidfile));
    expect(r.stdout).not.toMatch(/"listening"/);
  });

  it('a pidfile whose directory exists is accepted', async () => {
    const dir = path.join(tmp, 'run');
    mkdirSync(dir);
    const r = await daemon({ pidfile: path.join(dir, 'teller.pid'), btc_addresses: '/nonexistent' });
    // The config fails on the pool, not on the pidfile.
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/pidfile/);
  });

  it.each(['../outside.db', 'sub/../../outside.db', '..', '.'])(
    'dbfile = %j: exit 2, the store stays in the data dir',
    async (dbfile) => {
      const r = await daemon({ dbfile });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^Config error:\ndbfile /);
      expect(r.stderr).toMatch(/inside the data dir/);
    },
  );
});

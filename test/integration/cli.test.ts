import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const run = (args: string[]) =>
  spawnSync('node', [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'teller-cli-'));

/** A dummy-mode config on ephemeral ports. */
function writeConfig(dir: string, extra = ''): string {
  const file = path.join(dir, 'test.toml');
  writeFileSync(
    file,
    `logfile = ""
debug = false
btc_addresses = "${path.join(ROOT, 'addresses/btc-example.txt')}"
pidfile = "${path.join(dir, 'teller.pid')}"
[sky_exchanger]
sky_btc_exchange_rate = "500"
sky_eth_exchange_rate = "100"
sky_sky_exchange_rate = "1"
[web]
http_addr = "127.0.0.1:0"
[admin_panel]
host = "127.0.0.1:0"
[dummy]
scanner = true
sender = true
http_addr = "127.0.0.1:0"
${extra}`,
  );
  return file;
}

/** Starts the daemon and resolves once it logged 'teller started'. */
function start(config: string, dataDir: string) {
  const child = spawn('node', [CLI, '-c', config, '-d', dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"teller started"')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, ready, exited, output: () => out };
}

describe('teller CLI', () => {
  it('prints help and version', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/-c, --config/);
    const version = run(['-v']);
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^teller \d+\.\d+\.\d+/);
  });

  it('rejects an unknown flag with exit code 2', () => {
    const r = run(['--bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bogus/);
  });

  it('reports every config problem on stderr, naming the key, with exit code 2', () => {
    const dir = tmp();
    const file = path.join(dir, 'bad.toml');
    writeFileSync(file, '[sky_exchanger]\nmax_decimals = -1\nsky_btc_exchange_rate = "abc"\n');
    const r = run(['-c', file, '-d', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/sky_exchanger\.max_decimals/);
    expect(r.stderr).toMatch(/sky_exchanger\.sky_btc_exchange_rate invalid/);
  });

  it('an unknown key is a config error naming the nearest known key (issue 21)', () => {
    const dir = tmp();
    const r = run(['-c', writeConfig(dir, '[teller]\nmax_bound_addr = 3\n'), '-d', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('teller.max_bound_addr: unknown key; did you mean max_bound_addrs?\n');
  });

  it('a path error shows the absolute path it tried, relative to the working directory (issue 21)', () => {
    const dir = tmp();
    const file = path.join(dir, 'rel.toml');
    writeFileSync(
      file,
      readFileSync(writeConfig(dir), 'utf8').replace(/^btc_addresses = .*$/m, 'btc_addresses = "no/btc.txt"'),
    );
    const r = run(['-c', file, '-d', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      `btc_addresses file does not exist: no/btc.txt (${path.join(ROOT, 'no/btc.txt')}; relative paths are from the working directory)`,
    );
  });

  it('start-up logs a short summary, not the whole config (issue 21)', async () => {
    const dir = tmp();
    const d = start(writeConfig(dir), dir);
    await d.ready;
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    const lines = d
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The whole config is logged at debug only (this config has debug = false).
    expect(lines.filter((l) => 'config' in l)).toEqual([]);
    const started = lines.find((l) => l.msg === 'teller started');
    expect(started).toMatchObject({
      mode: 'DUMMY MODE: deposits come from the dummy API and payouts are simulated; no real coins move',
      coins: { BTC: 'confirmations 1' },
      payout: 'SKY, by the dummy sender',
      pools: { BTC: '20 of 20 addresses left' },
    });
    expect(Object.keys(started?.listeners as object).sort()).toEqual(['admin', 'dummy', 'public']);
    expect(JSON.stringify(started).length).toBeLessThan(1200);
  });

  it('looks a bare config name up in the data dir', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'named.toml'), '[sky_exchanger]\nmax_decimals = 9\n');
    const r = run(['-c', 'named', '-d', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/max_decimals/);
  });

  it('creates the data dir, writes the pidfile, stops cleanly on SIGTERM', async () => {
    const dir = path.join(tmp(), 'nested', 'data');
    const config = writeConfig(tmp().replace(/$/, ''), '');
    const d = start(config, dir);
    await d.ready;
    const pidfile = path.join(path.dirname(config), 'teller.pid');
    expect(existsSync(dir)).toBe(true);
    expect(readFileSync(pidfile, 'utf8').trim()).toBe(String(d.child.pid));
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    expect(existsSync(pidfile)).toBe(false);
    expect(d.output()).toMatch(/teller stopped/);
  });

  it('refuses a second daemon on the same data dir with a clear error', async () => {
    const dir = tmp();
    const config = writeConfig(dir);
    const first = start(config, dir);
    await first.ready;
    const second = run(['-c', config, '-d', dir]);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/already in use/);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });
});

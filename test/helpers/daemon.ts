import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { DEADLINE_MS, untilValue } from './until';

/**
 * Black-box harness: runs the built daemon (`node dist/cli.js -c <config.toml> -d <data dir>`, cwd
 * = repo root) with a generated teller config on ephemeral ports (port 0; the real ports come from
 * its JSON `listening` log lines), and drives it only over HTTP. `npm run build` must have run.
 */

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(REPO_ROOT, 'dist/cli.js');
export const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/daemon');

/** Valid Skycoin addresses (teller's test vectors). */
export const SKY = [
  '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X',
  't5apgjk4LvV9PQareTPzWkE88o1G5A55FW',
  'Z8LagGxLssTjL6RhK7TQx54vJUBDvAQnbr',
  '3EVczfCQ8A2RzsDPydevuBejTurpMsvPbY',
  '2cxNaLTxQcNZAhXk67yk6jqsj5RAzVDz7jx',
] as const;

/** addresses/btc-example.txt in file order (P2PKH, P2SH, P2WPKH, P2TR). */
export const BTC_POOL = [
  '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA',
  '1Ak8PffB2meyfYnbXZR9EGfLfFZVpzJvQP',
  '1MNF5RSaabFwcbtJirJwKnDytsXXEsVsNb',
  '1MVGa13XFvvpKGZdX389iU8b3qwtmAyrsJ',
  '1Gka4JdwhLxRwXaC6oLNH4YuEogeeSwqW7',
  '37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf',
  '3LtMnn87fqUeHBUG414p9CWwnoV6E2pNKS',
  '3B4cvWGR8X6Xs8nvTxVUoMJV77E4f7oaia',
  '38CahkVftQneLonbWtfWxiiaT2fdnzsEAN',
  '37mbeJptxfQC6SNNLJ9a8efCY4BwBh5Kak',
  'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu',
  'bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g',
  'bc1qp59yckz4ae5c4efgw2s5wfyvrz0ala7rgvuz8z',
  'bc1qgl5vlg0zdl7yvprgxj9fevsc6q6x5dmcyk3cn3',
  'bc1qm97vqzgj934vnaq9s53ynkyf9dgr05rargr04n',
  'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr',
  'bc1p4qhjn9zdvkux4e44uhx8tc55attvtyu358kutcqkudyccelu0was9fqzwh',
  'bc1p0d0rhyynq0awa9m8cqrcr8f5nxqx3aw29w4ru5u9my3h0sfygnzs9khxz8',
  'bc1py0vryk8aqusz65yzuudypggvswzkcpwtau8q0sjm0stctwup0xlqkkxler',
  'bc1pjpp8nwqvhkx6kdna6vpujdqglvz2304twfd308ve5ppyxpmcjufs7k6xyr',
] as const;

/** The first addresses of addresses/eth-example.txt, as written in the file. */
export const ETH_POOL = [
  '0xBcd4042DE499D14e55001CcbB24a551F3b954096',
  '0x71bE63f3384f5fb98995898A86B02Fb2426c5788',
  '0xFABB0ac9d68B0B445fB7357272Ff202C5651694a',
] as const;

/** Self-signed certificate for localhost / 127.0.0.1 and its key (web.tls_cert / web.tls_key). */
export const TLS_CERT = path.join(FIXTURES, 'tls/cert.pem');
export const TLS_KEY = path.join(FIXTURES, 'tls/key.pem');
const TEST_CA = readFileSync(TLS_CERT);

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 20_000;

// ---------------------------------------------------------------------------------------------
// Config

/**
 * TOML sections and keys; `null` removes a key of the base config (to see its default); an array
 * of tables is written as `[[name]]` blocks (e.g. `eth_tokens`).
 */
export type TomlValue =
  string | number | boolean | readonly string[] | readonly TomlTable[] | null | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

/** What every daemon gets unless a test overrides it: dummy mode, BTC and ETH, fast polling. */
export function baseConfig(): TomlTable {
  return {
    debug: false,
    logfile: '',
    btc_addresses: 'addresses/btc-example.txt',
    eth_addresses: 'addresses/eth-example.txt',
    btc_scanner: { enabled: true },
    eth_scanner: { enabled: true },
    sky_exchanger: {
      sky_btc_exchange_rate: '500',
      sky_eth_exchange_rate: '100',
      sky_sky_exchange_rate: '1',
      max_decimals: 3,
      tx_confirmation_check_wait: '100ms',
    },
    web: {
      http_addr: '127.0.0.1:0',
      static_dir: path.join(FIXTURES, 'static'),
      throttle_duration: '0s',
    },
    admin_panel: { host: '127.0.0.1:0' },
    dummy: { scanner: true, sender: true, http_addr: '127.0.0.1:0' },
  };
}

const isTable = (v: TomlValue | undefined): v is TomlTable =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isTableArray = (v: TomlValue): v is readonly TomlTable[] =>
  Array.isArray(v) && v.length > 0 && typeof v[0] === 'object';

export function mergeConfig(base: TomlTable, over: TomlTable): TomlTable {
  const out: TomlTable = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const current = out[k];
    if (v === null) delete out[k];
    else if (isTable(v) && isTable(current)) out[k] = mergeConfig(current, v);
    else out[k] = v;
  }
  return out;
}

const tomlScalar = (v: string | number | boolean | readonly string[]): string =>
  Array.isArray(v) ? `[${v.map((s) => JSON.stringify(s)).join(', ')}]` : JSON.stringify(v);

export function toToml(table: TomlTable, prefix = ''): string {
  const lines: string[] = [];
  const tables: [string, TomlTable][] = [];
  const arrays: [string, readonly TomlTable[]][] = [];
  for (const [k, v] of Object.entries(table)) {
    if (v === null) continue;
    if (isTable(v)) tables.push([k, v]);
    else if (isTableArray(v)) arrays.push([k, v]);
    else lines.push(`${k} = ${tomlScalar(v as string | number | boolean | readonly string[])}`);
  }
  let out = lines.join('\n') + (lines.length ? '\n' : '');
  for (const [k, v] of tables) {
    const name = prefix ? `${prefix}.${k}` : k;
    out += `\n[${name}]\n${toToml(v, name)}`;
  }
  for (const [k, items] of arrays) {
    const name = prefix ? `${prefix}.${k}` : k;
    for (const item of items) out += `\n[[${name}]]\n${toToml(item, name)}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Process

export interface DaemonOptions {
  /** Reuse this data dir (a restored backup, another daemon's dir). */
  dataDir?: string;
  /** Extra environment variables (e.g. TELLER_ADMIN_TOKEN). */
  env?: Record<string, string>;
  /** Run under this open-file limit (`ulimit -n`; systemd's default is 1024). */
  fileLimit?: number;
}

export interface Daemon {
  publicUrl: string;
  /** '' unless web.https_addr with web.tls_cert/tls_key is configured. */
  httpsUrl: string;
  adminUrl: string;
  dummyUrl: string;
  dataDir: string;
  configPath: string;
  config: TomlTable;
  pid: number;
  /** SIGTERM, then waits for the exit; resolves to the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
  /** Stops (SIGTERM, or SIGKILL with `kill`) and starts again on the same data dir. */
  restart(opts?: { kill?: boolean; overrides?: TomlTable }): Promise<void>;
  /** Everything the current process wrote to stdout and stderr. */
  logs(): string;
  /** True while the current process runs. */
  alive(): boolean;
  /** Stops if running and removes the temp dir. */
  dispose(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

interface Started {
  child: ChildProcess;
  listeners: Map<string, string>;
  output: () => string;
  exited: Promise<number | null>;
}

function spawnDaemon(
  configPath: string,
  dataDir: string,
  env: Record<string, string>,
  fileLimit?: number,
): Promise<Started> {
  const args = [CLI, '-c', configPath, '-d', dataDir];
  const [cmd, argv] =
    fileLimit === undefined
      ? [process.execPath, args]
      : ['/bin/sh', ['-c', `ulimit -n ${fileLimit} && exec "$0" "$@"`, process.execPath, ...args]];
  const child = spawn(cmd, argv, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let pending = '';
  const listeners = new Map<string, string>();
  // 'close', not 'exit': its output is whole by then (the exit can come before the last read).
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`daemon not ready within ${READY_TIMEOUT_MS} ms:\n${out}`));
    }, READY_TIMEOUT_MS);
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => (out += s));
    child.stdout?.on('data', (s: string) => {
      out += s;
      pending += s;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const entry = parseLogLine(line);
        if (entry.msg === 'listening' && entry.listener && entry.address) {
          listeners.set(entry.listener, entry.address);
        }
        if (entry.msg === 'teller started' && !ready) {
          ready = true;
          clearTimeout(timer);
          resolve({ child, listeners, output: () => out, exited });
        }
      }
    });
    void exited.then((code) => {
      if (ready) return;
      clearTimeout(timer);
      reject(new Error(`daemon exited with code ${code} before it was ready:\n${out}`));
    });
  });
}

/** A JSON log line's fields; {} for anything else (pretty output, a stray line). */
function parseLogLine(line: string): { msg?: string; listener?: string; address?: string } {
  if (!line.startsWith('{')) return {};
  try {
    return JSON.parse(line) as { msg?: string; listener?: string; address?: string };
  } catch {
    return {};
  }
}

const urlOf = (listeners: Map<string, string>, name: string): string => {
  const addr = listeners.get(name);
  return addr ? `http://${addr}` : '';
};

/** Starts a daemon with `overrides` merged into the base config, in a fresh temp dir. */
export async function startDaemon(overrides: TomlTable = {}, opts: DaemonOptions = {}): Promise<Daemon> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'teller-it-'));
  const configPath = path.join(tmp, 'config.toml');
  const dataDir = opts.dataDir ?? path.join(tmp, 'data');
  let config = mergeConfig(baseConfig(), overrides);
  writeFileSync(configPath, toToml(config));
  let current: Started;
  try {
    current = await spawnDaemon(configPath, dataDir, opts.env ?? {}, opts.fileLimit);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }

  const daemon: Daemon = {
    publicUrl: '',
    httpsUrl: '',
    adminUrl: '',
    dummyUrl: '',
    dataDir,
    configPath,
    config,
    pid: 0,
    stop: async () => {
      if (current.child.exitCode !== null || current.child.signalCode !== null) return current.child.exitCode;
      current.child.kill('SIGTERM');
      return withTimeout(current.exited, STOP_TIMEOUT_MS, 'daemon did not stop on SIGTERM');
    },
    kill: async () => {
      if (current.child.exitCode !== null || current.child.signalCode !== null) return;
      current.child.kill('SIGKILL');
      await current.exited;
    },
    restart: async (o = {}) => {
      if (o.kill) await daemon.kill();
      else await daemon.stop();
      if (o.overrides) {
        config = mergeConfig(config, o.overrides);
        daemon.config = config;
        writeFileSync(configPath, toToml(config));
      }
      current = await spawnDaemon(configPath, dataDir, opts.env ?? {}, opts.fileLimit);
      refresh();
    },
    logs: () => current.output(),
    alive: () => current.child.exitCode === null && current.child.signalCode === null,
    dispose: async () => {
      await daemon.kill();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
  const refresh = (): void => {
    daemon.publicUrl = urlOf(current.listeners, 'public');
    daemon.httpsUrl = urlOf(current.listeners, 'public-https').replace(/^http:/, 'https:');
    daemon.adminUrl = urlOf(current.listeners, 'admin');
    daemon.dummyUrl = urlOf(current.listeners, 'dummy');
    daemon.pid = current.child.pid ?? 0;
  };
  refresh();
  return daemon;
}

/** Runs the CLI to completion (config errors, subcommands): exit code and output. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = DEADLINE_MS,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`teller ${args.join(' ')} still running after ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    // 'close', not 'exit': the exit can come before the last of stdout/stderr has been read.
    child.once('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Writes `config` (merged into the base unless it is a raw TOML string) to a new file in `dir`;
 * returns its path.
 */
export function writeConfigFile(dir: string, config: TomlTable | string): string {
  const file = path.join(mkdtempSync(path.join(dir, 'cfg-')), 'config.toml');
  writeFileSync(file, typeof config === 'string' ? config : toToml(mergeConfig(baseConfig(), config)));
  return file;
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface HttpResponse {
  status: number;
  /** Lower-cased names. */
  headers: http.IncomingHttpHeaders;
  /** Names as sent on the wire, alternating with values. */
  rawHeaders: string[];
  body: string;
  buffer: Buffer;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  agent?: http.Agent;
  timeoutMs?: number;
}

/** A keep-alive agent for bursts of requests (fuzz). */
export const keepAliveAgent = (maxSockets = 16): http.Agent =>
  new http.Agent({ keepAlive: true, maxSockets });

/** One HTTP request with exactly the given method, headers and body (nothing added but Host). */
export function request(url: string, opts: RequestOptions = {}): Promise<HttpResponse> {
  const headers: Record<string, string | string[]> = { ...opts.headers };
  if (opts.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
    headers['Content-Length'] = String(Buffer.byteLength(opts.body));
  }
  // The path goes out exactly as written (`new URL` would resolve `/./` and `/../`).
  const m = /^(https?):\/\/([^/:]+):(\d+)(.*)$/.exec(url);
  if (!m) throw new Error(`not an http(s)://host:port URL: ${url}`);
  const tls = m[1] === 'https';
  const target = { host: m[2], port: Number(m[3]), path: m[4] || '/' };
  return new Promise((resolve, reject) => {
    // A redirect of a long URL repeats it in Location: read headers up to Go's 1 MB and beyond.
    const init = {
      ...target,
      method: opts.method ?? 'GET',
      headers,
      agent: opts.agent ?? false,
      maxHeaderSize: 4 << 20,
    };
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const buffer = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: buffer.toString('utf8'),
          buffer,
        });
      });
    };
    // The fixture certificate is self-signed: trust exactly it.
    const req = tls ? https.request({ ...init, ca: TEST_CA }, onResponse) : http.request(init, onResponse);
    req.setTimeout(opts.timeoutMs ?? 15_000, () =>
      req.destroy(new Error(`timeout: ${opts.method ?? 'GET'} ${url}`)),
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The value of header `name` as sent (first occurrence), matched case-sensitively. */
export function rawHeader(res: HttpResponse, name: string): string | undefined {
  for (let i = 0; i < res.rawHeaders.length; i += 2)
    if (res.rawHeaders[i] === name) return res.rawHeaders[i + 1];
  return undefined;
}

/** Go's `json.MarshalIndent(v, "", "    ")` for plain values (no <, >, & in the tests' strings). */
export const goJson = (v: unknown): string => JSON.stringify(v, null, 4);

export const postJson = (
  url: string,
  body: string,
  contentType = 'application/json',
): Promise<HttpResponse> => request(url, { method: 'POST', headers: { 'Content-Type': contentType }, body });

/** Asserts a Go `http.Error` response: status, text + newline, text/plain, nosniff. */
export function expectTextError(res: HttpResponse, status: number, text: string): void {
  expect({ status: res.status, body: res.body }).toEqual({ status, body: `${text}\n` });
  expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
}

// ---------------------------------------------------------------------------------------------
// Teller operations

export interface Deposit {
  coin?: string;
  addr: string;
  value: bigint | number | string;
  height?: number;
  tx: string;
  n?: number;
}

export interface Broadcast {
  txid: string;
  outputs: { address: string; coins: string }[];
  confirmed: boolean;
}

export interface StatusEntry {
  seq: number;
  updated_at: number;
  status: string;
  coin_type: string;
}

/** Teller's DepositInfo as /api/deposits shows it (only the fields the tests read). */
export interface DepositInfo {
  seq: number;
  updated_at: number;
  status: string;
  coin_type: string;
  sky_address: string;
  buy_method: string;
  deposit_address: string;
  deposit_id: string;
  txid: string;
  conversion_rate: string;
  deposit_value: number;
  sky_sent: number;
  error: string;
  deposit: { coin_type: string; address: string; value: number; height: number; tx: string; n: number };
}

function ok(res: HttpResponse, what: string): HttpResponse {
  if (res.status !== 200) throw new Error(`${what}: ${res.status} ${res.body}`);
  return res;
}

/** POST /api/bind; returns the deposit address. */
export async function bind(d: Daemon, skyaddr: string, coin = 'BTC'): Promise<string> {
  const res = ok(
    await postJson(`${d.publicUrl}/api/bind`, JSON.stringify({ skyaddr, coin_type: coin })),
    `bind ${skyaddr} ${coin}`,
  );
  return (JSON.parse(res.body) as { deposit_address: string }).deposit_address;
}

/** /dummy/scanner/deposit (the dummy scanner counts it as confirmed at once). */
export async function deposit(d: Daemon, dep: Deposit): Promise<void> {
  const q = new URLSearchParams({
    coin: dep.coin ?? 'BTC',
    addr: dep.addr,
    value: String(dep.value),
    height: String(dep.height ?? 1),
    tx: dep.tx,
    n: String(dep.n ?? 0),
  });
  ok(await request(`${d.dummyUrl}/dummy/scanner/deposit?${q}`), `deposit ${dep.tx}:${dep.n ?? 0}`);
}

export async function broadcasts(d: Daemon): Promise<Broadcast[]> {
  const res = ok(await request(`${d.dummyUrl}/dummy/sender/broadcasts`), 'broadcasts');
  return JSON.parse(res.body) as Broadcast[];
}

export async function confirm(d: Daemon, txid: string): Promise<void> {
  ok(await request(`${d.dummyUrl}/dummy/sender/confirm?txid=${txid}`), `confirm ${txid}`);
}

/** Confirms every broadcast not confirmed yet; returns how many it confirmed. */
export async function confirmAll(d: Daemon): Promise<number> {
  const open = (await broadcasts(d)).filter((b) => !b.confirmed);
  for (const b of open) await confirm(d, b.txid);
  return open.length;
}

/** Sets the dummy hot wallet balance, in droplets. */
export async function setBalance(d: Daemon, droplets: bigint | number): Promise<void> {
  ok(await request(`${d.dummyUrl}/dummy/sender/balance?coins=${droplets}`), 'balance');
}

export async function statuses(d: Daemon, skyaddr: string): Promise<StatusEntry[]> {
  const res = ok(await request(`${d.publicUrl}/api/status?skyaddr=${skyaddr}`), `status ${skyaddr}`);
  return (JSON.parse(res.body) as { statuses?: StatusEntry[] }).statuses ?? [];
}

export async function adminGet<T>(
  d: Daemon,
  route: string,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = ok(await request(`${d.adminUrl}${route}`, { headers }), `admin ${route}`);
  return JSON.parse(res.body) as T;
}

export async function adminDeposits(d: Daemon, status?: string): Promise<DepositInfo[]> {
  const q = status === undefined ? '' : `?status=${status}`;
  return (await adminGet<{ deposits: DepositInfo[] }>(d, `/api/deposits${q}`)).deposits;
}

export async function depositById(d: Daemon, id: string): Promise<DepositInfo | undefined> {
  return (await adminDeposits(d)).find((x) => x.deposit_id === id);
}

export async function health(d: Daemon): Promise<{
  exchange: { sender_error: string; balance: { coins: string; hours: string }; deposit_error_count: number };
  sold_out: boolean;
}> {
  return JSON.parse(ok(await request(`${d.publicUrl}/api/health`), 'health').body) as never;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until `done` holds; returns the last value, or throws with it after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = DEADLINE_MS,
  what = 'condition',
): Promise<T> {
  return untilValue(what, probe, done, timeoutMs, 40);
}

/** The daemon's JSON log lines so far (pretty or stray lines left out). */
export function logLines(d: Daemon): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of d.logs().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut short while being written: counted once it is whole
    }
  }
  return out;
}

/**
 * Waits until the log holds at least `n` lines with message `msg` (and the fields of `fields`);
 * returns them. The way a black-box test proves a moment has passed, in place of a sleep.
 */
export async function waitForLog(
  d: Daemon,
  msg: string,
  fields: Record<string, unknown> = {},
  n = 1,
  timeoutMs = DEADLINE_MS,
): Promise<Record<string, unknown>[]> {
  const matching = (): Record<string, unknown>[] =>
    logLines(d).filter((l) => l.msg === msg && Object.entries(fields).every(([k, v]) => l[k] === v));
  const found = await waitFor(
    () => Promise.resolve(matching().length),
    (count) => count >= n,
    timeoutMs,
    `${n} log line(s) "${msg}" ${JSON.stringify(fields)}`,
  );
  return matching().slice(0, Math.max(found, n));
}

/**
 * Proves the deposit `dep` (already recorded) has had its pending step: replays it twice through the
 * dummy scanner and waits for the second "dummy deposit ignored". A replay waits on the deposit's
 * lock, so the second one is answered only after a step scheduled before the first has finished.
 */
export async function replayTwice(d: Daemon, dep: Deposit): Promise<void> {
  const depositId = `${dep.tx}:${dep.n ?? 0}`;
  const seen = logLines(d).filter((l) => l.msg === 'dummy deposit ignored' && l.depositId === depositId);
  for (let i = 1; i <= 2; i++) {
    await deposit(d, dep);
    await waitForLog(d, 'dummy deposit ignored', { depositId }, seen.length + i);
  }
}

/** The `chain` scanner's last scanned height, as the admin /api/recheck reports its status. */
export async function scannedHeight(d: Daemon, chain: string): Promise<number> {
  const res = ok(
    await postJson(`${d.adminUrl}/api/recheck`, JSON.stringify({ txid: '00', chain })),
    `recheck ${chain}`,
  );
  const body = JSON.parse(res.body) as { scanners: { status: { height: number } }[] };
  return body.scanners[0]?.status.height ?? -1;
}

/** Waits until the `chain` scanner has scanned block `height`: what it found there has been handed on. */
export const waitForScannedHeight = (
  d: Daemon,
  chain: string,
  height: number,
  timeoutMs = DEADLINE_MS,
): Promise<number> =>
  waitFor(
    () => scannedHeight(d, chain),
    (h) => h >= height,
    timeoutMs,
    `${chain} scanned to ${height}`,
  );

/** Polls /api/status of `skyaddr` until `done` holds for its entries. */
export const waitForStatus = (
  d: Daemon,
  skyaddr: string,
  done: (entries: StatusEntry[]) => boolean,
  timeoutMs = DEADLINE_MS,
): Promise<StatusEntry[]> => waitFor(() => statuses(d, skyaddr), done, timeoutMs, `status of ${skyaddr}`);

/** Polls the admin record of deposit `id` (`<tx>:<n>`) until `done` holds. */
export const waitForDeposit = (
  d: Daemon,
  id: string,
  done: (dep: DepositInfo) => boolean,
  timeoutMs = DEADLINE_MS,
): Promise<DepositInfo> =>
  waitFor(
    () => depositById(d, id),
    (v) => v !== undefined && done(v),
    timeoutMs,
    `deposit ${id}`,
  ) as Promise<DepositInfo>;

/**
 * Waits until deposit `id` is paid out: in waiting_confirm (or done) *and* its payout listed by the
 * dummy sender. The payout is stored with the move to waiting_confirm and broadcast just after, so
 * the status alone does not mean the sender has it yet.
 */
export async function waitForPayout(d: Daemon, id: string, timeoutMs = DEADLINE_MS): Promise<DepositInfo> {
  const rec = await waitForDeposit(
    d,
    id,
    (x) => x.status === 'waiting_confirm' || x.status === 'done',
    timeoutMs,
  );
  await waitFor(
    () => broadcasts(d),
    (b) => b.some((x) => x.txid === rec.txid),
    timeoutMs,
    `the broadcast of ${id}`,
  );
  return rec;
}

/** Polls the dummy sender until it lists `n` broadcasts. */
export const waitForBroadcasts = (d: Daemon, n: number, timeoutMs = DEADLINE_MS): Promise<Broadcast[]> =>
  waitFor(
    () => broadcasts(d),
    (b) => b.length >= n,
    timeoutMs,
    `${n} broadcasts`,
  );

/** Satoshi → droplets at `rate` SKY per BTC with 3 decimals (the suite's reference maths, bigint). */
export function expectedDroplets(value: bigint, baseDecimals: number, rateNum: bigint, rateDen = 1n): bigint {
  // sky = value / 10^d × rate, truncated to 3 decimals, in droplets (10^6).
  const milli = (value * rateNum * 1000n) / (10n ** BigInt(baseDecimals) * rateDen);
  return milli * 1000n;
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { until } from './until';

/**
 * A bcoin regtest node for integration tests, started through scripts/bcoin-regtest.cjs (Core
 * address prefixes and RPC shims) in memory, on free loopback ports, so that test files can each
 * run their own node in parallel. Mines to `minHeight` (432: segwit activates there on bcoin).
 */

const LAUNCHER = path.resolve(__dirname, '../../scripts/bcoin-regtest.cjs');
const API_KEY = 'teller-test';
const READY_TIMEOUT_MS = 20_000;
/** Tail of the node's console output kept for `log()` (with --memory=true there is no log file). */
const LOG_KEEP_CHARS = 200_000;

export interface Bitcoind {
  /** "127.0.0.1:<port>", as `btc_rpc.server` takes it. */
  server: string;
  apiKey: string;
  rpcPort: number;
  walletPort: number;
  /** The wallet's own address, where `mine` pays by default. */
  minerAddress: string;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  walletRpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** bcoin's wallet HTTP API (e.g. POST /wallet/primary/send). */
  walletHttp<T = unknown>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T>;
  mine(n: number, address?: string): Promise<string[]>;
  height(): Promise<number>;
  /** Pays `btc` (a decimal string) to `address` from the wallet; returns the txid. */
  sendToAddress(address: string, btc: string): Promise<string>;
  /** One transaction with these outputs (satoshi values); returns the txid. */
  sendMany(outputs: { address: string; value: bigint }[]): Promise<string>;
  invalidateBlock(hash: string): Promise<void>;
  /** SIGSTOP / SIGCONT: the node stops answering without losing its in-memory chain. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  log(): string;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });

const auth = 'Basic ' + Buffer.from(`x:${API_KEY}`).toString('base64');

async function jsonRpc<T>(port: number, method: string, params: unknown[]): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth },
    body: JSON.stringify({ jsonrpc: '1.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result: T; error: { code: number; message: string } | null };
  if (body.error) throw new Error(`${method}: ${body.error.message} (${body.error.code})`);
  return body.result;
}

interface Launched {
  child: ChildProcess;
  rpcPort: number;
  walletPort: number;
  dir: string;
  output: () => string;
}

async function launch(): Promise<Launched> {
  for (let attempt = 1; ; attempt++) {
    const [rpcPort, walletPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(path.join(os.tmpdir(), 'teller-bcoin-'));
    const child = spawn(
      process.execPath,
      [
        LAUNCHER,
        '--memory=true',
        '--index-tx=true',
        '--listen=false',
        '--workers=false',
        `--prefix=${dir}`,
        '--http-host=127.0.0.1',
        `--http-port=${rpcPort}`,
        `--wallet-http-port=${walletPort}`,
        `--api-key=${API_KEY}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-LOG_KEEP_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exited = false;
    child.once('exit', () => (exited = true));
    const answers = async (): Promise<boolean> => {
      await jsonRpc(rpcPort, 'getblockcount', []);
      await jsonRpc(walletPort, 'getbalance', []);
      return true;
    };
    const ready = await until(
      'bcoin to answer',
      async () => exited || (await answers().catch(() => false)),
      READY_TIMEOUT_MS,
      50,
    ).then(
      () => !exited,
      () => false,
    );
    if (ready) return { child, rpcPort, walletPort, dir, output: () => output };
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    // A port taken between probing and binding makes bcoin exit: try other ports.
    if (attempt >= 3) throw new Error(`bcoin regtest did not start (${exited ? 'exited' : 'timeout'})`);
  }
}

export async function startBitcoind(opts: { minHeight?: number } = {}): Promise<Bitcoind> {
  const { child, rpcPort, walletPort, dir, output } = await launch();
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const rpc = <T>(method: string, params: unknown[] = []) => jsonRpc<T>(rpcPort, method, params);
  const walletRpc = <T>(method: string, params: unknown[] = []) => jsonRpc<T>(walletPort, method, params);
  const walletHttp = async <T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${walletPort}${route}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: auth },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T & { error?: { message: string } };
    if (!res.ok || json.error)
      throw new Error(`${method} ${route}: HTTP ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  // The wallet hands its txs to the node's mempool asynchronously: mining right after a send could
  // leave the tx out, so sends return only once the node has it.
  const inMempool = async (txid: string): Promise<string> => {
    await until(
      `tx ${txid} in the mempool`,
      async () => (await rpc<string[]>('getrawmempool')).includes(txid),
      undefined,
      10,
    );
    return txid;
  };
  const minerAddress = await walletRpc<string>('getnewaddress');
  const mine = (n: number, address = minerAddress) => rpc<string[]>('generatetoaddress', [n, address]);
  const height = () => rpc<number>('getblockcount');
  const have = await height();
  const minHeight = opts.minHeight ?? 432;
  if (have < minHeight) await mine(minHeight - have);

  const node: Bitcoind = {
    server: `127.0.0.1:${rpcPort}`,
    apiKey: API_KEY,
    rpcPort,
    walletPort,
    minerAddress,
    rpc,
    walletRpc,
    walletHttp,
    mine,
    height,
    async sendToAddress(address, btc) {
      return inMempool(await walletRpc<string>('sendtoaddress', [address, Number(btc)]));
    },
    async sendMany(outputs) {
      const tx = await walletHttp<{ hash: string }>('POST', '/wallet/primary/send', {
        outputs: outputs.map((o) => ({ address: o.address, value: Number(o.value) })),
        rate: 1000,
      });
      return inMempool(tx.hash);
    },
    async invalidateBlock(hash) {
      await rpc('invalidateblock', [hash]);
    },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
    log: output,
  };
  return node;
}

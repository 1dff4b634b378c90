import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { JsonRpcProvider, Wallet } from 'ethers';
import { until } from './until';

/**
 * A throwaway anvil dev chain for integration tests (research/infra.md §2): loopback, a free port,
 * chain id 1337, the standard `test test … junk` accounts (10 000 ETH each). Ready in ~50 ms, so
 * each test file starts its own. The provider has ethers' 250 ms call cache off: with it, a second
 * send within 250 ms reused a nonce and a reorg served stale block hashes.
 */

export const ANVIL_BIN = path.join(
  __dirname,
  '..',
  '..',
  'node_modules',
  '@foundry-rs',
  'anvil-linux-amd64',
  'bin',
  'anvil',
);

/** Private keys of the dev accounts 0..9 (mnemonic `test test test test test test test test test test test junk`). */
export const DEV_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
] as const;

export interface AnvilOptions {
  chainId?: number;
  /** Interval mining, in seconds (default: automine, one block per transaction). */
  blockTime?: number;
  args?: string[];
}

export interface Anvil {
  url: string;
  chainId: number;
  provider: JsonRpcProvider;
  /** Dev accounts 0..9, connected to `provider`. */
  wallets: Wallet[];
  send(method: string, params?: unknown[]): Promise<unknown>;
  tip(): Promise<number>;
  /** Mines `n` blocks (anvil_mine: 1000 blocks in about a second). */
  mine(n?: number): Promise<void>;
  setAutomine(on: boolean): Promise<void>;
  /** anvil_reorg: replaces the last `depth` blocks (same height, new hashes), with `txs` [signedRawTx, blockOffset]. */
  reorg(depth: number, txs?: [string, number][]): Promise<void>;
  snapshot(): Promise<string>;
  revert(id: string): Promise<boolean>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Starts anvil and waits until it answers eth_chainId (retries on another port if it loses a race). */
async function launch(opts: AnvilOptions): Promise<{ child: ChildProcess; url: string }> {
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(opts.chainId ?? 1337)];
    if (opts.blockTime !== undefined) args.push('--block-time', String(opts.blockTime));
    args.push('--silent', ...(opts.args ?? []));
    const child = spawn(ANVIL_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    const answers = (): Promise<boolean> =>
      rpc(url, 'eth_chainId').then(
        () => true,
        () => false,
      );
    const exitedNow = (): boolean => child.exitCode !== null;
    const ready = await until(
      'anvil to answer eth_chainId',
      async () => exitedNow() || (await answers()),
      10_000,
      20,
    ).then(
      () => !exitedNow(),
      () => false,
    );
    if (ready) return { child, url };
    child.kill('SIGKILL');
    await exited(child);
    lastError = stderr.trim() || 'did not answer eth_chainId within 10 s';
  }
  throw new Error(`anvil failed to start: ${lastError}`);
}

export async function startAnvil(opts: AnvilOptions = {}): Promise<Anvil> {
  const { child, url } = await launch(opts);
  const chainId = opts.chainId ?? 1337;
  // batchMaxCount 1: ethers' default batching waits 10 ms per round trip (4x slower scans here).
  const options = { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50, batchMaxCount: 1 };
  const provider = new JsonRpcProvider(url, chainId, options);
  const send = (method: string, params: unknown[] = []): Promise<unknown> => provider.send(method, params);
  return {
    url,
    chainId,
    provider,
    wallets: DEV_KEYS.map((k) => new Wallet(k, provider)),
    send,
    tip: async () => Number(await send('eth_blockNumber')),
    mine: async (n = 1) => void (await send('anvil_mine', [`0x${n.toString(16)}`])),
    setAutomine: async (on) => void (await send('evm_setAutomine', [on])),
    reorg: async (depth, txs = []) => void (await send('anvil_reorg', [depth, txs])),
    snapshot: async () => String(await send('evm_snapshot')),
    revert: async (id) => Boolean(await send('evm_revert', [id])),
    stop: async () => {
      provider.destroy();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

/**
 * Benchmark 3: catch-up against a real node. A bcoin regtest node (test/helpers/bitcoind.ts);
 * the daemon (real BTC scanner, dummy sender) binds 100 deposit addresses and is stopped; 1,000
 * blocks are mined holding 100 deposits (one every 10 blocks); the daemon starts again and the
 * clock runs until its cursor is at the tip and every deposit is recorded. Baseline, on the same
 * node in the same run: fetching the same blocks raw (a batched getblockhash, then getblock <hash> 0,
 * 4 at a time, as the scanner asks) with nothing done to them, the node's own ceiling.
 */
import path from 'node:path';
import { BtcRpcClient } from '../src/chains/bitcoin/rpc';
import { startBitcoind, type Bitcoind } from '../test/helpers/bitcoind';
import { segwitAddress } from './lib/btc-encode';
import { skyAddresses } from './lib/deposits';
import { baseConfig, launchDaemon, mergeConfig, writeConfig, type RunningDaemon } from './lib/daemon';
import { benchTmp } from './lib/fixtures';
import { emit, figure, progress } from './lib/report';
import { median, prng, randomBytesFrom, sleep } from './lib/stats';
import { rmSync, writeFileSync } from 'node:fs';

const ID = 'catch_up';
const BLOCKS = 1_000;
const DEPOSITS = 100;
const POOL = 1_000;
const PARALLEL = 4;

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface Health {
  scanners: { chain: string; height: number; tip: number; last_error: string }[];
}

/**
 * The scanner's reads without the scanner: the project's own RPC client fetching heights from..to
 * as BtcSource does (batched getblockhash, then getblock <hash> <verbosity>, 4 at a time).
 */
async function fetchRaw(node: Bitcoind, from: number, to: number, verbosity: 0 | 2): Promise<number> {
  const rpc = new BtcRpcClient({ server: node.server, user: 'bench', pass: node.apiKey, cert: '' });
  const t0 = performance.now();
  for (let a = from; a <= to; a += 50) {
    const hashes = await rpc.getBlockHashes(a, Math.min(to, a + 49));
    let next = 0;
    const worker = async () => {
      while (next < hashes.length) await rpc.call('getblock', [hashes[next++], verbosity]);
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
  }
  const rate = (to - from + 1) / ((performance.now() - t0) / 1000);
  rpc.close();
  return rate;
}

async function main(): Promise<void> {
  const node = await startBitcoind();
  let daemon: RunningDaemon | undefined;
  try {
    const rand = prng(3);
    const pool = Array.from({ length: POOL }, () => segwitAddress('bcrt', 0, randomBytesFrom(rand, 20)));
    const dir = path.join(benchTmp(), 'catch-up');
    // A data dir left by an earlier run (BENCH_TMP is kept) holds its bindings, deposits and payouts.
    rmSync(dir, { recursive: true, force: true });
    const poolFile = path.join(dir, 'btc-regtest.txt');
    const start = await node.height();
    const cfgFile = writeConfig(
      dir,
      mergeConfig(baseConfig(), {
        btc_addresses: poolFile,
        btc_scanner: {
          enabled: true,
          network: 'regtest',
          scan_period: '1s',
          initial_scan_height: start + 1,
          confirmations_required: 1,
        },
        btc_rpc: { server: node.server, user: 'bench', pass: node.apiKey },
        eth_scanner: { enabled: false },
        teller: { max_bound_addrs: 0 },
        dummy: { scanner: false, sender: true },
      }),
    );
    writeFileSync(poolFile, pool.join('\n') + '\n');
    const dataDir = path.join(dir, 'data');
    daemon = await launchDaemon(cfgFile, dataDir);
    const sky = skyAddresses(DEPOSITS, 17);
    const bound: string[] = [];
    for (let i = 0; i < DEPOSITS; i++) {
      const res = await fetch(`${daemon.url('public')}/api/bind`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ skyaddr: sky[i], coin_type: 'BTC' }),
      });
      if (!res.ok) throw new Error(`bind: ${res.status} ${await res.text()}`);
      bound.push(((await res.json()) as { deposit_address: string }).deposit_address);
    }
    await fetch(`${daemon.url('dummy')}/dummy/sender/balance?coins=${10n ** 15n}`);
    await daemon.stop();
    daemon = undefined;

    let t = performance.now();
    for (let i = 0; i < DEPOSITS; i++) {
      await node.sendToAddress(bound[i], '0.001');
      await node.mine(BLOCKS / DEPOSITS);
    }
    const tip = await node.height();
    progress(
      ID,
      `mined ${tip - start} blocks with ${DEPOSITS} deposits in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );

    const rawBefore = await fetchRaw(node, start + 1, tip, 0);
    t = performance.now();
    daemon = await launchDaemon(cfgFile, dataDir);
    const readyMs = daemon.readyMs;
    const d = daemon;
    let recorded = 0;
    for (;;) {
      const h = await getJson<Health>(`${d.url('public')}/api/health`);
      const btc = h.scanners.find((s) => s.chain === 'BTC');
      if (btc && btc.height >= tip) {
        const list = await getJson<{ deposits: unknown[] }>(`${d.url('admin')}/api/deposits`);
        recorded = list.deposits.length;
        if (recorded >= DEPOSITS) break;
      }
      if (performance.now() - t > 120_000)
        throw new Error(`not caught up after 120 s: ${JSON.stringify(btc)}, ${recorded} deposits`);
      await sleep(25);
    }
    const catchUpS = (performance.now() - t) / 1000;
    await daemon.stop();
    daemon = undefined;
    const rawAfter = await fetchRaw(node, start + 1, tip, 0);
    const verbose = await fetchRaw(node, start + 1, tip, 2);
    const blocks = tip - start;
    // The scanner starts polling before the listeners are up, so catch-up overlaps start-up: the
    // rate is over the whole time from spawn.
    const rate = blocks / catchUpS;
    const raw = median([rawBefore, rawAfter]);
    emit({
      id: ID,
      title: 'Catch-up: 1,000 blocks mined while the daemon was down (bcoin regtest)',
      figures: [
        figure({
          name: `time to catch up (spawn → cursor at tip, ${DEPOSITS} deposits recorded)`,
          value: catchUpS,
          unit: 's',
        }),
        figure({
          name: 'catch-up rate (blocks ÷ time from spawn)',
          value: rate,
          unit: 'blocks/s',
          baseline: {
            name: 'the same blocks fetched raw by BtcRpcClient, nothing done',
            value: raw,
            unit: 'blocks/s',
          },
          ratio: rate / raw,
          ratioMeaning: 'daemon catch-up blocks/s (start-up included) ÷ raw fetch blocks/s',
        }),
      ],
      notes: [
        `time includes the daemon's start (${(readyMs / 1000).toFixed(2)} s to ready; the scanner runs from its first moments); the raw fetch is the mean of one run before and one after; the same blocks fetched verbose (getblock <hash> 2) come at ${Math.round(verbose)} blocks/s`,
        'regtest blocks are small (a coinbase and at most one deposit): this measures the RPC and the pipeline, the parser is bench 1',
      ],
      details: {
        blocks,
        deposits: DEPOSITS,
        catch_up_s: catchUpS,
        ready_s: readyMs / 1000,
        raw_before: rawBefore,
        raw_after: rawAfter,
        verbose_fetch: verbose,
      },
    });
  } finally {
    await daemon?.stop();
    await node.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

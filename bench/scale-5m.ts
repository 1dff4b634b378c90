/**
 * Benchmark 9: the watched set at 5,000,000 (issue 19: derived pools never run out, so the store
 * and the scanners must hold millions of bound addresses). Start-up of the daemon (BTC derived pool,
 * dummy scanner and sender) on a store of 5,000,000 derived-pool bindings: time from spawn to
 * `teller started` and resident memory once ready; baseline, in alternating rounds, the same config
 * on an empty store. Then the BTC scanner's block scan (BtcSource.blocks over the local node) with
 * 5,000,000 watched addresses; baseline, interleaved, the same scanner with the first 1,000,000.
 * The bindings' addresses are synthetic P2WPKH ones written straight into the store in the
 * daemon's layout (bench/lib/derived-store.ts): deriving 5,000,000 takes hours.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { BtcRpcClient } from '../src/chains/bitcoin/rpc';
import { BtcSource } from '../src/scanner/btc-source';
import { silentLogger } from '../src/util/logger';
import { makeBlock, type SynthBlock } from './lib/btc-block';
import { startBtcNode } from './lib/btc-node';
import {
  baseConfig,
  mergeConfig,
  sampleStartup,
  SETTLE_MS,
  type StartupSample,
  writeConfig,
} from './lib/daemon';
import { DERIVED_ZPUB, derivedDataset, syntheticScript, type SyntheticPool } from './lib/derived-store';
import { benchTmp, POOL_SIZE } from './lib/fixtures';
import { emit, figure, progress } from './lib/report';
import { interleavedRounds, median, prng, ratios } from './lib/stats';

const ID = 'scale_5m';
/** BENCH_SCALE_BINDINGS: a smaller store to try the benchmark out (the figures name the count). */
const BINDINGS = Number(process.env.BENCH_SCALE_BINDINGS ?? 5_000_000);
const N = BINDINGS.toLocaleString('en-US');
const ROUNDS = 2;
const BLOCKS = 4;
const DEPOSITS_PER_BLOCK = 10;
const FIRST_HEIGHT = 900_000;
async function startup(dataDir: string): Promise<{ loaded: StartupSample[]; empty: StartupSample[] }> {
  const cfg = writeConfig(
    path.join(benchTmp(), 'scale-5m'),
    mergeConfig(baseConfig(), {
      btc_addresses: null,
      eth_scanner: { enabled: false },
      btc_scanner: { enabled: true, deposit_xpub: DERIVED_ZPUB, network: 'mainnet' },
    }),
  );
  const loaded: StartupSample[] = [];
  const empty: StartupSample[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const emptyDir = path.join(benchTmp(), `scale-5m-empty-${r}`);
    rmSync(emptyDir, { recursive: true, force: true });
    if (r % 2 === 0) {
      loaded.push(await sampleStartup(cfg, dataDir));
      empty.push(await sampleStartup(cfg, emptyDir));
    } else {
      empty.push(await sampleStartup(cfg, emptyDir));
      loaded.push(await sampleStartup(cfg, dataDir));
    }
    progress(
      ID,
      `round ${r + 1}: loaded ${Math.round(loaded[r].readyMs)} ms ${Math.round(loaded[r].rssMb)} MB; ` +
        `empty ${Math.round(empty[r].readyMs)} ms ${Math.round(empty[r].rssMb)} MB`,
    );
  }
  return { loaded, empty };
}

async function scan(pool: SyntheticPool) {
  const rand = prng(43);
  const first = Math.min(POOL_SIZE, pool.addresses.length);
  // Deposits pay addresses among the first million, so both watch sets find the same ones.
  const blocks: SynthBlock[] = Array.from({ length: BLOCKS }, (_, i) =>
    makeBlock({
      seed: 2000 + i,
      height: FIRST_HEIGHT + i,
      pay: Array.from({ length: DEPOSITS_PER_BLOCK }, () =>
        syntheticScript(pool, Math.floor(rand() * first)),
      ),
      matches: DEPOSITS_PER_BLOCK,
    }),
  );
  const node = await startBtcNode(blocks);
  try {
    const rpc = new BtcRpcClient({ server: node.url, user: 'bench', pass: 'bench', cert: '' });
    const sources = {
      m1: new BtcSource({ rpc, network: 'mainnet', log: silentLogger() }),
      m5: new BtcSource({ rpc, network: 'mainnet', log: silentLogger() }),
    };
    for (let i = 0; i < first; i++) sources.m1.watch('BTC', pool.addresses[i]);
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const t = performance.now();
    for (const a of pool.addresses) sources.m5.watch('BTC', a);
    const watchS = (performance.now() - t) / 1000;
    global.gc?.();
    const heapMb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
    progress(ID, `watching ${pool.addresses.length} addresses: index built in ${watchS.toFixed(1)} s`);
    for (const [name, source] of Object.entries(sources)) {
      let found = 0;
      for (const b of blocks) found += (await source.blocks(b.height, b.height))[0].deposits.length;
      if (found !== BLOCKS * DEPOSITS_PER_BLOCK) throw new Error(`${name}: found ${found} deposits`);
    }
    const at = { m1: 0, m5: 0 };
    const next = (k: keyof typeof at) => blocks[at[k]++ % BLOCKS];
    const r = await interleavedRounds(
      {
        m1: () => {
          const b = next('m1');
          return sources.m1.blocks(b.height, b.height);
        },
        m5: () => {
          const b = next('m5');
          return sources.m5.blocks(b.height, b.height);
        },
      },
      { rounds: 5, minMs: 1000, minOps: 4 },
    );
    return { r, watchS, heapMb, outputs: Math.round(blocks.reduce((n, b) => n + b.outputCount, 0) / BLOCKS) };
  } finally {
    await node.close();
  }
}

async function main(): Promise<void> {
  const ds = await derivedDataset(BINDINGS, (line) => progress(ID, line));
  if (ds.buildSeconds) progress(ID, `store of ${BINDINGS} bindings built in ${ds.buildSeconds.toFixed(1)} s`);
  const { loaded, empty } = await startup(ds.dataDir);
  const s = await scan(ds.pool);
  const readyS = (x: StartupSample[]) => x.map((v) => v.readyMs / 1000);
  const rss = (x: StartupSample[]) => x.map((v) => v.rssMb);
  const base = 'empty store, same derived-pool config';
  emit({
    id: ID,
    title: `Scale: ${N} bound addresses (synthetic P2WPKH in the derived-pool layout)`,
    figures: [
      figure({
        name: `time to ready, ${N} derived bindings (written directly, not derived)`,
        value: median(readyS(loaded)),
        unit: 's',
        baseline: { name: base, value: median(readyS(empty)), unit: 's' },
        ratio: median(ratios(readyS(loaded), readyS(empty))),
        ratioMeaning: 'loaded ÷ empty, per round',
      }),
      figure({
        name: `resident memory when ready, ${N} derived bindings`,
        value: median(rss(loaded)),
        unit: 'MB',
        baseline: { name: base, value: median(rss(empty)), unit: 'MB' },
        ratio: median(ratios(rss(loaded), rss(empty))),
        ratioMeaning: 'loaded ÷ empty, per round',
      }),
      figure({
        name: `BTC scanner, ${N} watched addresses (BtcSource.blocks, getblock 0 over HTTP)`,
        value: median(s.r.m5),
        unit: 'blocks/s',
        baseline: { name: 'the same scanner watching 1,000,000', value: median(s.r.m1), unit: 'blocks/s' },
        ratio: median(ratios(s.r.m5, s.r.m1)),
        ratioMeaning: `${N} ÷ 1,000,000 watched: blocks/s, per round, median`,
      }),
    ],
    notes: [
      `the daemon runs the dummy scanner (its watch set is the bound addresses); time to ready: spawn of \`node dist/cli.js\` to \`teller started\`; RSS ${SETTLE_MS} ms later; peak RSS ${Math.round(median(loaded.map((x) => x.peakMb)))} MB`,
      `scan: ${BLOCKS} blocks of ~${s.outputs} outputs, ${DEPOSITS_PER_BLOCK} deposits each (to addresses among the first million); the ${N} watch index took ${s.watchS.toFixed(1)} s and ~${Math.round(s.heapMb)} MB of heap to build`,
    ],
    details: {
      loaded,
      empty,
      rounds: s.r,
      watch_index_build_s: s.watchS,
      watch_index_heap_mb: s.heapMb,
      store_build_s: ds.buildSeconds,
    },
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

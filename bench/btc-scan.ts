/**
 * Benchmark 1: BTC block scan. The scanner's parse-and-match path (BtcSource.blocks → BtcRpcClient
 * → `getblock <hash> 0` from a node → hex → parse → match against the watched scripts → deposits)
 * on synthetic mainnet-sized blocks, with a million watched addresses. The node is a local HTTP
 * server answering JSON-RPC from memory with the bytes a node sends (bench/lib/btc-node.ts).
 * Baselines, over the same server: a scanner reading verbose blocks (`getblock <hash> 2` →
 * JSON.parse), and the library path (`getblock <hash> 0` → JSON.parse → hex → bitcoinjs-lib
 * Block.fromBuffer → a Map lookup of every output script). The parser alone is compared with the
 * library alone on the same raw bytes: the hand-written parser stays only if it is at least 2×
 * faster.
 */
import { Block } from 'bitcoinjs-lib';
import { parseBlock } from '../src/chains/bitcoin/block-parser';
import { BtcRpcClient } from '../src/chains/bitcoin/rpc';
import { ScriptIndex } from '../src/chains/bitcoin/script-index';
import { BtcSource } from '../src/scanner/btc-source';
import { silentLogger } from '../src/util/logger';
import { makeBlock, type SynthBlock } from './lib/btc-block';
import { startBtcNode } from './lib/btc-node';
import { btcPool, poolScript } from './lib/fixtures';
import { emit, figure, progress } from './lib/report';
import { interleavedRounds, median, prng, ratios } from './lib/stats';

const ID = 'btc_scan';
const BLOCKS = 4;
const DEPOSITS_PER_BLOCK = 10;
const FIRST_HEIGHT = 900_000;

/** The library path's match: every output script looked up; the txid of each matching tx. */
function libraryMatches(
  raw: Uint8Array,
  scripts: ReadonlyMap<string, string>,
): { txid: string; address: string }[] {
  const out: { txid: string; address: string }[] = [];
  for (const tx of Block.fromBuffer(raw).transactions ?? []) {
    for (const o of tx.outs) {
      const address = scripts.get(
        Buffer.from(o.script.buffer, o.script.byteOffset, o.script.length).toString('latin1'),
      );
      if (address !== undefined) out.push({ txid: tx.getId(), address });
    }
  }
  return out;
}

async function main(): Promise<void> {
  let t = performance.now();
  const pool = btcPool();
  const poolMs = performance.now() - t;
  const watchStart = poolMs;
  progress(ID, `pool of ${pool.addresses.length} addresses ready in ${(poolMs / 1000).toFixed(1)} s`);

  const rand = prng(42);
  const blocks: SynthBlock[] = [];
  t = performance.now();
  for (let i = 0; i < BLOCKS; i++) {
    const pay = Array.from({ length: DEPOSITS_PER_BLOCK }, () =>
      poolScript(pool, Math.floor(rand() * pool.addresses.length)),
    );
    blocks.push(makeBlock({ seed: 1000 + i, height: FIRST_HEIGHT + i, pay, matches: DEPOSITS_PER_BLOCK }));
  }
  progress(ID, `${BLOCKS} blocks generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const node = await startBtcNode(blocks);
  try {
    await measure(blocks, pool, node, watchStart);
  } finally {
    await node.close();
  }
}

async function measure(
  blocks: SynthBlock[],
  pool: ReturnType<typeof btcPool>,
  node: Awaited<ReturnType<typeof startBtcNode>>,
  watchStart: number,
): Promise<void> {
  const rpc = new BtcRpcClient({ server: node.url, user: 'bench', pass: 'bench', cert: '' });
  const source = new BtcSource({ rpc, network: 'mainnet', log: silentLogger() });
  let t = performance.now();
  for (const a of pool.addresses) source.watch('BTC', a);
  const watchMs = performance.now() - t;
  progress(
    ID,
    `watching ${pool.addresses.length} addresses (index built in ${(watchMs / 1000).toFixed(1)} s)`,
  );

  // Correctness first: a fast scanner that misses deposits is no figure.
  let found = 0;
  for (const b of blocks) {
    const [got] = await source.blocks(b.height, b.height);
    if (got.hash !== b.hash) throw new Error(`block ${b.height}: hash ${got.hash}, expected ${b.hash}`);
    found += got.deposits.length;
  }
  const expected = blocks.reduce((n, b) => n + b.matched, 0);
  if (found !== expected) throw new Error(`scanner found ${found} deposits, the blocks hold ${expected}`);

  // The same million scripts for the parser alone (its index) and for the library path (a Map).
  t = performance.now();
  const index = new ScriptIndex();
  const scripts = new Map<string, string>();
  for (let k = 0; k < pool.addresses.length; k++) {
    const script = poolScript(pool, k);
    index.add(script, pool.addresses[k]);
    scripts.set(script.toString('latin1'), pool.addresses[k]);
  }
  progress(ID, `script index and Map built in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const rawBlocks = blocks.map((b) =>
    Buffer.from((JSON.parse(b.rawReply) as { result: string }).result, 'hex'),
  );
  for (const [n, raw] of rawBlocks.entries()) {
    const lib = libraryMatches(raw, scripts).length;
    if (lib !== blocks[n].matched) throw new Error(`library path found ${lib} deposits in block ${n}`);
  }

  const at = { scanner: 0, verbose: 0, library: 0, parser: 0, libraryAlone: 0 };
  const nextBlock = (k: keyof typeof at): SynthBlock => blocks[at[k]++ % BLOCKS];
  const r = await interleavedRounds(
    {
      scanner: () => {
        const b = nextBlock('scanner');
        return source.blocks(b.height, b.height);
      },
      verbose: async () => {
        const b = nextBlock('verbose');
        return JSON.parse((await node.post('getblock', [b.hash, 2])).toString('utf8')) as unknown;
      },
      library: async () => {
        const b = nextBlock('library');
        const reply = JSON.parse((await node.post('getblock', [b.hash, 0])).toString('utf8')) as {
          result: string;
        };
        return libraryMatches(Buffer.from(reply.result, 'hex'), scripts);
      },
      parser: () => parseBlock(rawBlocks[at.parser++ % BLOCKS], index),
      libraryAlone: () => libraryMatches(rawBlocks[at.libraryAlone++ % BLOCKS], scripts),
    },
    { rounds: 5, minMs: 1000, minOps: 4 },
  );
  const perRound = (a: number[], b: number[]): number => median(ratios(a, b));
  const parserVsLibrary = perRound(r.parser, r.libraryAlone);

  const avg = (f: (b: SynthBlock) => number) => Math.round(blocks.reduce((n, b) => n + f(b), 0) / BLOCKS);
  emit({
    id: ID,
    title: 'BTC block scan (1,000,000 watched addresses, node over local HTTP)',
    figures: [
      figure({
        name: 'scanner (BtcSource.blocks, getblock 0 over HTTP → parse → match)',
        value: median(r.scanner),
        unit: 'blocks/s',
        baseline: {
          name: 'verbose: getblock 2 over HTTP → JSON.parse',
          value: median(r.verbose),
          unit: 'blocks/s',
        },
        ratio: perRound(r.scanner, r.verbose),
        ratioMeaning: 'scanner blocks/s ÷ verbose-JSON blocks/s, per round, median',
        atLeast: 25,
        ratioAtLeast: 5,
      }),
      figure({
        name: 'scanner vs the library path',
        value: median(r.scanner),
        unit: 'blocks/s',
        baseline: {
          name: 'library: getblock 0 over HTTP → JSON.parse → hex → bitcoinjs-lib Block.fromBuffer → Map lookup',
          value: median(r.library),
          unit: 'blocks/s',
        },
        ratio: perRound(r.scanner, r.library),
        ratioMeaning: 'scanner blocks/s ÷ library-path blocks/s, per round, median',
      }),
      figure({
        name: 'block parser alone (raw block bytes → matches)',
        value: median(r.parser),
        unit: 'blocks/s',
        baseline: {
          name: 'bitcoinjs-lib Block.fromBuffer of the same bytes + Map lookup of every output',
          value: median(r.libraryAlone),
          unit: 'blocks/s',
        },
        ratio: parserVsLibrary,
        ratioMeaning:
          'parser blocks/s ÷ library blocks/s on the same raw bytes, per round, median (the hand-written parser is kept only at ≥ 2×)',
        ratioAtLeast: 2,
      }),
    ],
    notes: [
      `blocks: ${avg((b) => b.txCount)} txs, ${avg((b) => b.outputCount)} outputs, ${(avg((b) => b.bytes) / 1e6).toFixed(2)} MB raw; ` +
        `verbose reply ${(avg((b) => b.verboseReply.length) / 1e6).toFixed(1)} MB of JSON; ${DEPOSITS_PER_BLOCK} deposits per block found`,
      'the node is a local HTTP server in the benchmark process answering from memory with the bytes a node sends (bench/lib/btc-node.ts); the scanner uses its own node client (BtcRpcClient), the baselines a minimal keep-alive http.request client',
    ],
    details: {
      rounds: r,
      watch_index_build_s: watchMs / 1000,
      pool_ready_s: watchStart / 1000,
      tx_per_block: avg((b) => b.txCount),
      outputs_per_block: avg((b) => b.outputCount),
      raw_bytes: avg((b) => b.bytes),
      verbose_json_bytes: avg((b) => b.verboseReply.length),
    },
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

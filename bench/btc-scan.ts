/**
 * Benchmark 1: BTC block scan. The scanner's parse-and-match path (BtcSource.blocks over a node
 * client that serves `getblock <hash> 0` replies from memory: JSON reply → hex → parse → match
 * against the watched scripts → deposits) on synthetic mainnet-sized blocks, with a million watched
 * addresses; baseline: JSON.parse of the same blocks' verbose (verbosity 2) replies, which is what
 * a scanner reading verbose blocks pays before it even looks at an output.
 */
import { BtcRpcClient } from '../src/chains/bitcoin/rpc';
import { BtcSource } from '../src/scanner/btc-source';
import { silentLogger } from '../src/util/logger';
import { makeBlock, type SynthBlock } from './lib/btc-block';
import { btcPool, poolScript } from './lib/fixtures';
import { emit, figure, progress } from './lib/report';
import { median, pairedRounds, prng } from './lib/stats';

const ID = 'btc_scan';
const BLOCKS = 4;
const DEPOSITS_PER_BLOCK = 10;
const FIRST_HEIGHT = 900_000;

/** A node client whose answers are the stored JSON-RPC reply texts, decoded as the real one does. */
class MemoryBtcRpc extends BtcRpcClient {
  private readonly byHeight = new Map<number, SynthBlock>();
  private readonly byHash = new Map<string, SynthBlock>();

  constructor(blocks: SynthBlock[]) {
    super({ server: '127.0.0.1:1', user: 'bench', pass: 'bench', cert: '' });
    for (const b of blocks) {
      this.byHeight.set(b.height, b);
      this.byHash.set(b.hash, b);
    }
  }

  override async getBlockHashes(from: number, to: number): Promise<string[]> {
    const out: string[] = [];
    for (let h = from; h <= to; h++) {
      const b = this.byHeight.get(h);
      if (!b) throw new Error(`no block ${h}`);
      out.push(b.hash);
    }
    return out;
  }

  override async getBlockHex(hash: string): Promise<string> {
    const b = this.byHash.get(hash);
    if (!b) throw new Error(`no block ${hash}`);
    return (JSON.parse(b.rawReply) as { result: string }).result;
  }
}

async function main(): Promise<void> {
  let t = performance.now();
  const pool = btcPool();
  const poolMs = performance.now() - t;
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

  const rpc = new MemoryBtcRpc(blocks);
  const source = new BtcSource({ rpc, network: 'mainnet', log: silentLogger() });
  t = performance.now();
  for (const a of pool.addresses) source.watch('BTC', a);
  const watchMs = performance.now() - t;
  progress(ID, `watching ${pool.addresses.length} addresses (index built in ${(watchMs / 1000).toFixed(1)} s)`);

  // Correctness first: a fast scanner that misses deposits is no figure.
  let found = 0;
  for (const b of blocks) {
    const [got] = await source.blocks(b.height, b.height);
    if (got.hash !== b.hash) throw new Error(`block ${b.height}: hash ${got.hash}, expected ${b.hash}`);
    found += got.deposits.length;
  }
  const expected = blocks.reduce((n, b) => n + b.matched, 0);
  if (found !== expected) throw new Error(`scanner found ${found} deposits, the blocks hold ${expected}`);

  let i = 0;
  const scan = () => {
    const b = blocks[i++ % BLOCKS];
    return source.blocks(b.height, b.height);
  };
  let j = 0;
  const verbose = () => JSON.parse(blocks[j++ % BLOCKS].verboseReply) as unknown;
  const r = await pairedRounds(scan, verbose, { rounds: 7, minMs: 1200, minOps: 4 });
  const scanRate = median(r.candidate);
  const verboseRate = median(r.baseline);
  const ratio = median(r.ratios);

  const avg = (f: (b: SynthBlock) => number) => Math.round(blocks.reduce((n, b) => n + f(b), 0) / BLOCKS);
  emit({
    id: ID,
    title: 'BTC block scan (1,000,000 watched addresses)',
    figures: [
      figure({
        name: 'scanner parse-and-match',
        value: scanRate,
        unit: 'blocks/s',
        baseline: { name: 'JSON.parse of the verbose (verbosity 2) block', value: verboseRate, unit: 'blocks/s' },
        ratio,
        ratioMeaning: 'scanner blocks/s ÷ verbose JSON.parse blocks/s',
        atLeast: 25,
        ratioAtLeast: 5,
      }),
    ],
    notes: [
      `blocks: ${avg((b) => b.txCount)} txs, ${avg((b) => b.outputCount)} outputs, ${(avg((b) => b.bytes) / 1e6).toFixed(2)} MB raw; ` +
        `verbose reply ${(avg((b) => b.verboseReply.length) / 1e6).toFixed(1)} MB of JSON; ${DEPOSITS_PER_BLOCK} deposits per block found`,
      `the scanner path starts from the node's reply text: JSON.parse of the reply, hex decode, parse, script lookup, deposits`,
    ],
    details: {
      rounds: r,
      watch_index_build_s: watchMs / 1000,
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

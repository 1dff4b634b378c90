/**
 * Benchmark 1: BTC block scan. The scanner's parse-and-match path (BtcSource.blocks over a node
 * client that serves `getblock <hash> 0` replies from memory: JSON reply → hex → parse → match
 * against the watched scripts → deposits) on synthetic mainnet-sized blocks, with a million watched
 * addresses; baseline: JSON.parse of the same blocks' verbose (verbosity 2) replies, which is what
 * a scanner reading verbose blocks pays before it even looks at an output.
 */
import { parseBlock } from '../src/chains/bitcoin/block-parser';
import { BtcRpcClient, type RpcReply } from '../src/chains/bitcoin/rpc';
import { ScriptIndex } from '../src/chains/bitcoin/script-index';
import { BtcSource } from '../src/scanner/btc-source';
import { silentLogger } from '../src/util/logger';
import { makeBlock, type SynthBlock } from './lib/btc-block';
import { btcPool, poolScript } from './lib/fixtures';
import { emit, figure, progress } from './lib/report';
import { interleavedRounds, median, prng, ratios } from './lib/stats';

const ID = 'btc_scan';
const BLOCKS = 4;
const DEPOSITS_PER_BLOCK = 10;
const FIRST_HEIGHT = 900_000;

/**
 * A node client answering from memory: only its transport (the HTTP exchange) is replaced, so each
 * `getblock` reply, kept as the bytes a node sends, is decoded by BtcRpcClient's own code.
 */
class MemoryBtcRpc extends BtcRpcClient {
  private readonly byHeight = new Map<number, SynthBlock>();
  private readonly bodies = new Map<string, Buffer>();

  constructor(blocks: SynthBlock[]) {
    super({ server: '127.0.0.1:1', user: 'bench', pass: 'bench', cert: '' });
    for (const b of blocks) {
      this.byHeight.set(b.height, b);
      this.bodies.set(b.hash, Buffer.from(b.rawReply));
    }
  }

  override async getBlockHashes(from: number, to: number): Promise<string[]> {
    const out: string[] = [];
    for (let h = from; h <= to; h++) {
      const b = this.byHeight.get(h);
      if (!b) throw new Error(`no block at height ${h}`);
      out.push(b.hash);
    }
    return out;
  }

  protected override async transport(payload: string): Promise<RpcReply> {
    const { method, params } = JSON.parse(payload) as { method: string; params: unknown[] };
    const body = method === 'getblock' && params[1] === 0 ? this.bodies.get(String(params[0])) : undefined;
    if (!body) throw new Error(`unexpected call ${payload}`);
    return { status: 200, body };
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

  // The parser alone, on blocks already decoded to bytes, against an index of the same million scripts.
  const index = new ScriptIndex();
  for (let k = 0; k < pool.addresses.length; k++) index.add(poolScript(pool, k), pool.addresses[k]);
  const rawBlocks = blocks.map((b) =>
    Buffer.from((JSON.parse(b.rawReply) as { result: string }).result, 'hex'),
  );
  const verboseBodies = blocks.map((b) => Buffer.from(b.verboseReply));

  let i = 0;
  let j = 0;
  let k = 0;
  let l = 0;
  const r = await interleavedRounds(
    {
      scanner: () => {
        const b = blocks[i++ % BLOCKS];
        return source.blocks(b.height, b.height);
      },
      parser: () => parseBlock(rawBlocks[j++ % BLOCKS], index),
      verboseBody: () => JSON.parse(verboseBodies[k++ % BLOCKS].toString('utf8')) as unknown,
      verboseText: () => JSON.parse(blocks[l++ % BLOCKS].verboseReply) as unknown,
    },
    { rounds: 7, minMs: 1000, minOps: 4 },
  );
  const scannerRatio = median(ratios(r.scanner, r.verboseBody));
  const parserRatio = median(ratios(r.parser, r.verboseText));

  const avg = (f: (b: SynthBlock) => number) => Math.round(blocks.reduce((n, b) => n + f(b), 0) / BLOCKS);
  emit({
    id: ID,
    title: 'BTC block scan (1,000,000 watched addresses)',
    figures: [
      figure({
        name: 'scanner parse-and-match, from the reply bytes',
        value: median(r.scanner),
        unit: 'blocks/s',
        baseline: {
          name: 'verbose reply bytes → JSON.parse',
          value: median(r.verboseBody),
          unit: 'blocks/s',
        },
        ratio: scannerRatio,
        ratioMeaning: 'scanner blocks/s ÷ verbose JSON.parse blocks/s, per round',
        atLeast: 25,
        ratioAtLeast: 5,
      }),
      figure({
        name: 'block parser alone (raw block bytes → matches)',
        value: median(r.parser),
        unit: 'blocks/s',
        baseline: { name: 'JSON.parse(verbose block text)', value: median(r.verboseText), unit: 'blocks/s' },
        ratio: parserRatio,
        ratioMeaning: 'parser blocks/s ÷ verbose JSON.parse blocks/s, per round',
      }),
    ],
    notes: [
      `blocks: ${avg((b) => b.txCount)} txs, ${avg((b) => b.outputCount)} outputs, ${(avg((b) => b.bytes) / 1e6).toFixed(2)} MB raw; ` +
        `verbose reply ${(avg((b) => b.verboseReply.length) / 1e6).toFixed(1)} MB of JSON; ${DEPOSITS_PER_BLOCK} deposits per block found`,
      'scanner path: BtcSource.blocks() with the node client answering from memory (its HTTP transport replaced); BtcRpcClient reads each reply (the block hex in place in the reply bytes, the rest through JSON.parse), then the parser decodes only the hex it reads, script lookup, deposits. Its baseline decodes the verbose reply bytes as UTF-8 and JSON.parse',
    ],
    details: {
      rounds: r,
      ratios_scanner: ratios(r.scanner, r.verboseBody),
      ratios_parser: ratios(r.parser, r.verboseText),
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

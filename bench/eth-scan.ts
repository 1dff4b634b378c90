/**
 * Benchmark 2: ETH block scan. EthSource.blocks() in the engine's batches of 50 over a node client
 * serving synthetic blocks from memory (300 transactions each with full objects, receipts for the
 * ones paying watched addresses, ERC-20 Transfer logs of one token), with a million watched
 * addresses for ETH and for the token; baseline: JSON.parse of the same replies (block, receipts,
 * logs), the decoding any scanner pays before it looks at a transaction.
 */
import { EthSource } from '../src/scanner/eth-source';
import { silentLogger } from '../src/util/logger';
import { makeEthChain, memoryEthClient } from './lib/eth-chain';
import { emit, figure, progress } from './lib/report';
import { interleavedRounds, median, prng, randomBytesFrom, ratios } from './lib/stats';

const ID = 'eth_scan';
const WATCHED = 1_000_000;
const BLOCKS = 200;
const BATCH = 50;
const FIRST = 20_000_000;
const TOKEN = '0xdac17f958d2ee523a2206206994597c13d831ec7';

async function main(): Promise<void> {
  let t = performance.now();
  const bytes = randomBytesFrom(prng(5), 20 * WATCHED);
  const watched = Array.from(
    { length: WATCHED },
    (_, i) => `0x${bytes.toString('hex', 20 * i, 20 * i + 20)}`,
  );
  const chain = makeEthChain({
    seed: 11,
    first: FIRST,
    blocks: BLOCKS,
    txsPerBlock: 300,
    nativeDeposits: 5,
    transfers: 60,
    tokenDeposits: 5,
    watched,
    token: TOKEN,
  });
  progress(
    ID,
    `${BLOCKS} blocks and ${WATCHED} addresses generated in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  const source = new EthSource({
    rpc: { url: 'http://memory', chainId: 1 },
    client: memoryEthClient(chain),
    logsChunkSize: 1000,
    tokens: [{ symbol: 'USDT', contract: TOKEN, decimals: 6, exchange_rate: '20' }],
    log: silentLogger(),
  });
  t = performance.now();
  for (const a of watched) {
    source.watch('ETH', a);
    source.watch('USDT', a);
  }
  progress(
    ID,
    `watching ${WATCHED} addresses for ETH and USDT (${((performance.now() - t) / 1000).toFixed(1)} s)`,
  );

  // Correctness: every planted deposit is found.
  let found = 0;
  for (let h = FIRST; h <= chain.last; h += BATCH) {
    for (const b of await source.blocks(h, h + BATCH - 1)) found += b.deposits.length;
  }
  if (found !== chain.deposits) throw new Error(`found ${found} deposits, the chain holds ${chain.deposits}`);

  let next = FIRST;
  const scanBatch = async () => {
    await source.blocks(next, next + BATCH - 1);
    next = next + BATCH > chain.last ? FIRST : next + BATCH;
  };
  let nextB = FIRST;
  const decodeBatch = () => {
    const logs: string[] = [];
    for (let h = nextB; h < nextB + BATCH; h++) {
      JSON.parse(chain.blockText.get(h) ?? '');
      for (const r of chain.receiptsOf.get(h) ?? []) JSON.parse(chain.receiptText.get(r) ?? '');
      logs.push(...(chain.logTexts.get(h) ?? []));
    }
    JSON.parse(`[${logs.join(',')}]`);
    nextB = nextB + BATCH > chain.last ? FIRST : nextB + BATCH;
  };
  const r = await interleavedRounds(
    { scan: scanBatch, decode: decodeBatch },
    { rounds: 7, minMs: 1000, minOps: 2 },
  );
  const scan = r.scan.map((x) => x * BATCH);
  const decode = r.decode.map((x) => x * BATCH);
  emit({
    id: ID,
    title: 'ETH block scan (1,000,000 watched addresses, ETH and one token)',
    figures: [
      figure({
        name: 'EthSource.blocks, batches of 50',
        value: median(scan),
        unit: 'blocks/s',
        baseline: { name: 'JSON.parse of the same replies', value: median(decode), unit: 'blocks/s' },
        ratio: median(ratios(scan, decode)),
        ratioMeaning: 'scanner blocks/s ÷ decode-only blocks/s, per round',
        atLeast: 200,
      }),
    ],
    notes: [
      `300 txs per block (${Math.round(chain.blockBytes / BLOCKS / 1000)} kB of JSON), 5 native deposits and 60 Transfer logs (5 to watched addresses) per block, a receipt for each of the 10 deposits; more than 1,000 watched token addresses, so eth_getLogs fetches every Transfer of the token and filters locally`,
      'the node client answers from memory but parses each reply from JSON text, as a provider does; HTTP is left out',
    ],
    details: {
      rounds: { scan, decode },
      blocks: BLOCKS,
      batch: BATCH,
      deposits_per_block: chain.deposits / BLOCKS,
    },
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

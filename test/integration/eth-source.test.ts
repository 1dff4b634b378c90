import { Wallet, getAddress, parseEther, type BaseContract, type ContractTransactionResponse } from 'ethers';
import { checkChain, makeEthProvider, type EthRpcClient } from '../../src/chains/ethereum/provider';
import type { TokenConfig } from '../../src/config/types';
import { depositIdOf } from '../../src/core/deposit';
import { EthSource } from '../../src/scanner/eth-source';
import { silentLogger } from '../../src/util/logger';
import { startAnvil, type Anvil } from '../helpers/anvil';
import { deployRejecter, deployToken, type Deployed } from '../helpers/erc20';

/**
 * EthSource against a real anvil chain: native ETH and ERC-20 deposits, failed transactions,
 * several deposits in one block, foreign tokens, hash links, reorgs, and eth_getLogs chunking.
 */

let anvil: Anvil;
let tusd: Deployed;
let other: Deployed;
let rejecter: Deployed;
let source: EthSource;
let tokens: TokenConfig[];

const hexTip = (n: number): string => `0x${n.toString(16)}`;

/** A fresh pool address, checksummed as a pool file may hold it. */
const poolAddress = (): string => getAddress(Wallet.createRandom().address);

const transfer = (
  token: Deployed,
  to: string,
  value: bigint,
  from = anvil.wallets[0],
): Promise<ContractTransactionResponse> =>
  (token.contract.connect(from) as BaseContract).getFunction('transfer')(
    to,
    value,
  ) as Promise<ContractTransactionResponse>;

/** Sends, waits for the block, and returns {hash, height}. */
async function minedAt(
  tx: Promise<ContractTransactionResponse | { hash: string; wait(): Promise<unknown> }>,
) {
  const sent = await tx;
  await sent.wait();
  return receipt(sent.hash);
}

async function receipt(
  hash: string,
): Promise<{ hash: string; height: number; status: number; logIndexes: number[] }> {
  const r = (await anvil.send('eth_getTransactionReceipt', [hash])) as {
    blockNumber: string;
    status: string;
    logs: { logIndex: string }[];
  };
  return {
    hash,
    height: Number(r.blockNumber),
    status: Number(r.status),
    logIndexes: r.logs.map((l) => Number(l.logIndex)),
  };
}

/** Sends transactions without mining (automine off), then mines them into one block. */
async function inOneBlock(...sends: (() => Promise<{ hash: string }>)[]): Promise<string[]> {
  await anvil.setAutomine(false);
  try {
    const hashes: string[] = [];
    for (const send of sends) hashes.push((await send()).hash);
    await anvil.send('evm_mine');
    return hashes;
  } finally {
    await anvil.setAutomine(true);
  }
}

const newSource = (client?: EthRpcClient, logsChunkSize = 1000): EthSource =>
  new EthSource({
    rpc: { url: anvil.url, chainId: 1337 },
    client,
    logsChunkSize,
    tokens,
    log: silentLogger(),
  });

beforeAll(async () => {
  anvil = await startAnvil();
  tusd = await deployToken(anvil.wallets[0], { symbol: 'TUSD' });
  other = await deployToken(anvil.wallets[0], { symbol: 'OTHER' });
  rejecter = await deployRejecter(anvil.wallets[0]);
  // Configured checksummed: the source must match the lowercase contract address in logs.
  tokens = [{ symbol: 'TUSD', contract: getAddress(tusd.address), decimals: 6, exchange_rate: '0.5' }];
  source = newSource();
  await source.init();
});

afterAll(async () => {
  await source?.close();
  await anvil?.stop();
});

describe('init', () => {
  it('lists ETH and the configured tokens', () => {
    expect(source.chain).toBe('ETH');
    expect(source.coins).toEqual(['ETH', 'TUSD']);
  });

  it('rejects a node on another chain', async () => {
    const s = new EthSource({
      rpc: { url: anvil.url, chainId: 1 },
      logsChunkSize: 10,
      tokens: [],
      log: silentLogger(),
    });
    await expect(s.init()).rejects.toThrow(
      'eth_rpc: node reports chain id 1337, config eth_scanner.chain_id is 1',
    );
    await s.close();
  });

  it('rejects a token whose decimals() differs from the config, or with no contract', async () => {
    const wrong = [{ ...tokens[0], decimals: 18 }];
    const s = new EthSource({
      rpc: { url: anvil.url, chainId: 0 },
      logsChunkSize: 10,
      tokens: wrong,
      log: silentLogger(),
    });
    await expect(s.init()).rejects.toThrow(
      `eth_tokens TUSD: contract ${tokens[0].contract} reports decimals() = 6, config says 18`,
    );
    await s.close();
    const nowhere = [{ ...tokens[0], contract: poolAddress() }];
    const s2 = new EthSource({
      rpc: { url: anvil.url, chainId: 0 },
      logsChunkSize: 10,
      tokens: nowhere,
      log: silentLogger(),
    });
    await expect(s2.init()).rejects.toThrow(
      /^eth_tokens TUSD: contract 0x[0-9a-fA-F]{40}: no contract code at this address$/,
    );
    await s2.close();
  });
});

describe('makeEthProvider', () => {
  it('speaks to the node over WebSocket too (ws:// in eth_rpc.server)', async () => {
    const ws = makeEthProvider({ url: anvil.url.replace('http', 'ws'), chainId: 1337 });
    try {
      await expect(checkChain(ws, 1337)).resolves.toBe(1337);
      expect(await ws.send('eth_blockNumber', [])).toBe(hexTip(await anvil.tip()));
    } finally {
      await ws.destroy();
    }
  });
});

describe('blocks', () => {
  it('credits native ETH to a checksummed pool address in exact wei, id txhash:0', async () => {
    const pool = poolAddress();
    source.watch('ETH', pool);
    const value = 1_000_000_000_123_456_789n; // 1.000000000123456789 ETH: teller kept gwei only.
    const tx = await minedAt(anvil.wallets[1].sendTransaction({ to: pool.toLowerCase(), value }));
    expect(await source.tipHeight()).toBe(tx.height);
    const [block] = await source.blocks(tx.height, tx.height);
    expect(block.deposits).toEqual([
      { coin_type: 'ETH', address: pool.toLowerCase(), value, height: tx.height, tx: tx.hash, n: 0 },
    ]);
    expect(depositIdOf(block.deposits[0])).toBe(`${tx.hash}:0`);
  });

  it('does not credit a failed transaction (status 0) or a zero-value one', async () => {
    const pool = poolAddress();
    source.watch('ETH', pool);
    source.watch('ETH', rejecter.address);
    const w = anvil.wallets[2];
    const [paid, reverted, zero] = await inOneBlock(
      () => w.sendTransaction({ to: pool, value: parseEther('2') }),
      // A manual gas limit skips estimateGas (which would refuse), so the failing tx is mined.
      () => w.sendTransaction({ to: rejecter.address, value: parseEther('3'), gasLimit: 100_000 }),
      () => w.sendTransaction({ to: pool, value: 0n }),
    );
    const r = await receipt(reverted);
    expect(r.status).toBe(0);
    expect((await receipt(paid)).height).toBe(r.height);
    expect((await receipt(zero)).height).toBe(r.height);
    const [block] = await source.blocks(r.height, r.height);
    expect(block.deposits.map((d) => [d.tx, d.value])).toEqual([[paid, parseEther('2')]]);
  });

  it('credits an ERC-20 transfer in token units, n = the log index', async () => {
    const pool = poolAddress();
    source.watch('TUSD', pool);
    const tx = await minedAt(transfer(tusd, pool, 1_234_567n));
    const [block] = await source.blocks(tx.height, tx.height);
    expect(block.deposits).toEqual([
      {
        coin_type: 'TUSD',
        address: pool.toLowerCase(),
        value: 1_234_567n,
        height: tx.height,
        tx: tx.hash,
        // Its index among its transaction's logs (the id), and where the block put it.
        n: 0,
        log_index: tx.logIndexes[0],
      },
    ]);
  });

  it('two transfers in one block are two deposits with distinct ids', async () => {
    const [a, b] = [poolAddress(), poolAddress()];
    source.watch('TUSD', a);
    source.watch('TUSD', b);
    // A first transaction with a log, so the log indexes are not simply 0 and 1 by accident.
    const [t0, t1, t2, t3] = await inOneBlock(
      () => transfer(tusd, poolAddress(), 5n),
      () => transfer(tusd, a, 10n),
      () => transfer(tusd, b, 20n),
      () => transfer(tusd, a, 30n),
    );
    const r = await Promise.all([t0, t1, t2, t3].map(receipt));
    expect(new Set(r.map((x) => x.height)).size).toBe(1);
    const [block] = await source.blocks(r[0].height, r[0].height);
    expect(block.deposits.map((d) => [d.tx, d.n, d.log_index, d.address, d.value])).toEqual([
      [t1, 0, r[1].logIndexes[0], a.toLowerCase(), 10n],
      [t2, 0, r[2].logIndexes[0], b.toLowerCase(), 20n],
      [t3, 0, r[3].logIndexes[0], a.toLowerCase(), 30n],
    ]);
    // Two deposits to the same address in one block stay apart: their ids name their transactions,
    // and each transfer's index among its transaction's logs (the same wherever a reorg mines it).
    expect(new Set(r.map((x) => x.logIndexes[0])).size).toBe(4);
    expect(block.deposits.map(depositIdOf)).toEqual([1, 2, 3].map((i) => `${r[i].hash}:txlog0`));
  });

  it('ignores a Transfer from a token that is not configured; reports a wrong asset to a watched address', async () => {
    const pool = poolAddress();
    const ethOnly = poolAddress();
    source.watch('TUSD', pool);
    source.watch('ETH', ethOnly);
    const w = anvil.wallets[3];
    const [foreign, toEthOnly, real, ethToToken] = await inOneBlock(
      () => transfer(other, pool, 7n),
      () => transfer(tusd, ethOnly, 8n),
      () => transfer(tusd, pool, 9n),
      () => w.sendTransaction({ to: pool, value: 11n }),
    );
    const r = await receipt(foreign);
    for (const t of [toEthOnly, real, ethToToken]) expect((await receipt(t)).height).toBe(r.height);
    const [block] = await source.blocks(r.height, r.height);
    // Tokens share the ETH pool: a token sent to an address bound for ETH (or ETH to one bound for
    // a token) is reported as what it is; the exchange records it for an operator.
    expect(block.deposits.map((d) => [d.tx, d.coin_type, d.address, d.value])).toEqual([
      [ethToToken, 'ETH', pool.toLowerCase(), 11n],
      [toEthOnly, 'TUSD', ethOnly.toLowerCase(), 8n],
      [real, 'TUSD', pool.toLowerCase(), 9n],
    ]);
  });

  it('gives native ETH and a token transfer of the same transaction distinct ids', () => {
    const d = { address: '0x00', value: 1n, height: 1, tx: '0xaa', n: 0 };
    expect(depositIdOf({ ...d, coin_type: 'ETH' })).toBe('0xaa:0');
    expect(depositIdOf({ ...d, coin_type: 'TUSD', log_index: 3 })).toBe('0xaa:txlog0');
  });
});

describe('hashes', () => {
  it('hashAt and parent links agree with the node; null above the tip', async () => {
    await anvil.mine(5);
    const tip = await source.tipHeight();
    const blocks = await source.blocks(tip - 5, tip);
    expect(blocks.map((b) => b.height)).toEqual([0, 1, 2, 3, 4, 5].map((i) => tip - 5 + i));
    for (let i = 1; i < blocks.length; i++) expect(blocks[i].parentHash).toBe(blocks[i - 1].hash);
    for (const b of blocks) {
      expect(b.hash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(await source.hashAt(b.height)).toBe(b.hash);
      expect((await anvil.provider.getBlock(b.height))?.hash).toBe(b.hash);
    }
    expect(await source.hashAt(tip + 1)).toBeNull();
  });

  it('after anvil_reorg the hashes change and a reorged-out deposit is gone', async () => {
    const pool = poolAddress();
    source.watch('ETH', pool);
    const tx = await minedAt(anvil.wallets[4].sendTransaction({ to: pool, value: parseEther('1') }));
    await anvil.mine(1);
    const tip = await source.tipHeight();
    const before = await source.blocks(tip - 3, tip);
    expect(before.flatMap((b) => b.deposits).map((d) => d.tx)).toEqual([tx.hash]);
    await anvil.reorg(2);
    expect(await source.tipHeight()).toBe(tip);
    const after = await source.blocks(tip - 3, tip);
    expect(after.slice(0, 2).map((b) => b.hash)).toEqual(before.slice(0, 2).map((b) => b.hash));
    expect(after[2].hash).not.toBe(before[2].hash);
    expect(after[3].hash).not.toBe(before[3].hash);
    // The new branch links to the common ancestor: the engine finds the fork by parent hash.
    expect(after[2].parentHash).toBe(before[1].hash);
    expect(after[3].parentHash).toBe(after[2].hash);
    expect(await source.hashAt(tip - 1)).toBe(after[2].hash);
    expect(after.flatMap((b) => b.deposits)).toEqual([]);
  });
});

describe('eth_getLogs chunking', () => {
  /** A client that counts calls and refuses eth_getLogs ranges wider than `maxRange` as Infura does. */
  const counting = (maxRange = Infinity) => {
    const calls: Record<string, number> = {};
    const ranges: [number, number][] = [];
    const client: EthRpcClient = {
      send: async (method, params) => {
        calls[method] = (calls[method] ?? 0) + 1;
        if (method === 'eth_getLogs') {
          const f = params[0] as { fromBlock: string; toBlock: string };
          const range: [number, number] = [Number(f.fromBlock), Number(f.toBlock)];
          ranges.push(range);
          if (range[1] - range[0] + 1 > maxRange) {
            throw Object.assign(new Error('could not coalesce error'), {
              code: 'UNKNOWN_ERROR',
              error: { code: -32005, message: 'query returned more than 10000 results' },
            });
          }
        }
        return anvil.provider.send(method, params);
      },
    };
    return { client, calls, ranges };
  };

  // 250 blocks in chunks of 100: anvil_mine slows as the chain grows (1,200 blocks took 1.6 s at
  // height 0 and 23 s at height 6,000 beside a loaded suite), so the span is kept short.
  const SPAN = 250;
  const CHUNK = 100;
  let start = 0;
  let txs: string[] = [];
  let pool = '';
  beforeAll(async () => {
    pool = poolAddress();
    const first = await minedAt(transfer(tusd, pool, 1n));
    start = first.height;
    await anvil.mine(120);
    const second = await minedAt(transfer(tusd, pool, 2n));
    await anvil.mine(120);
    const third = await minedAt(transfer(tusd, pool, 3n));
    await anvil.mine(start + SPAN - 1 - third.height);
    txs = [first.hash, second.hash, third.hash];
    expect(third.height - start).toBe(242);
  });

  it('scans 250 blocks with one eth_getLogs per logs_chunk_size blocks', async () => {
    const { client, calls, ranges } = counting();
    const s = newSource(client, CHUNK);
    s.watch('TUSD', pool);
    const blocks = await s.blocks(start, start + SPAN - 1);
    expect(blocks).toHaveLength(SPAN);
    expect(blocks.flatMap((b) => b.deposits).map((d) => [d.tx, d.value])).toEqual([
      [txs[0], 1n],
      [txs[1], 2n],
      [txs[2], 3n],
    ]);
    expect(ranges).toEqual([
      [start, start + 99],
      [start + 100, start + 199],
      [start + 200, start + 249],
    ]);
    // One header per block (no transaction bodies: no ETH address is watched), and one receipt per
    // transaction carrying a deposit (its transfer's index among the transaction's logs).
    expect(calls).toEqual({ eth_getLogs: 3, eth_getBlockByNumber: SPAN, eth_getTransactionReceipt: 3 });
    await s.close();
  });

  it('splits a range the node refuses as too large, and still finds every transfer', async () => {
    const { client, ranges } = counting(40);
    const s = newSource(client, CHUNK);
    s.watch('TUSD', pool);
    const blocks = await s.blocks(start, start + SPAN - 1);
    expect(blocks.flatMap((b) => b.deposits).map((d) => d.tx)).toEqual(txs);
    const served = ranges.filter(([a, b]) => b - a + 1 <= 40);
    // Served ranges tile the whole span exactly once, in order.
    expect(served[0][0]).toBe(start);
    for (let i = 1; i < served.length; i++) expect(served[i][0]).toBe(served[i - 1][1] + 1);
    expect(served[served.length - 1][1]).toBe(start + SPAN - 1);
    await s.close();
  });
});

import { TRANSFER_TOPIC, addressTopic } from '../../../src/chains/ethereum/erc20';
import { EthRpcError, type EthRpcClient } from '../../../src/chains/ethereum/provider';
import { depositIdOf } from '../../../src/core/deposit';
import { EthSource, EthSourceError } from '../../../src/scanner/eth-source';
import { silentLogger } from '../../../src/util/logger';

/** EthSource against an in-memory node: the paths a live anvil cannot easily produce. */

const TOKEN = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
const FOREIGN = '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512';
const A = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const B = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc';
const hash = (tag: string, n: number): string => `0x${tag}${n.toString(16).padStart(64 - tag.length, '0')}`;
const hex = (n: number | bigint): string => `0x${n.toString(16)}`;
const word = (n: bigint): string => `0x${n.toString(16).padStart(64, '0')}`;

interface FakeTx {
  hash: string;
  to: string | null;
  value: bigint;
  status?: string;
}

class FakeNode implements EthRpcClient {
  readonly calls: { method: string; params: unknown[] }[] = [];
  readonly blocks: { hash: string; parentHash: string; txs: FakeTx[] }[] = [];
  logs: Record<string, unknown>[] = [];
  /** Per-method failures thrown before answering (consumed one by one). */
  readonly failures = new Map<string, unknown[]>();
  receiptBlock = new Map<string, string>();

  constructor(height: number) {
    for (let h = 0; h <= height; h++) {
      this.blocks.push({
        hash: hash('b', h),
        parentHash: h === 0 ? hash('0', 0) : hash('b', h - 1),
        txs: [],
      });
    }
  }

  transferLog(
    height: number,
    to: string,
    value: bigint,
    logIndex: number,
    over: Record<string, unknown> = {},
  ) {
    const log = {
      address: TOKEN,
      topics: [TRANSFER_TOPIC, addressTopic(B), addressTopic(to)],
      data: word(value),
      blockNumber: hex(height),
      blockHash: this.blocks[height].hash,
      transactionHash: hash('f', height * 100 + logIndex),
      logIndex: hex(logIndex),
      removed: false,
      ...over,
    };
    this.logs.push(log);
    return log;
  }

  async send(method: string, params: unknown[]): Promise<unknown> {
    this.calls.push({ method, params });
    const failure = this.failures.get(method)?.shift();
    if (failure !== undefined) throw failure;
    switch (method) {
      case 'eth_chainId':
        return '0x1';
      case 'eth_blockNumber':
        return hex(this.blocks.length - 1);
      case 'eth_getBlockByNumber': {
        const h = Number(params[0]);
        const b = this.blocks[h];
        if (!b) return null;
        const txs = params[1]
          ? b.txs.map((t) => ({ hash: t.hash, to: t.to, value: hex(t.value), blockNumber: hex(h) }))
          : b.txs.map((t) => t.hash);
        return { number: hex(h), hash: b.hash, parentHash: b.parentHash, transactions: txs };
      }
      case 'eth_getTransactionReceipt': {
        const tx = params[0] as string;
        // Every log of the transaction, whatever eth_getLogs was asked for, in block order.
        const logs = this.logs
          .filter((l) => l.transactionHash === tx)
          .sort((a, b) => Number(a.logIndex) - Number(b.logIndex));
        for (const b of this.blocks) {
          const t = b.txs.find((x) => x.hash === tx);
          if (t)
            return {
              transactionHash: t.hash,
              blockHash: this.receiptBlock.get(t.hash) ?? b.hash,
              status: t.status,
              logs,
            };
        }
        if (logs.length === 0) return null;
        const blockHash = this.receiptBlock.get(tx) ?? logs[0].blockHash;
        return { transactionHash: tx, blockHash, status: '0x1', logs };
      }
      case 'eth_getLogs': {
        const f = params[0] as { fromBlock: string; toBlock: string };
        return this.logs.filter((l) => {
          const n = Number(l.blockNumber);
          return n >= Number(f.fromBlock) && n <= Number(f.toBlock);
        });
      }
      default:
        throw new Error(`unexpected ${method}`);
    }
  }

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }
}

const token = {
  symbol: 'TUSD',
  contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  decimals: 6,
  exchange_rate: '1',
};

function source(
  node: EthRpcClient,
  extra: Partial<ConstructorParameters<typeof EthSource>[0]> = {},
): EthSource {
  return new EthSource({
    rpc: { url: 'http://fake', chainId: 1 },
    client: node,
    logsChunkSize: 100,
    tokens: [token],
    log: silentLogger(),
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    ...extra,
  });
}

const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const tooMany = (): Error =>
  Object.assign(new Error('x'), {
    code: 'UNKNOWN_ERROR',
    error: { code: -32005, message: 'query returned more than 10000 results' },
  });

describe('construction and watch', () => {
  it('rejects duplicate tokens and a chunk size below 1', () => {
    const node = new FakeNode(1);
    expect(() => source(node, { tokens: [token, { ...token, symbol: 'X' }] })).toThrow(/duplicate token X/);
    expect(() => source(node, { tokens: [{ ...token, symbol: 'ETH' }] })).toThrow(/duplicate token ETH/);
    expect(() => source(node, { logsChunkSize: 0 })).toThrow(/logs_chunk_size must be >= 1/);
  });

  it('rejects unknown coins and non-addresses', () => {
    const s = source(new FakeNode(1));
    expect(() => s.watch('BTC', A)).toThrow(EthSourceError);
    expect(() => s.watch('ETH', '0x1234')).toThrow(/not an address/);
  });
});

describe('tip and hashes', () => {
  it('reads heights beyond int32 (teller parsed eth_blockNumber as int32)', async () => {
    const s = source(new FakeNode(0), { client: { send: async () => '0x80000000' } });
    await expect(s.tipHeight()).resolves.toBe(2 ** 31);
  });

  it('hashAt is null above the tip; blocks(from > to) is empty', async () => {
    const node = new FakeNode(3);
    const s = source(node);
    await expect(s.hashAt(3)).resolves.toBe(hash('b', 3));
    await expect(s.hashAt(4)).resolves.toBeNull();
    await expect(s.blocks(3, 2)).resolves.toEqual([]);
  });
});

describe('RPC economy', () => {
  it('fetches headers only (no tx bodies, no logs) when nothing is watched', async () => {
    const node = new FakeNode(20);
    await source(node).blocks(1, 20);
    expect(node.count('eth_getBlockByNumber')).toBe(20);
    expect(node.calls.every((c) => c.method !== 'eth_getBlockByNumber' || c.params[1] === false)).toBe(true);
    expect(node.count('eth_getLogs')).toBe(0);
  });

  it('asks receipts only for transactions paying a watched address', async () => {
    const node = new FakeNode(3);
    node.blocks[2].txs.push(
      { hash: hash('a', 1), to: A, value: 5n, status: '0x1' },
      { hash: hash('a', 2), to: B, value: 6n, status: '0x1' },
      { hash: hash('a', 3), to: null, value: 7n, status: '0x1' },
    );
    const s = source(node);
    s.watch('ETH', A.toUpperCase().replace('0X', '0x'));
    const blocks = await s.blocks(1, 3);
    expect(blocks[1].deposits).toEqual([
      { coin_type: 'ETH', address: A, value: 5n, height: 2, tx: hash('a', 1), n: 0 },
    ]);
    expect(
      node.calls.filter((c) => c.method === 'eth_getTransactionReceipt').map((c) => c.params[0]),
    ).toEqual([hash('a', 1)]);
  });
});

describe('token logs', () => {
  it('filters by contract, Transfer topic and padded watched addresses', async () => {
    const node = new FakeNode(5);
    const s = source(node);
    s.watch('TUSD', A);
    await s.blocks(1, 5);
    const filter = node.calls.find((c) => c.method === 'eth_getLogs')?.params[0];
    expect(filter).toEqual({
      fromBlock: '0x1',
      toBlock: '0x5',
      address: [TOKEN],
      topics: [TRANSFER_TOPIC, null, [addressTopic(A)]],
    });
  });

  it('omits the address topic for a large watch list and filters locally', async () => {
    const node = new FakeNode(5);
    node.transferLog(2, A, 10n, 0);
    node.transferLog(2, B, 20n, 1); // not watched
    const s = source(node, { maxTopicAddresses: 1 });
    s.watch('TUSD', A);
    s.watch('TUSD', '0x90f79bf6eb2c4f870365e785982e1f101e93b906');
    const blocks = await s.blocks(1, 5);
    const filter = node.calls.find((c) => c.method === 'eth_getLogs')?.params[0] as { topics: unknown[] };
    expect(filter.topics).toEqual([TRANSFER_TOPIC]);
    expect(blocks[1].deposits.map((d) => [d.address, d.value, d.n])).toEqual([[A, 10n, 0]]);
  });

  it('ignores removed logs, other contracts, zero values and malformed logs', async () => {
    const node = new FakeNode(5);
    node.transferLog(3, A, 1n, 0, { removed: true });
    node.transferLog(3, A, 2n, 1, { address: FOREIGN });
    node.transferLog(3, A, 0n, 2);
    node.transferLog(3, A, 4n, 3, { data: '0x' });
    node.transferLog(3, A, 5n, 4);
    const s = source(node);
    s.watch('TUSD', A);
    const blocks = await s.blocks(1, 5);
    expect(blocks.flatMap((b) => b.deposits).map((d) => [d.value, d.n, d.log_index])).toEqual([[5n, 0, 4]]);
  });

  it("a transfer's n is its index among its transaction's logs, wherever a block puts it", async () => {
    // One transaction: a foreign token's transfer to A, a transfer to an unwatched address, then the
    // deposit to A. Mined at block-wide log indexes 5..7, then (a reorg) at 0..2 of another block.
    const tx = hash('e', 1);
    const node = new FakeNode(5);
    const mine = (height: number, first: number) => {
      node.logs = [];
      node.transferLog(height, B, 1n, 0, { transactionHash: hash('e', 2) });
      node.transferLog(height, A, 3n, first, { transactionHash: tx, address: FOREIGN });
      node.transferLog(height, B, 4n, first + 1, { transactionHash: tx });
      node.transferLog(height, A, 5n, first + 2, { transactionHash: tx });
    };
    const found = async (extra: Partial<ConstructorParameters<typeof EthSource>[0]> = {}) => {
      const s = source(node, extra);
      s.watch('TUSD', A);
      return (await s.blocks(1, 5)).flatMap((b) => b.deposits);
    };
    mine(2, 5);
    const before = await found();
    mine(3, 0);
    const after = await found();
    // Filtered locally (no address topic): the same n.
    const unfiltered = await found({ maxTopicAddresses: 0 });
    expect(before).toEqual([{ coin_type: 'TUSD', address: A, value: 5n, height: 2, tx, n: 2, log_index: 7 }]);
    expect(after).toEqual([{ coin_type: 'TUSD', address: A, value: 5n, height: 3, tx, n: 2, log_index: 2 }]);
    expect(unfiltered).toEqual(after);
    expect([before, after].map((d) => depositIdOf(d[0]))).toEqual([`${tx}:txlog2`, `${tx}:txlog2`]);
  });

  it('asks one receipt per transaction, shared with its native value', async () => {
    const node = new FakeNode(3);
    const tx = hash('a', 7);
    node.blocks[2].txs.push({ hash: tx, to: A, value: 9n, status: '0x1' });
    node.transferLog(2, A, 1n, 0, { transactionHash: tx });
    node.transferLog(2, A, 2n, 1, { transactionHash: tx });
    const s = source(node);
    s.watch('ETH', A);
    const deposits = (await s.blocks(1, 3)).flatMap((b) => b.deposits);
    expect(deposits.map(depositIdOf)).toEqual([`${tx}:0`, `${tx}:txlog0`, `${tx}:txlog1`]);
    expect(node.count('eth_getTransactionReceipt')).toBe(1);
  });

  it('a log missing from its receipt is a retryable error', async () => {
    const node = new FakeNode(3);
    node.transferLog(2, A, 1n, 4);
    node.send = ((inner) => async (method: string, params: unknown[]) => {
      const r = await inner(method, params);
      return method === 'eth_getTransactionReceipt' ? { ...(r as object), logs: [] } : r;
    })(node.send.bind(node));
    const s = source(node);
    s.watch('TUSD', A);
    await expect(s.blocks(1, 3)).rejects.toMatchObject({
      retryable: true,
      message: expect.stringMatching(/not in its receipt/),
    });
  });

  it('splits a too-large range down to what the node accepts', async () => {
    const node = new FakeNode(100);
    node.transferLog(1, A, 1n, 0);
    node.transferLog(100, A, 2n, 0);
    const inner = node.send.bind(node);
    node.send = async (method, params) => {
      const f = params[0] as { fromBlock: string; toBlock: string };
      if (method === 'eth_getLogs' && Number(f.toBlock) - Number(f.fromBlock) >= 30) {
        node.calls.push({ method, params });
        throw tooMany();
      }
      return inner(method, params);
    };
    const s = source(node);
    s.watch('TUSD', A);
    const blocks = await s.blocks(1, 100);
    expect(blocks.flatMap((b) => b.deposits).map((d) => d.value)).toEqual([1n, 2n]);
    // 100 -> 50+50 -> 25 x 4: 1 + 2 refused, 4 served; a too-large answer is never retried as is.
    expect(node.count('eth_getLogs')).toBe(7);
  });
});

describe('consistency while the chain moves', () => {
  it('a broken parent link inside the range is a retryable error', async () => {
    const node = new FakeNode(5);
    node.blocks[3].parentHash = hash('c', 2);
    const err = await source(node)
      .blocks(1, 5)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EthSourceError);
    expect((err as EthSourceError).retryable).toBe(true);
    expect((err as Error).message).toMatch(/chain changed during the scan \(block 3 parent\)/);
  });

  it('a log or a receipt from another block hash is a retryable error', async () => {
    const node = new FakeNode(5);
    node.transferLog(2, A, 1n, 0, { blockHash: hash('c', 2) });
    const s = source(node);
    s.watch('TUSD', A);
    await expect(s.blocks(1, 5)).rejects.toMatchObject({
      retryable: true,
      message: expect.stringMatching(/chain changed/),
    });

    const node2 = new FakeNode(5);
    node2.blocks[4].txs.push({ hash: hash('a', 9), to: A, value: 1n, status: '0x1' });
    node2.receiptBlock.set(hash('a', 9), hash('c', 4));
    const s2 = source(node2);
    s2.watch('ETH', A);
    await expect(s2.blocks(4, 4)).rejects.toMatchObject({
      retryable: true,
      message: expect.stringMatching(/receipt of/),
    });
  });

  it('a receipt without status (pre-Byzantium) is a permanent error, not a silent credit', async () => {
    const node = new FakeNode(2);
    node.blocks[2].txs.push({ hash: hash('a', 1), to: A, value: 1n });
    const s = source(node);
    s.watch('ETH', A);
    await expect(s.blocks(2, 2)).rejects.toMatchObject({
      retryable: false,
      message: expect.stringMatching(/no status/),
    });
  });

  it('a block missing below the reported tip is retryable', async () => {
    const node = new FakeNode(2);
    await expect(source(node).blocks(2, 3)).rejects.toMatchObject({ retryable: true });
  });
});

describe('failures', () => {
  it('retries transient failures per call', async () => {
    const node = new FakeNode(2);
    node.failures.set('eth_getBlockByNumber', [refused(), refused()]);
    const blocks = await source(node).blocks(1, 2);
    expect(blocks.map((b) => b.height)).toEqual([1, 2]);
  });

  it('surfaces a permanent failure at once, as EthRpcError', async () => {
    const node = new FakeNode(2);
    const bad = Object.assign(new Error('x'), {
      code: 'UNKNOWN_ERROR',
      error: { code: -32602, message: 'invalid params' },
    });
    node.failures.set('eth_blockNumber', [bad]);
    const err = await source(node)
      .tipHeight()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EthRpcError);
    expect(err).toMatchObject({
      retryable: false,
      message: 'eth_rpc eth_blockNumber: invalid params (code -32602)',
    });
    expect(node.count('eth_blockNumber')).toBe(1);
  });

  it('gives up after the configured tries with a retryable error', async () => {
    const node = new FakeNode(2);
    node.failures.set('eth_blockNumber', [refused(), refused(), refused()]);
    await expect(source(node).tipHeight()).rejects.toMatchObject({
      retryable: true,
      code: 'eth_rpc_unavailable',
    });
    expect(node.count('eth_blockNumber')).toBe(3);
  });

  it('close() stops a retry wait', async () => {
    const node = new FakeNode(2);
    node.failures.set('eth_blockNumber', [refused(), refused()]);
    const s = source(node, { retry: { attempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    const pending = s.tipHeight();
    setTimeout(() => void s.close(), 10);
    // Four waits of a minute each would outlast the test's timeout.
    await expect(pending).rejects.toBeDefined();
  });
});

import { createHash } from 'node:crypto';
import { TRANSFER_TOPIC } from '../../src/chains/ethereum/erc20';
import { prng, randomBytesFrom } from './stats';

/**
 * Synthetic Ethereum blocks as a node answers for them: `eth_getBlockByNumber(n, true)` with full
 * transaction objects (EIP-1559 fields, as anvil and geth send them), receipts, and ERC-20 Transfer
 * logs of one token. Every reply is kept as JSON text; the bench client parses it per call, as a
 * JSON-RPC provider does.
 */

type Rand = () => number;
const hex = (b: Buffer): string => `0x${b.toString('hex')}`;
const q = (n: number | bigint): string => `0x${n.toString(16)}`;
const word = (rand: Rand, bytes = 32): string => hex(randomBytesFrom(rand, bytes));
const pad32 = (addr: string): string => `0x${'0'.repeat(24)}${addr.slice(2)}`;

export interface EthChainOptions {
  seed: number;
  first: number;
  blocks: number;
  txsPerBlock: number;
  /** Native ETH payments to watched addresses per block (each needs a receipt). */
  nativeDeposits: number;
  /** Transfer logs of the token per block, and how many of them pay watched addresses. */
  transfers: number;
  tokenDeposits: number;
  watched: readonly string[];
  token: string;
}

export interface EthChain {
  first: number;
  last: number;
  /** Height → block reply text (full transactions). */
  blockText: Map<number, string>;
  /** Tx hash → receipt text. */
  receiptText: Map<string, string>;
  /** Height → that block's Transfer logs, as JSON objects' text (joined into a getLogs reply). */
  logTexts: Map<number, string[]>;
  /** Per block: the receipts the scanner asks for. */
  receiptsOf: Map<number, string[]>;
  deposits: number;
  blockBytes: number;
}

export function makeEthChain(o: EthChainOptions): EthChain {
  const rand = prng(o.seed);
  const pickWatched = () => o.watched[Math.floor(rand() * o.watched.length)];
  const out: EthChain = {
    first: o.first,
    last: o.first + o.blocks - 1,
    blockText: new Map(),
    receiptText: new Map(),
    logTexts: new Map(),
    receiptsOf: new Map(),
    deposits: 0,
    blockBytes: 0,
  };
  let parentHash = word(rand);
  for (let h = o.first; h <= out.last; h++) {
    const hash = hex(createHash('sha256').update(`eth-block-${o.seed}-${h}`).digest());
    const timestamp = 1_750_000_000 + h * 12;
    const txs: Record<string, unknown>[] = [];
    const receipts: string[] = [];
    for (let i = 0; i < o.txsPerBlock; i++) {
      const deposit = i < o.nativeDeposits;
      const contractCall = !deposit && rand() < 0.45;
      const txHash = word(rand);
      const to = deposit ? pickWatched() : contractCall ? o.token : word(rand, 20);
      const from = word(rand, 20);
      txs.push({
        type: '0x2',
        chainId: '0x1',
        nonce: q(Math.floor(rand() * 5000)),
        gas: q(21000 + Math.floor(rand() * 200000)),
        maxFeePerGas: q(30_000_000_000 + Math.floor(rand() * 1e10)),
        maxPriorityFeePerGas: q(1_000_000_000),
        to,
        value: contractCall ? '0x0' : q(BigInt(Math.floor(rand() * 1e9)) * 1_000_000_000n),
        accessList: [],
        input: contractCall ? `0xa9059cbb${pad32(word(rand, 20)).slice(2)}${word(rand).slice(2)}` : '0x',
        r: word(rand),
        s: word(rand),
        yParity: rand() < 0.5 ? '0x0' : '0x1',
        v: rand() < 0.5 ? '0x0' : '0x1',
        hash: txHash,
        blockHash: hash,
        blockNumber: q(h),
        blockTimestamp: q(timestamp),
        transactionIndex: q(i),
        from,
        gasPrice: q(31_000_000_000),
      });
      if (deposit) {
        receipts.push(txHash);
        out.receiptText.set(
          txHash,
          JSON.stringify({
            type: '0x2',
            status: '0x1',
            cumulativeGasUsed: q(21000 * (i + 1)),
            logs: [],
            logsBloom: `0x${'0'.repeat(512)}`,
            transactionHash: txHash,
            transactionIndex: q(i),
            blockHash: hash,
            blockNumber: q(h),
            gasUsed: '0x5208',
            effectiveGasPrice: q(31_000_000_000),
            from,
            to,
            contractAddress: null,
          }),
        );
        out.deposits++;
      }
    }
    const logs: string[] = [];
    for (let l = 0; l < o.transfers; l++) {
      const to = l < o.tokenDeposits ? pickWatched() : word(rand, 20);
      const log = {
        address: o.token,
        topics: [TRANSFER_TOPIC, pad32(word(rand, 20)), pad32(to)],
        data: `0x${(BigInt(1 + Math.floor(rand() * 1e9)) * 1000n).toString(16).padStart(64, '0')}`,
        blockNumber: q(h),
        blockHash: hash,
        blockTimestamp: q(timestamp),
        transactionHash: word(rand),
        transactionIndex: q(Math.floor(rand() * o.txsPerBlock)),
        logIndex: q(l),
        removed: false,
      };
      logs.push(JSON.stringify(log));
      if (l >= o.tokenDeposits) continue;
      // A deposit's id is its index among its own transaction's logs: the scanner reads its receipt.
      receipts.push(log.transactionHash);
      out.receiptText.set(
        log.transactionHash,
        JSON.stringify({
          type: '0x2',
          status: '0x1',
          logs: [log],
          transactionHash: log.transactionHash,
          transactionIndex: log.transactionIndex,
          blockHash: hash,
          blockNumber: q(h),
          gasUsed: q(52_000),
          from: word(rand, 20),
          to: o.token,
          contractAddress: null,
        }),
      );
      out.deposits++;
    }
    const block = {
      hash,
      parentHash,
      sha3Uncles: word(rand),
      miner: word(rand, 20),
      stateRoot: word(rand),
      transactionsRoot: word(rand),
      receiptsRoot: word(rand),
      logsBloom: `0x${randomBytesFrom(rand, 256).toString('hex')}`,
      difficulty: '0x0',
      number: q(h),
      gasLimit: '0x1c9c380',
      gasUsed: q(15_000_000),
      timestamp: q(timestamp),
      extraData: '0x',
      mixHash: word(rand),
      nonce: '0x0000000000000000',
      baseFeePerGas: q(30_000_000_000),
      withdrawalsRoot: word(rand),
      blobGasUsed: '0x0',
      excessBlobGas: '0x0',
      parentBeaconBlockRoot: word(rand),
      size: q(120_000),
      uncles: [],
      transactions: txs,
      withdrawals: [],
    };
    const text = JSON.stringify(block);
    out.blockBytes += text.length;
    out.blockText.set(h, text);
    out.logTexts.set(h, logs);
    out.receiptsOf.set(h, receipts);
    parentHash = hash;
  }
  return out;
}

/** The node, answering the calls EthSource makes; replies are parsed from text per call. */
export function memoryEthClient(chain: EthChain): {
  send(method: string, params: unknown[]): Promise<unknown>;
} {
  return {
    async send(method: string, params: unknown[]): Promise<unknown> {
      switch (method) {
        case 'eth_getBlockByNumber': {
          const text = chain.blockText.get(Number(params[0]));
          return text === undefined ? null : JSON.parse(text);
        }
        case 'eth_getTransactionReceipt': {
          const text = chain.receiptText.get(String(params[0]));
          return text === undefined ? null : JSON.parse(text);
        }
        case 'eth_getLogs': {
          const f = params[0] as { fromBlock: string; toBlock: string };
          const parts: string[] = [];
          for (let h = Number(f.fromBlock); h <= Number(f.toBlock); h++)
            parts.push(...(chain.logTexts.get(h) ?? []));
          return JSON.parse(`[${parts.join(',')}]`);
        }
        case 'eth_blockNumber':
          return q(chain.last);
        default:
          throw new Error(`memory node: ${method} not served`);
      }
    },
  };
}

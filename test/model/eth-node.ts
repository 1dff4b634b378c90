import { createHash } from 'node:crypto';
import { TRANSFER_TOPIC, addressTopic } from '../../src/chains/ethereum/erc20';
import { EthRpcError, type EthRpcClient } from '../../src/chains/ethereum/provider';
import { ModelChain, paymentKey, type ModelBlock, type Payment } from './chain';
import type { Rng } from './rng';

/**
 * The model's Ethereum chain, served to the REAL EthSource through an EthRpcClient: blocks with
 * full transactions, receipts (status), and ERC-20 Transfer logs of the configured token TOK and of
 * a foreign contract nobody configured.
 */

export const CHAIN_ID = 1337;
export const TOKEN_CONTRACT = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
export const TOKEN_DECIMALS = 6;
const FOREIGN_CONTRACT = '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512';
const SENDER = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc';

export interface EthTransfer {
  token: 'TOK' | 'FOREIGN';
  to: string;
  value: bigint;
}

export interface EthTx {
  hash: string;
  /** Top-level recipient (null: a contract creation). */
  to: string | null;
  value: bigint;
  /** false: the transaction reverted (no logs, receipt status 0). */
  ok: boolean;
  transfers: EthTransfer[];
}

interface EthLog {
  contract: string;
  to: string;
  value: bigint;
  tx: string;
  /** Block-wide log index: where the block put it (a reorg moves it). */
  logIndex: number;
  /** Index among its transaction's logs: the transfer's identity (`Payment.n`). */
  ordinal: number;
}

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;
const word = (n: bigint): string => `0x${n.toString(16).padStart(64, '0')}`;

export const ethAddressOf = (rng: Rng): string => `0x${rng.bytes(20).toString('hex')}`;
export const ethTxHash = (rng: Rng): string => `0x${rng.bytes(32).toString('hex')}`;

export class EthNode extends ModelChain<EthTx> {
  private readonly logs = new Map<string, EthLog[]>();
  private counter = 0;

  constructor() {
    super();
    this.mine();
  }

  txId(tx: EthTx): string {
    return tx.hash;
  }

  protected build(height: number, parentHash: string, txs: EthTx[]): ModelBlock<EthTx> {
    const hash = `0x${createHash('sha256').update(`eth block ${this.counter++}`).digest('hex')}`;
    const logs: EthLog[] = [];
    const pays: Payment[] = [];
    for (const t of txs) {
      if (t.to !== null && t.value > 0n) {
        const p = { coin: 'ETH' as const, address: t.to, value: t.value, tx: t.hash, n: 0, failed: !t.ok };
        pays.push({ ...p, key: paymentKey('ETH', t.hash, 0) });
      }
      if (!t.ok) continue;
      t.transfers.forEach((tr, ordinal) => {
        const logIndex = logs.length;
        const contract = tr.token === 'TOK' ? TOKEN_CONTRACT : FOREIGN_CONTRACT;
        logs.push({ contract, to: tr.to, value: tr.value, tx: t.hash, logIndex, ordinal });
        pays.push({
          key: paymentKey(tr.token, t.hash, ordinal),
          coin: tr.token,
          address: tr.to,
          value: tr.value,
          tx: t.hash,
          n: ordinal,
          failed: false,
        });
      });
    }
    this.logs.set(hash, logs);
    return { height, hash, parentHash: parentHash === '' ? word(0n) : parentHash, txs, payments: pays };
  }

  /** The node's JSON-RPC client, as the real EthSource gets it. */
  client(): EthRpcClient {
    const generation = this.generation;
    return { send: (method, params) => this.send(generation, method, params) };
  }

  private async send(generation: number, method: string, params: unknown[]): Promise<unknown> {
    if (generation !== this.generation) throw new EthRpcError(method, 'model: caller is not running', true);
    if (this.isDown()) throw new EthRpcError(method, 'connect ECONNREFUSED (model outage)', true);
    switch (method) {
      case 'eth_chainId':
        return hex(CHAIN_ID);
      case 'eth_call':
        return word(BigInt(TOKEN_DECIMALS));
      case 'eth_blockNumber':
        this.markTipServed();
        return hex(this.tip);
      case 'eth_getBlockByNumber': {
        const b = this.blocks[Number(params[0])];
        if (!b) return null;
        if (params[1]) this.markServed(b.payments.filter((p) => p.coin === 'ETH'));
        const txs = params[1]
          ? b.txs.map((t) => ({ hash: t.hash, to: t.to, value: hex(t.value), blockNumber: hex(b.height) }))
          : b.txs.map((t) => t.hash);
        return { number: hex(b.height), hash: b.hash, parentHash: b.parentHash, transactions: txs };
      }
      case 'eth_getTransactionReceipt': {
        for (const b of this.blocks) {
          const t = b.txs.find((x) => x.hash === params[0]);
          if (!t) continue;
          const logs = (this.logs.get(b.hash) ?? [])
            .filter((l) => l.tx === t.hash)
            .map((l) => ({ address: l.contract, transactionHash: l.tx, logIndex: hex(l.logIndex) }));
          return { transactionHash: t.hash, blockHash: b.hash, status: t.ok ? '0x1' : '0x0', logs };
        }
        return null;
      }
      case 'eth_getLogs':
        return this.getLogs(
          params[0] as { fromBlock: string; toBlock: string; address?: string[]; topics?: unknown[] },
        );
      default:
        throw new EthRpcError(method, `model node: unexpected method ${method}`, false);
    }
  }

  private getLogs(f: {
    fromBlock: string;
    toBlock: string;
    address?: string[];
    topics?: unknown[];
  }): unknown[] {
    const contracts = f.address?.map((a) => a.toLowerCase());
    const toTopics = Array.isArray(f.topics?.[2]) ? (f.topics[2] as string[]) : null;
    const out: unknown[] = [];
    for (let h = Number(f.fromBlock); h <= Math.min(Number(f.toBlock), this.tip); h++) {
      const b = this.blocks[h];
      for (const l of this.logs.get(b.hash) ?? []) {
        if (contracts && !contracts.includes(l.contract)) continue;
        if (toTopics && !toTopics.includes(addressTopic(l.to))) continue;
        this.markServed(b.payments.filter((p) => p.tx === l.tx && p.n === l.ordinal && p.coin !== 'ETH'));
        out.push({
          address: l.contract,
          topics: [TRANSFER_TOPIC, addressTopic(SENDER), addressTopic(l.to)],
          data: word(l.value),
          blockNumber: hex(h),
          blockHash: b.hash,
          transactionHash: l.tx,
          logIndex: hex(l.logIndex),
          removed: false,
        });
      }
    }
    return out;
  }
}

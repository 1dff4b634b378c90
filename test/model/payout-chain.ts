import { decodePayoutTx, type RpcTransport } from '../../src/chains/ethereum/payout-tx';

/**
 * The payout side as an EVM chain the model controls, behind the REAL EvmSender (through the real
 * JsonRpcEvmNode, which reads these JSON-RPC answers): nonces, an EIP-1559 base fee that spikes,
 * a mempool that drops transactions, and geth's replacement rule (+10 % on both fees).
 * A transaction is mined only at its account's next nonce and when its max fee covers the base fee.
 */

export const PAYOUT_CHAIN_ID = 31337;
export const GWEI = 1_000_000_000n;
const NORMAL_BASE_FEE = GWEI;

export interface PayoutTx {
  hash: string;
  from: string;
  nonce: number;
  to: string;
  value: bigint;
  maxFee: bigint;
  tip: bigint;
}

/** A node error with the node's own message, shaped as ethers reports one. */
const nodeError = (message: string) =>
  Object.assign(new Error(message), { error: { code: -32000, message } });

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

export class PayoutChain {
  height = 0;
  baseFee = NORMAL_BASE_FEE;
  tipSuggestion = GWEI;
  /** The node refuses every call until this fake-clock time (ms). */
  downUntil = 0;
  generation = 0;
  private readonly counts = new Map<string, number>();
  readonly pool = new Map<string, PayoutTx>();
  readonly mined = new Map<string, { tx: PayoutTx; block: number }>();
  /** Every transaction the node was sent, in order (accepted or not). */
  readonly received: PayoutTx[] = [];

  count = (a: string): number => this.counts.get(a.toLowerCase()) ?? 0;

  /** The JSON-RPC transport of the daemon of the current generation. */
  transport(): RpcTransport {
    const generation = this.generation;
    return {
      send: async (method, params) => {
        if (generation !== this.generation) throw new Error('model: caller is not running');
        if (Date.now() < this.downUntil) throw new Error('connect ECONNREFUSED (model payout node outage)');
        return this.handle(method, params);
      },
      destroy: () => undefined,
    };
  }

  private pendingCount(a: string): number {
    let n = this.count(a);
    const nonces = new Set(
      [...this.pool.values()].filter((t) => t.from === a.toLowerCase()).map((t) => t.nonce),
    );
    while (nonces.has(n)) n++;
    return n;
  }

  private handle(method: string, params: unknown[]): unknown {
    const p = params as string[];
    switch (method) {
      case 'eth_chainId':
        return hex(PAYOUT_CHAIN_ID);
      case 'eth_blockNumber':
        return hex(this.height);
      case 'eth_getTransactionCount':
        return hex(p[1] === 'pending' ? this.pendingCount(p[0]) : this.count(p[0]));
      case 'eth_getBalance':
        return hex(10n ** 40n);
      case 'eth_getBlockByNumber':
        return { number: hex(this.height), baseFeePerGas: hex(this.baseFee) };
      case 'eth_maxPriorityFeePerGas':
        return hex(this.tipSuggestion);
      case 'eth_estimateGas':
        return hex(21_000);
      case 'eth_sendRawTransaction':
        return this.accept(p[0]);
      case 'eth_getTransactionByHash': {
        const known = this.pool.get(p[0]) ?? this.mined.get(p[0])?.tx;
        return known === undefined ? null : { hash: known.hash, nonce: hex(known.nonce) };
      }
      case 'eth_getTransactionReceipt': {
        const m = this.mined.get(p[0]);
        return m === undefined ? null : { status: '0x1', blockNumber: hex(m.block) };
      }
      default:
        throw nodeError(`the method ${method} does not exist/is not available`);
    }
  }

  /** Decoded transactions by raw bytes (decoding recovers the signer: slow, and re-broadcasts are many). */
  private readonly decoded = new Map<string, ReturnType<typeof decodePayoutTx>>();

  private accept(raw: string): string {
    const d = this.decoded.get(raw) ?? decodePayoutTx(raw);
    this.decoded.set(raw, d);
    if (d.chainId !== BigInt(PAYOUT_CHAIN_ID)) throw nodeError('invalid chain id for signer');
    const tx: PayoutTx = {
      hash: d.txid,
      from: d.from.toLowerCase(),
      nonce: d.nonce,
      to: d.call.to.toLowerCase(),
      value: d.call.value,
      maxFee: d.fees.maxFeePerGas,
      tip: d.fees.maxPriorityFeePerGas,
    };
    this.received.push(tx);
    if (this.pool.has(tx.hash)) throw nodeError('already known');
    if (this.mined.has(tx.hash) || tx.nonce < this.count(tx.from)) throw nodeError('nonce too low');
    const rival = [...this.pool.values()].find((t) => t.from === tx.from && t.nonce === tx.nonce);
    if (rival !== undefined) {
      if (tx.maxFee * 10n < rival.maxFee * 11n || tx.tip * 10n < rival.tip * 11n) {
        throw nodeError('replacement transaction underpriced');
      }
      this.pool.delete(rival.hash);
    }
    this.pool.set(tx.hash, tx);
    return tx.hash;
  }

  /** Mines one block: every pool transaction at its account's next nonce whose max fee covers the base fee. */
  mine(): number {
    this.height++;
    let included = 0;
    for (let progress = true; progress;) {
      progress = false;
      for (const tx of [...this.pool.values()].sort((a, b) => a.nonce - b.nonce)) {
        if (tx.nonce !== this.count(tx.from) || tx.maxFee < this.baseFee) continue;
        this.counts.set(tx.from, tx.nonce + 1);
        this.pool.delete(tx.hash);
        this.mined.set(tx.hash, { tx, block: this.height });
        included++;
        progress = true;
      }
    }
    for (const tx of this.pool.values()) if (tx.nonce < this.count(tx.from)) this.pool.delete(tx.hash);
    return included;
  }

  /** Evicts a pending transaction (mempool limits, a node restart). */
  drop(hash: string): void {
    this.pool.delete(hash);
  }

  spike(factor: bigint): void {
    this.baseFee = NORMAL_BASE_FEE * factor;
  }

  calm(): void {
    this.baseFee = NORMAL_BASE_FEE;
  }
}

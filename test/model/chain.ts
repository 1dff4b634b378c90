/**
 * The model's view of a deposit chain: the canonical blocks, a mempool, outages, and what the
 * node served to which daemon generation. BtcNode and EthNode (btc-node.ts, eth-node.ts) add the
 * encoding each real source reads; the model itself only knows payments.
 */

/** A deposit coin of the model: ETH's native coin, the configured token TOK, or a foreign token. */
export type Coin = 'BTC' | 'ETH' | 'TOK' | 'FOREIGN';

/** One payment in a block, identified as teller identifies a deposit: (coin, tx, n). */
export interface Payment {
  key: string;
  coin: Coin;
  address: string;
  value: bigint;
  tx: string;
  /** BTC output index, 0 for native ETH, the index among its transaction's logs for a token transfer. */
  n: number;
  /** An ETH transaction that reverted (status 0): never a deposit. */
  failed: boolean;
}

export const paymentKey = (coin: Coin, tx: string, n: number): string => `${coin}|${tx}|${n}`;

export interface ModelBlock<T> {
  height: number;
  hash: string;
  parentHash: string;
  txs: T[];
  payments: Payment[];
}

export type TxFate<T> = { kind: 'remine' } | { kind: 'drop' } | { kind: 'replace'; by: T };

export abstract class ModelChain<T> {
  readonly blocks: ModelBlock<T>[] = [];
  mempool: T[] = [];
  /** The node refuses every call until this fake-clock time (ms). */
  downUntil = 0;
  /** The daemon generation now talking to the node (set by the world at every start). */
  generation = 0;
  /** Payment key -> generations the node served a block holding it to, in order. */
  readonly served = new Map<string, number[]>();
  /** Payment key -> the most confirmations it ever had on the canonical chain. */
  readonly maxConfs = new Map<string, number>();
  /** Every payment ever mined, by key. */
  readonly payments = new Map<string, Payment>();
  /** Key -> every (address, value) mined under it: more than one when an id moved to another payment. */
  readonly variants = new Map<string, Set<string>>();
  /**
   * Payments the node has shown with enough confirmations (a tip served while they had
   * `required`): only these can be handed over legitimately.
   */
  readonly shownConfirmed = new Set<string>();
  /** Confirmations the daemon requires on this chain (set by the world). */
  required = 1;
  /** Reorgs applied: depth and the payment keys they orphaned. */
  readonly reorgs: { depth: number; orphaned: string[] }[] = [];

  protected abstract build(height: number, parentHash: string, txs: T[]): ModelBlock<T>;
  abstract txId(tx: T): string;

  get tip(): number {
    return this.blocks.length - 1;
  }

  isDown(): boolean {
    return Date.now() < this.downUntil;
  }

  /** Mines one block with the mempool and `extra`. */
  mine(extra: T[] = []): ModelBlock<T> {
    const txs = [...this.mempool, ...extra];
    this.mempool = [];
    const parent = this.blocks.at(-1);
    const block = this.build(this.blocks.length, parent?.hash ?? '', txs);
    this.blocks.push(block);
    for (const p of block.payments) {
      this.payments.set(p.key, p);
      this.variants.set(p.key, (this.variants.get(p.key) ?? new Set()).add(`${p.address}|${p.value}`));
    }
    this.updateConfs();
    return block;
  }

  /**
   * Replaces the top `depth` blocks with `newLength` new ones. Each orphaned transaction is re-mined
   * (into the first new block), dropped, or replaced by a conflicting one (a double spend).
   */
  reorg(depth: number, newLength: number, fate: (tx: T) => TxFate<T>): void {
    const orphaned = this.blocks.splice(this.blocks.length - depth, depth);
    const remine: T[] = [];
    for (const b of orphaned) {
      for (const tx of b.txs) {
        const f = fate(tx);
        if (f.kind === 'remine') remine.push(tx);
        else if (f.kind === 'replace') remine.push(f.by);
      }
    }
    this.mempool = [...remine, ...this.mempool];
    for (let i = 0; i < newLength; i++) this.mine();
    const canonical = new Set(this.canonical().map((c) => c.payment.key));
    this.reorgs.push({
      depth,
      orphaned: orphaned.flatMap((b) => b.payments.map((p) => p.key)).filter((k) => !canonical.has(k)),
    });
  }

  /** Every payment on the canonical chain with its height and confirmations (tip - height + 1). */
  canonical(): { payment: Payment; height: number; confs: number }[] {
    return this.blocks.flatMap((b) =>
      b.payments.map((payment) => ({ payment, height: b.height, confs: this.tip - b.height + 1 })),
    );
  }

  private updateConfs(): void {
    for (const c of this.canonical()) {
      if (c.confs > (this.maxConfs.get(c.payment.key) ?? 0)) this.maxConfs.set(c.payment.key, c.confs);
    }
  }

  /** Notes the tip was served: every payment with enough confirmations now may be handed over. */
  protected markTipServed(): void {
    for (const c of this.canonical()) if (c.confs >= this.required) this.shownConfirmed.add(c.payment.key);
  }

  /** Notes that `payments` were handed to the daemon of the current generation. */
  protected markServed(payments: readonly Payment[]): void {
    for (const p of payments) {
      const gens = this.served.get(p.key) ?? [];
      if (gens.at(-1) !== this.generation) gens.push(this.generation);
      this.served.set(p.key, gens);
    }
  }
}

import * as ecc from '@bitcoinerlab/secp256k1';
import { Block, Transaction, address as btcAddress, networks, payments } from 'bitcoinjs-lib';
import { BtcRpcClient, BtcRpcUnavailableError, RpcError } from '../../src/chains/bitcoin/rpc';
import { hexSpan } from '../../src/chains/bitcoin/hex-reply';
import type { HexSpan } from '../../src/chains/bitcoin/block-parser';
import { ModelChain, paymentKey, type ModelBlock, type Payment } from './chain';
import type { Rng } from './rng';

/**
 * The model's Bitcoin chain, served to the REAL BtcSource (raw blocks, parsed by teller's block
 * parser against its script index) through a BtcRpcClient whose calls read this chain.
 */

const NETWORK = networks.regtest;

export type BtcScriptType = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr';
export const BTC_SCRIPT_TYPES: readonly BtcScriptType[] = ['p2pkh', 'p2sh', 'p2wpkh', 'p2wsh', 'p2tr'];

/** A fresh regtest address of `type` (scripts built by bitcoinjs, not by teller's code). */
export function btcAddressOf(type: BtcScriptType, rng: Rng): string {
  const made = (() => {
    switch (type) {
      case 'p2pkh':
        return payments.p2pkh({ hash: rng.bytes(20), network: NETWORK }).address;
      case 'p2sh':
        return payments.p2sh({ hash: rng.bytes(20), network: NETWORK }).address;
      case 'p2wpkh':
        return payments.p2wpkh({ hash: rng.bytes(20), network: NETWORK }).address;
      case 'p2wsh':
        return payments.p2wsh({ hash: rng.bytes(32), network: NETWORK }).address;
      case 'p2tr': {
        let point: Uint8Array | null = null;
        while (!point) point = ecc.pointFromScalar(rng.bytes(32), true);
        return btcAddress.toBech32(Buffer.from(point.subarray(1)), 1, NETWORK.bech32);
      }
    }
  })();
  if (!made) throw new Error(`cannot make a ${type} address`);
  return made;
}

/** scriptPubKey of `addr` (P2TR by hand: bitcoinjs wants an ECC library for it). */
function outputScript(addr: string): Buffer {
  if (addr.startsWith(`${NETWORK.bech32}1p`)) {
    return Buffer.concat([Buffer.from([0x51, 0x20]), Buffer.from(btcAddress.fromBech32(addr).data)]);
  }
  return Buffer.from(btcAddress.toOutputScript(addr, NETWORK));
}

/** An output: to an address, or (null) an OP_RETURN that pays nobody. */
export interface BtcOut {
  address: string | null;
  value: bigint;
}

export interface BtcTx {
  id: string;
  tx: Transaction;
  outs: BtcOut[];
}

/** A transaction spending a random outpoint (`rng`) to `outs`; `spends` reuses another's input. */
export function btcTx(rng: Rng, outs: BtcOut[], spends?: BtcTx): BtcTx {
  const tx = new Transaction();
  const input = spends?.tx.ins[0];
  tx.addInput(input ? Buffer.from(input.hash) : rng.bytes(32), input ? input.index : rng.int(0, 3));
  tx.setWitness(0, [rng.bytes(71), rng.bytes(33)]);
  for (const o of outs) {
    const script =
      o.address === null ? Buffer.concat([Buffer.from([0x6a, 0x08]), rng.bytes(8)]) : outputScript(o.address);
    tx.addOutput(script, o.value);
  }
  return { id: tx.getId(), tx, outs };
}

export class BtcNode extends ModelChain<BtcTx> {
  private readonly hex = new Map<string, string>();
  private nonce = 0;
  /** A miner address nobody watches (coinbase outputs). */
  private readonly miner: string;

  constructor(private readonly rng: Rng) {
    super();
    this.miner = btcAddressOf('p2wpkh', rng);
    this.mine();
  }

  txId(tx: BtcTx): string {
    return tx.id;
  }

  protected build(height: number, parentHash: string, txs: BtcTx[]): ModelBlock<BtcTx> {
    const coinbase = btcTx(this.rng, [{ address: this.miner, value: 50n * 100_000_000n }]);
    const b = new Block();
    b.version = 0x20000000;
    b.prevHash = parentHash === '' ? Buffer.alloc(32) : Buffer.from(parentHash, 'hex').reverse();
    b.timestamp = 1_700_000_000 + height;
    b.bits = 0x207fffff;
    b.nonce = this.nonce++;
    b.transactions = [coinbase.tx, ...txs.map((t) => t.tx)];
    b.merkleRoot = Block.calculateMerkleRoot(b.transactions);
    const hash = b.getId();
    this.hex.set(hash, Buffer.from(b.toBuffer()).toString('hex'));
    const pays: Payment[] = txs.flatMap((t) =>
      t.outs.flatMap((o, n): Payment[] =>
        o.address === null
          ? []
          : [
              {
                key: paymentKey('BTC', t.id, n),
                coin: 'BTC',
                address: o.address,
                value: o.value,
                tx: t.id,
                n,
                failed: false,
              },
            ],
      ),
    );
    return { height, hash, parentHash, txs, payments: pays };
  }

  /** The node's RPC client, as the real BtcSource gets it. */
  client(): BtcRpcClient {
    return new ModelBtcRpc(this, this.generation);
  }

  /** Refuses calls during an outage, and from a daemon that is no longer running (killed). */
  check(generation: number): void {
    if (generation !== this.generation) throw new BtcRpcUnavailableError('model: caller is not running');
    if (this.isDown()) throw new BtcRpcUnavailableError('btc node down (model outage)');
  }

  tipServed(): number {
    this.markTipServed();
    return this.tip;
  }

  /** A block's bytes; `scanned`: asked for by a scan (not BtcSource.init's check of the tip). */
  blockHex(hash: string, scanned: boolean): string | undefined {
    const found = this.blocks.find((b) => b.hash === hash);
    if (found && scanned) this.markServed(found.payments);
    return this.hex.get(hash);
  }
}

class ModelBtcRpc extends BtcRpcClient {
  /** Hashes a scan asked for (getblockhash over a range): their blocks are sightings. */
  private readonly scanning = new Set<string>();

  constructor(
    private readonly node: BtcNode,
    private readonly generation: number,
  ) {
    super({ server: 'http://127.0.0.1:9', user: 'model', pass: 'model', cert: '', attempts: 1 });
  }

  override async getBlockCount(): Promise<number> {
    this.node.check(this.generation);
    return this.node.tipServed();
  }

  override async getBlockHash(height: number): Promise<string | null> {
    this.node.check(this.generation);
    return this.node.blocks[height]?.hash ?? null;
  }

  override async getBlockHashes(from: number, to: number): Promise<string[]> {
    this.node.check(this.generation);
    const out: string[] = [];
    for (let h = from; h <= to; h++) {
      const b = this.node.blocks[h];
      if (!b) throw new RpcError('getblockhash', -8, 'Block height out of range');
      out.push(b.hash);
    }
    for (const h of out) this.scanning.add(h);
    return out;
  }

  override async getBlockHex(hash: string): Promise<HexSpan> {
    this.node.check(this.generation);
    const hex = this.node.blockHex(hash, this.scanning.has(hash));
    if (hex === undefined) throw new RpcError('getblock', -5, 'Block not found');
    return hexSpan(hex);
  }

  override async getBlockchainInfo(): Promise<{ chain: string; blocks: number; bestblockhash: string }> {
    this.node.check(this.generation);
    const tip = this.node.blocks[this.node.tip];
    return { chain: 'regtest', blocks: tip.height, bestblockhash: tip.hash };
  }

  override close(): void {}
}

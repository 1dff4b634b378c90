import {
  Interface,
  JsonRpcApiProvider,
  type JsonRpcError,
  type JsonRpcPayload,
  type JsonRpcResult,
} from 'ethers';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodePayoutTx } from '../../../src/chains/ethereum/payout-tx';
import { EvmHotWallet } from '../../../src/chains/ethereum/wallet';
import { JsonRpcEvmNode } from '../../../src/sender/evm-node';
import { EvmSender } from '../../../src/sender/evm-sender';
import { Store } from '../../../src/store/store';
import { silentLogger } from '../../../src/util/logger';

/**
 * A scripted EVM node for unit tests. It answers JSON-RPC through a real ethers JsonRpcApiProvider
 * (only `_send` is faked), so the node's error texts reach the sender wrapped exactly as ethers
 * wraps them. Mempool rules follow geth: same hash → "already known", mined nonce → "nonce too
 * low", same nonce needs +10% fees. Nothing is mined until `mine()` (or with `automine`).
 */

export const CHAIN_ID = 1337n;
export const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3'.toLowerCase();
const TOKEN_ABI = new Interface([
  'function transfer(address to, uint256 amount) returns (bool)',
  'function balanceOf(address owner) view returns (uint256)',
  'function decimals() view returns (uint8)',
  'function symbol() view returns (string)',
]);

export interface FakeTx {
  hash: string;
  from: string;
  nonce: number;
  to: string;
  value: bigint;
  data: string;
  gasLimit: bigint;
  maxFee: bigint;
  tip: bigint;
}

interface Mined {
  tx: FakeTx;
  block: number;
  status: number;
}

class RpcFail extends Error {}

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;
const lower = (a: string): string => a.toLowerCase();

export class FakeEvmChain {
  height = 0;
  baseFee = 1_000_000_000n;
  tipSuggestion = 1_000_000_000n;
  automine = false;
  reportedChainId = CHAIN_ID;
  tokenDecimals = 6;
  tokenSymbol = 'TUSD';
  /** Max random delay per call, to interleave concurrent callers. */
  jitterMs = 0;
  readonly eth = new Map<string, bigint>();
  readonly tokens = new Map<string, bigint>();
  readonly pool = new Map<string, FakeTx>();
  readonly mined = new Map<string, Mined>();
  readonly counts = new Map<string, number>();
  /** Recipients whose transfer reverts when mined. */
  readonly reverting = new Set<string>();
  /** One-shot failures: method → node error text, or 'transport' for no answer. */
  readonly failures = new Map<string, string>();
  readonly calls: string[] = [];

  provider(): FakeProvider {
    return new FakeProvider(this);
  }

  fund(address: string, wei: bigint, tokens = 0n): void {
    this.eth.set(lower(address), wei);
    this.tokens.set(lower(address), tokens);
  }

  balance = (a: string): bigint => this.eth.get(lower(a)) ?? 0n;
  tokenBalance = (a: string): bigint => this.tokens.get(lower(a)) ?? 0n;
  count = (a: string): number => this.counts.get(lower(a)) ?? 0;

  pendingCount(a: string): number {
    let n = this.count(a);
    const nonces = new Set([...this.pool.values()].filter((t) => t.from === lower(a)).map((t) => t.nonce));
    while (nonces.has(n)) n++;
    return n;
  }

  /** Another transaction from `from` (not Teller's) takes the next nonce. */
  spendNonceElsewhere(from: string): void {
    this.counts.set(lower(from), this.count(from) + 1);
    this.height++;
  }

  handle(method: string, params: unknown[]): unknown {
    this.calls.push(method);
    const failure = this.failures.get(method);
    if (failure !== undefined && failure !== 'transport') {
      this.failures.delete(method);
      throw new RpcFail(failure);
    }
    const p = params as string[];
    switch (method) {
      case 'eth_chainId':
        return hex(this.reportedChainId);
      case 'eth_blockNumber':
        return hex(this.height);
      case 'eth_getTransactionCount':
        return hex(p[1] === 'pending' ? this.pendingCount(p[0]) : this.count(p[0]));
      case 'eth_getBalance':
        return hex(this.balance(p[0]));
      case 'eth_getCode':
        return lower(p[0]) === TOKEN ? '0x6080' : '0x';
      case 'eth_call':
        return this.call(params[0] as { to: string; data: string });
      case 'eth_getBlockByNumber':
        return { number: hex(this.height), baseFeePerGas: hex(this.baseFee) };
      case 'eth_maxPriorityFeePerGas':
        return hex(this.tipSuggestion);
      case 'eth_estimateGas':
        return hex((params[0] as { data: string }).data === '0x' ? 21_000 : 35_000);
      case 'eth_sendRawTransaction':
        return this.accept(p[0]);
      case 'eth_getTransactionByHash': {
        const known = this.pool.get(p[0]) ?? this.mined.get(p[0])?.tx;
        return known === undefined ? null : { hash: known.hash, nonce: hex(known.nonce) };
      }
      case 'eth_getTransactionReceipt': {
        const m = this.mined.get(p[0]);
        return m === undefined ? null : { status: hex(m.status), blockNumber: hex(m.block) };
      }
      default:
        throw new RpcFail(`the method ${method} does not exist/is not available`);
    }
  }

  private call({ to, data }: { to: string; data: string }): string {
    if (lower(to) !== TOKEN) return '0x';
    const fn = TOKEN_ABI.parseTransaction({ data });
    if (fn?.name === 'balanceOf')
      return TOKEN_ABI.encodeFunctionResult('balanceOf', [this.tokenBalance(fn.args[0])]);
    if (fn?.name === 'decimals') return TOKEN_ABI.encodeFunctionResult('decimals', [this.tokenDecimals]);
    if (fn?.name === 'symbol') return TOKEN_ABI.encodeFunctionResult('symbol', [this.tokenSymbol]);
    throw new RpcFail('execution reverted');
  }

  private accept(raw: string): string {
    const d = decodePayoutTx(raw);
    if (d.chainId !== CHAIN_ID) throw new RpcFail('invalid chain id for signer');
    const tx: FakeTx = {
      hash: d.txid,
      from: lower(d.from),
      nonce: d.nonce,
      to: lower(d.call.to),
      value: d.call.value,
      data: d.call.data,
      gasLimit: d.gasLimit,
      maxFee: d.fees.maxFeePerGas,
      tip: d.fees.maxPriorityFeePerGas,
    };
    if (this.pool.has(tx.hash)) throw new RpcFail('already known');
    if (this.mined.has(tx.hash) || tx.nonce < this.count(tx.from)) throw new RpcFail('nonce too low');
    if (this.balance(tx.from) < tx.value + tx.gasLimit * tx.maxFee) {
      throw new RpcFail('insufficient funds for gas * price + value');
    }
    const rival = [...this.pool.values()].find((t) => t.from === tx.from && t.nonce === tx.nonce);
    if (rival !== undefined) {
      if (tx.maxFee * 10n < rival.maxFee * 11n || tx.tip * 10n < rival.tip * 11n) {
        throw new RpcFail('replacement transaction underpriced');
      }
      this.pool.delete(rival.hash);
    }
    this.pool.set(tx.hash, tx);
    if (this.automine) this.mine();
    return tx.hash;
  }

  /** Forgets a pending transaction (evicted from the mempool). */
  drop(hash: string): void {
    this.pool.delete(hash);
  }

  /** Mines one block with every executable pool transaction, then `extra` empty blocks. */
  mine(extra = 0): void {
    this.height++;
    for (let progress = true; progress;) {
      progress = false;
      for (const tx of [...this.pool.values()].sort((a, b) => a.nonce - b.nonce)) {
        if (tx.nonce !== this.count(tx.from)) continue;
        this.execute(tx);
        progress = true;
      }
    }
    for (const tx of this.pool.values()) if (tx.nonce < this.count(tx.from)) this.pool.delete(tx.hash);
    this.height += extra;
  }

  private execute(tx: FakeTx): void {
    const price = tx.maxFee < this.baseFee + tx.tip ? tx.maxFee : this.baseFee + tx.tip;
    const isToken = tx.to === TOKEN;
    const gas = isToken ? 35_000n : 21_000n;
    const transfer = isToken ? TOKEN_ABI.decodeFunctionData('transfer', tx.data) : null;
    const recipient = transfer === null ? tx.to : lower(String(transfer[0]));
    const units = transfer === null ? 0n : BigInt(transfer[1] as bigint);
    let status = this.reverting.has(recipient) ? 0 : 1;
    if (units > this.tokenBalance(tx.from)) status = 0;
    this.eth.set(tx.from, this.balance(tx.from) - gas * price - (status === 1 ? tx.value : 0n));
    if (status === 1) {
      this.eth.set(recipient, this.balance(recipient) + tx.value);
      this.tokens.set(tx.from, this.tokenBalance(tx.from) - units);
      this.tokens.set(recipient, this.tokenBalance(recipient) + units);
    }
    this.counts.set(tx.from, tx.nonce + 1);
    this.pool.delete(tx.hash);
    this.mined.set(tx.hash, { tx, block: this.height, status });
  }
}

export class FakeProvider extends JsonRpcApiProvider {
  constructor(private readonly chain: FakeEvmChain) {
    super(Number(CHAIN_ID), { staticNetwork: true, cacheTimeout: -1, batchMaxCount: 1 });
  }

  override async _send(
    payload: JsonRpcPayload | JsonRpcPayload[],
  ): Promise<(JsonRpcResult | JsonRpcError)[]> {
    const list = Array.isArray(payload) ? payload : [payload];
    if (this.chain.jitterMs > 0) await new Promise((r) => setTimeout(r, Math.random() * this.chain.jitterMs));
    return list.map((p) => {
      if (this.chain.failures.get(p.method) === 'transport') {
        this.chain.failures.delete(p.method);
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8545'), { code: 'ECONNREFUSED' });
      }
      try {
        return { id: p.id, result: this.chain.handle(p.method, p.params as unknown[]) };
      } catch (err) {
        if (err instanceof RpcFail) return { id: p.id, error: { code: -32000, message: err.message } };
        throw err;
      }
    });
  }
}

/** Dev account 1 of anvil's mnemonic: the hot wallet in unit tests. */
export const HOT_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
export const RECIPIENT = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
export const ETHER = 10n ** 18n;

export interface RigOptions {
  coin?: 'ETH' | 'ERC20';
  eth?: bigint;
  tokens?: bigint;
  confirmations?: number;
  rebroadcastAfterMs?: number;
  /** Fee ceiling in gwei (payout.evm.max_fee_per_gas, max_priority_fee_per_gas); defaults "200", "20". */
  maxFeeGwei?: string;
  maxTipGwei?: string;
  /** Reuse a store (a restarted sender); else a fresh one in a temp dir. */
  store?: Store;
  chain?: FakeEvmChain;
  now?: () => number;
}

export interface Rig {
  chain: FakeEvmChain;
  sender: EvmSender;
  store: Store;
  signer: EvmHotWallet;
}

/** Builds senders on fake chains and closes everything after each test. */
export function senderRigs(): (opts?: RigOptions) => Promise<Rig> {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return async (opts = {}) => {
    const chain = opts.chain ?? new FakeEvmChain();
    const signer = EvmHotWallet.fromPrivateKey(HOT_KEY);
    if (opts.chain === undefined) chain.fund(signer.address, opts.eth ?? ETHER, opts.tokens ?? 0n);
    let store = opts.store;
    if (store === undefined) {
      const dir = await mkdtemp(path.join(tmpdir(), 'teller-evm-'));
      const opened = await Store.open(dir);
      cleanups.push(async () => {
        await opened.close();
        await rm(dir, { recursive: true, force: true });
      });
      store = opened;
    }
    const provider = chain.provider();
    cleanups.push(async () => provider.destroy());
    const sender = new EvmSender({
      evm: {
        rpc_url: 'http://fake',
        chain_id: Number(CHAIN_ID),
        keystore: '',
        token: opts.coin === 'ERC20' ? TOKEN : '',
        decimals: opts.coin === 'ERC20' ? 6 : 18,
        confirmations_required: opts.confirmations ?? 1,
        rebroadcast_after_ms: opts.rebroadcastAfterMs ?? 60_000,
        max_fee_per_gas: opts.maxFeeGwei ?? '200',
        max_priority_fee_per_gas: opts.maxTipGwei ?? '20',
      },
      coin: opts.coin ?? 'ETH',
      node: new JsonRpcEvmNode(provider),
      signer,
      store,
      log: silentLogger(),
      now: opts.now,
    });
    return { chain, sender, store, signer };
  };
}

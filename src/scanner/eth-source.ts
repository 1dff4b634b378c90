import { normalizeEthAddress } from '../chains/ethereum/address';
import {
  TokenConfigError,
  addressTopic,
  getTransferLogs,
  readTokenDecimals,
  type RpcCall,
  type TokenTransfer,
  type TransferQuery,
} from '../chains/ethereum/erc20';
import {
  checkChain,
  classifyEthError,
  isRpcObject,
  makeEthProvider,
  redactRpcUrl,
  rpcHash,
  rpcQuantity,
  rpcSafeInt,
  withRetry,
  type EthRpcClient,
  type EthRpcSettings,
  type RetryOptions,
} from '../chains/ethereum/provider';
import type { TokenConfig } from '../config/types';
import type { ScannedDeposit } from '../core/deposit';
import { TellerError } from '../util/errors';
import type { Logger } from '../util/logger';
import type { BlockSource, SourceBlock } from './types';

/**
 * Ethereum blocks for the scanner engine: native ETH sent to watched addresses (top-level
 * transactions whose receipt says success) and ERC-20 Transfer logs of the configured tokens.
 * Tokens share the ETH pool, so every configured asset sent to any watched address is reported as
 * what it is, also to an address watched for another asset (a wrong asset: the exchange records
 * it for an operator instead of it being lost without a trace).
 * Every address is compared lowercase (teller missed checksummed pool addresses); values are exact
 * wei and token units (teller truncated wei to gwei). Raw JSON-RPC throughout: a full block parsed
 * by ethers costs far more than reading the few fields used here.
 */

/** Blocks fetched at once within one `blocks()` call. */
const BLOCKS_PARALLEL = 8;
/** Receipts fetched at once (only for transactions paying a watched address, or with a transfer to one). */
const RECEIPTS_PARALLEL = 4;
/** Above this many watched token addresses, eth_getLogs asks for every Transfer and filters here. */
const MAX_TOPIC_ADDRESSES = 1000;

const LOWER_ADDRESS = /^0x[0-9a-f]{40}$/;

export class EthSourceError extends TellerError {
  constructor(message: string, retryable = false) {
    super('eth_source', message, retryable);
  }
}

export interface EthSourceOptions {
  /** `{url, chainId}`: `url` from `ethRpcUrl(cfg.eth_rpc)`, `chainId` from `eth_scanner.chain_id`. */
  rpc: EthRpcSettings;
  /** Uses this client instead of building an ethers provider from `rpc` (tests, a shared provider). */
  client?: EthRpcClient;
  /** `eth_scanner.logs_chunk_size`: blocks per eth_getLogs request. */
  logsChunkSize: number;
  tokens: readonly TokenConfig[];
  log: Logger;
  /** Per-call retries of transient failures (default 3 tries); the engine retries the poll after. */
  retry?: Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs'>;
  maxTopicAddresses?: number;
}

interface Header {
  height: number;
  hash: string;
  parentHash: string;
  /** Successful-or-not transactions paying a watched address, in block order. */
  candidates: { tx: string; to: string; value: bigint }[];
}

type Transfer = TokenTransfer & { symbol: string };
/** Receipts asked for in one `blocks()` call, by transaction hash. */
type Receipts = Map<string, Promise<unknown>>;

const lower = (v: unknown): string | null => (typeof v === 'string' ? v.toLowerCase() : null);
const hex = (n: number): string => `0x${n.toString(16)}`;

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const chainChanged = (what: string): EthSourceError =>
  new EthSourceError(`the chain changed during the scan (${what}); scanning again`, true);

export class EthSource implements BlockSource {
  readonly chain = 'ETH';
  readonly coins: readonly string[];
  private readonly client: EthRpcClient;
  private readonly owned: { destroy(): void } | null;
  private readonly settings: EthRpcSettings;
  private readonly log: Logger;
  private readonly logsChunkSize: number;
  private readonly maxTopicAddresses: number;
  private readonly retry: Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs'>;
  private readonly tokens: readonly TokenConfig[];
  /** Lowercase contract → symbol. */
  private readonly symbolOf = new Map<string, string>();
  /** The configured token symbols. */
  private readonly tokenSymbols = new Set<string>();
  /** Every address watched for any asset (the eth_getLogs `to` topics, the native candidates). */
  private readonly watchedAny = new Set<string>();
  private readonly abort = new AbortController();

  constructor(opts: EthSourceOptions) {
    if (!Number.isSafeInteger(opts.logsChunkSize) || opts.logsChunkSize < 1) {
      throw new EthSourceError(`eth_scanner.logs_chunk_size must be >= 1, got ${opts.logsChunkSize}`);
    }
    for (const t of opts.tokens) {
      const contract = normalizeEthAddress(t.contract);
      if (t.symbol === 'ETH' || this.tokenSymbols.has(t.symbol) || this.symbolOf.has(contract)) {
        throw new EthSourceError(`eth_tokens: duplicate token ${t.symbol} (${t.contract})`);
      }
      this.symbolOf.set(contract, t.symbol);
      this.tokenSymbols.add(t.symbol);
    }
    this.coins = ['ETH', ...opts.tokens.map((t) => t.symbol)];
    this.tokens = opts.tokens;
    this.settings = opts.rpc;
    this.log = opts.log;
    this.logsChunkSize = opts.logsChunkSize;
    this.maxTopicAddresses = opts.maxTopicAddresses ?? MAX_TOPIC_ADDRESSES;
    this.retry = { attempts: 3, baseDelayMs: 250, maxDelayMs: 4_000, ...opts.retry };
    if (opts.client) {
      this.client = opts.client;
      this.owned = null;
    } else {
      const provider = makeEthProvider(opts.rpc);
      this.client = provider;
      this.owned = provider;
    }
  }

  async init(): Promise<void> {
    const chainId = await checkChain(this.client, this.settings.chainId, this.settings.url);
    for (const t of this.tokens) {
      let decimals: number;
      try {
        decimals = await readTokenDecimals(this.client, t.contract);
      } catch (err) {
        if (err instanceof TokenConfigError)
          throw new TokenConfigError(`eth_tokens ${t.symbol}: ${err.message}`, { cause: err });
        throw err;
      }
      if (decimals !== t.decimals) {
        throw new TokenConfigError(
          `eth_tokens ${t.symbol}: contract ${t.contract} reports decimals() = ${decimals}, config says ${t.decimals}`,
        );
      }
    }
    const url = redactRpcUrl(this.settings.url);
    this.log.info({ url, chainId, tokens: this.coins.slice(1) }, 'eth node ready');
  }

  watch(coin: string, address: string): void {
    const addr = normalizeEthAddress(address);
    if (!LOWER_ADDRESS.test(addr)) {
      throw new EthSourceError(`cannot watch ${coin} address ${address}: not an address`);
    }
    if (coin !== 'ETH' && !this.tokenSymbols.has(coin)) {
      throw new EthSourceError(`the ETH source cannot watch ${coin} address ${address}: unknown coin`);
    }
    this.watchedAny.add(addr);
  }

  async tipHeight(): Promise<number> {
    return rpcSafeInt(await this.call('eth_blockNumber', []), 'eth_blockNumber');
  }

  async hashAt(height: number): Promise<string | null> {
    const block = await this.call('eth_getBlockByNumber', [hex(height), false]);
    if (block === null) return null;
    return rpcHash(isRpcObject(block) ? block.hash : block, `block ${height} hash`);
  }

  async blocks(from: number, to: number): Promise<SourceBlock[]> {
    if (to < from) return [];
    const heights = Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const [headers, transfers] = await Promise.all([
      mapLimit(heights, BLOCKS_PARALLEL, (h) => this.header(h)),
      this.transfers(from, to),
    ]);
    for (let i = 1; i < headers.length; i++) {
      if (headers[i].parentHash !== headers[i - 1].hash)
        throw chainChanged(`block ${headers[i].height} parent`);
    }
    transfers.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    for (const t of transfers) {
      if (headers[t.blockNumber - from].hash !== t.blockHash)
        throw chainChanged(`log ${t.txHash}:${t.logIndex}`);
    }
    const receipts: Receipts = new Map();
    const [native, ordinals] = await Promise.all([
      this.confirmedNative(headers, receipts),
      mapLimit(transfers, RECEIPTS_PARALLEL, (t) => this.ordinal(t, receipts)),
    ]);
    const deposits = headers.map((): ScannedDeposit[] => []);
    for (const d of native) deposits[d.height - from].push(d);
    transfers.forEach((t, i) => {
      const { symbol: coin_type, to: address, value, blockNumber: height, txHash: tx, logIndex } = t;
      deposits[height - from].push({
        coin_type,
        address,
        value,
        height,
        tx,
        n: ordinals[i],
        log_index: logIndex,
      });
    });
    const out = headers.map((h, i) => ({
      height: h.height,
      hash: h.hash,
      parentHash: h.parentHash,
      deposits: deposits[i],
    }));
    const found = out.reduce((n, b) => n + b.deposits.length, 0);
    this.log.debug({ from, to, deposits: found }, 'eth blocks scanned');
    return out;
  }

  async close(): Promise<void> {
    this.abort.abort();
    this.owned?.destroy();
  }

  /** One JSON-RPC call with retries of transient failures; failures come out as EthRpcError. */
  private async call(
    method: string,
    params: unknown[],
    retryable?: (err: unknown) => boolean,
  ): Promise<unknown> {
    try {
      return await withRetry(() => this.client.send(method, params), {
        ...this.retry,
        signal: this.abort.signal,
        isRetryable: retryable,
        onRetry: (err, attempt, delayMs) =>
          this.log.warn({ method, attempt, delayMs, err: classifyEthError(err, method) }, 'eth rpc retry'),
      });
    } catch (err) {
      throw classifyEthError(err, method);
    }
  }

  private async header(height: number): Promise<Header> {
    const full = this.watchedAny.size > 0;
    const block = await this.call('eth_getBlockByNumber', [hex(height), full]);
    if (block === null) throw new EthSourceError(`block ${height} not found (the chain got shorter?)`, true);
    const what = `block ${height}`;
    if (!isRpcObject(block) || rpcSafeInt(block.number, `${what} number`) !== height) {
      throw new EthSourceError(`${what}: the node answered another block`);
    }
    const header: Header = {
      height,
      hash: rpcHash(block.hash, `${what} hash`),
      parentHash: rpcHash(block.parentHash, `${what} parentHash`),
      candidates: [],
    };
    if (!full || !Array.isArray(block.transactions)) return header;
    for (const tx of block.transactions) {
      if (!isRpcObject(tx)) throw new EthSourceError(`${what}: transactions are not objects`);
      const to = lower(tx.to);
      // Contract creations (to: null) pay no watched address.
      if (to === null || !this.watchedAny.has(to)) continue;
      const value = rpcQuantity(tx.value, `${what} tx value`);
      if (value > 0n) header.candidates.push({ tx: rpcHash(tx.hash, `${what} tx hash`), to, value });
    }
    return header;
  }

  /** The receipt of `tx`, mined in block `blockHash`: fetched once per `blocks()` call. */
  private async receiptIn(
    receipts: Receipts,
    tx: string,
    blockHash: string,
  ): Promise<Record<string, unknown>> {
    let pending = receipts.get(tx);
    if (!pending) receipts.set(tx, (pending = this.call('eth_getTransactionReceipt', [tx])));
    const receipt = await pending;
    if (!isRpcObject(receipt)) throw chainChanged(`no receipt for ${tx}`);
    if (lower(receipt.blockHash) !== blockHash) throw chainChanged(`receipt of ${tx}`);
    return receipt;
  }

  /**
   * A transfer's index among the logs of its own transaction (receipt order), its deposit's `n`.
   * Its block-wide log index is not an id: a reorg that re-mines the transaction at another place
   * in a block moves it, and every other transfer's with it. Counted among all the transaction's
   * logs, whatever eth_getLogs was asked for, so that neither the watched addresses, the
   * configured tokens nor the topic filter (MAX_TOPIC_ADDRESSES) change it.
   */
  private async ordinal(t: Transfer, receipts: Receipts): Promise<number> {
    const receipt = await this.receiptIn(receipts, t.txHash, t.blockHash);
    const logs = Array.isArray(receipt.logs) ? receipt.logs : [];
    const what = `receipt of ${t.txHash} log`;
    const k = logs.findIndex((l) => isRpcObject(l) && rpcSafeInt(l.logIndex, what) === t.logIndex);
    if (k < 0) throw chainChanged(`log ${t.txHash}:${t.logIndex} is not in its receipt`);
    return k;
  }

  /** Native deposits, in block order: the candidates whose receipt says success (status 1). */
  private async confirmedNative(headers: Header[], receipts: Receipts): Promise<ScannedDeposit[]> {
    const candidates = headers.flatMap((h) => h.candidates.map((c) => ({ ...c, header: h })));
    const ok = await mapLimit(candidates, RECEIPTS_PARALLEL, async (c) => {
      const receipt = await this.receiptIn(receipts, c.tx, c.header.hash);
      if (receipt.status === undefined) {
        throw new EthSourceError(
          `receipt of ${c.tx} has no status (pre-Byzantium block?); cannot tell if it failed`,
        );
      }
      const success = rpcQuantity(receipt.status, `receipt of ${c.tx} status`) === 1n;
      if (!success) {
        this.log.info({ tx: c.tx, address: c.to, height: c.header.height }, 'eth: failed tx not credited');
      }
      return success;
    });
    return candidates
      .filter((_, i) => ok[i])
      .map((c) => ({
        coin_type: 'ETH',
        address: c.to,
        value: c.value,
        height: c.header.height,
        tx: c.tx,
        n: 0,
      }));
  }

  /** Transfers of configured tokens to watched addresses in `from..to`, by chunks of logsChunkSize. */
  private async transfers(from: number, to: number): Promise<Transfer[]> {
    if (this.symbolOf.size === 0 || this.watchedAny.size === 0) return [];
    const query: TransferQuery = {
      contracts: [...this.symbolOf.keys()],
      toTopics: this.watchedAny.size > this.maxTopicAddresses ? null : [...this.watchedAny].map(addressTopic),
      onSplit: (a, b) => this.log.debug({ from: a, to: b }, 'eth_getLogs range too large; splitting'),
    };
    const call: RpcCall = (method, params, retryable) => this.call(method, params, retryable);
    const out: Transfer[] = [];
    for (let a = from; a <= to; a += this.logsChunkSize) {
      for (const t of await getTransferLogs(call, a, Math.min(to, a + this.logsChunkSize - 1), query)) {
        // Only the configured contracts: anyone can deploy a contract emitting Transfer events.
        const symbol = this.symbolOf.get(t.contract);
        // Zero-value transfers credit nothing; they are the tool of address-poisoning spam.
        if (symbol !== undefined && t.value > 0n && this.watchedAny.has(t.to)) {
          out.push({ ...t, symbol });
        }
      }
    }
    return out;
  }
}

import { btcOutputScript } from '../chains/bitcoin/address';
import { parseBlockHex } from '../chains/bitcoin/block-parser';
import { BtcRpcClient, RpcError, type BtcRpcOptions } from '../chains/bitcoin/rpc';
import { ScriptIndex } from '../chains/bitcoin/script-index';
import type { Network } from '../config/types';
import type { ScannedDeposit } from '../core/deposit';
import { TellerError, type TellerErrorOptions, errorMessage } from '../util/errors';
import type { Logger } from '../util/logger';
import type { BlockSource, SourceBlock } from './types';

/**
 * Bitcoin blocks for the scanner engine, from a Core-compatible node (bitcoind, bcoin). Blocks are
 * fetched raw (`getblock <hash> 0`) and parsed in-process; watched addresses are indexed by their
 * scriptPubKey, so every address format (and any node's address rendering) matches the same way.
 */

/** `getblockchaininfo.chain` values each configured network accepts. */
const CHAINS: Record<Network, readonly string[]> = {
  mainnet: ['main'],
  // testnet3, testnet4 and signet share the testnet address formats.
  testnet: ['test', 'testnet4', 'signet'],
  regtest: ['regtest'],
};

/** Blocks fetched at once within one `blocks()` call. */
const FETCH_PARALLEL = 4;

export class BtcSourceError extends TellerError {
  constructor(message: string, retryable = false, options?: TellerErrorOptions) {
    super('btc_source', message, retryable, options);
  }
}

export interface BtcSourceOptions {
  /** The node client, or the `btc_rpc` settings to build one from. */
  rpc: BtcRpcClient | BtcRpcOptions;
  network: Network;
  log: Logger;
}

export class BtcSource implements BlockSource {
  readonly chain = 'BTC';
  readonly coins = ['BTC'] as const;
  private readonly rpc: BtcRpcClient;
  private readonly network: Network;
  private readonly log: Logger;
  private readonly scripts = new ScriptIndex();

  constructor(opts: BtcSourceOptions) {
    this.rpc = opts.rpc instanceof BtcRpcClient ? opts.rpc : new BtcRpcClient({ ...opts.rpc, log: opts.log });
    this.network = opts.network;
    this.log = opts.log;
  }

  async init(): Promise<void> {
    const info = await this.rpc.getBlockchainInfo();
    if (!CHAINS[this.network].includes(info.chain)) {
      throw new BtcSourceError(
        `btc_rpc ${this.rpc.endpoint} is on chain "${info.chain}" but btc_scanner.network is ${this.network} ` +
          `(expects ${CHAINS[this.network].map((c) => `"${c}"`).join(' or ')})`,
      );
    }
    // Raw blocks are all the scanner reads; a pruned or restricted node fails here, not mid-scan.
    try {
      await this.rpc.getBlockHex(info.bestblockhash);
    } catch (err) {
      if (err instanceof TellerError && err.retryable) throw err;
      throw new BtcSourceError(
        `btc_rpc ${this.rpc.endpoint}: getblock <hash> 0 fails: ${errorMessage(err)}`,
        false,
        {
          cause: err,
        },
      );
    }
    this.log.info({ endpoint: this.rpc.endpoint, chain: info.chain, blocks: info.blocks }, 'btc node ready');
  }

  watch(coin: string, address: string): void {
    if (coin !== 'BTC') throw new BtcSourceError(`the BTC source cannot watch ${coin} address ${address}`);
    this.scripts.add(btcOutputScript(address, this.network), address);
  }

  tipHeight(): Promise<number> {
    return this.rpc.getBlockCount();
  }

  hashAt(height: number): Promise<string | null> {
    return this.rpc.getBlockHash(height);
  }

  async blocks(from: number, to: number): Promise<SourceBlock[]> {
    if (to < from) return [];
    let hashes: string[];
    try {
      hashes = await this.rpc.getBlockHashes(from, to);
    } catch (err) {
      // -8: the tip moved down since tipHeight() (a reorg under way); the next poll sorts it out.
      if (err instanceof RpcError && err.rpcCode === -8) {
        throw new BtcSourceError(`blocks ${from}..${to}: some are above the node's tip now (reorg?)`, true, {
          cause: err,
        });
      }
      throw err;
    }
    const out = new Array<SourceBlock>(hashes.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < hashes.length) {
        const i = next++;
        out[i] = await this.block(from + i, hashes[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(FETCH_PARALLEL, hashes.length) }, worker));
    return out;
  }

  private async block(height: number, hash: string): Promise<SourceBlock> {
    const parsed = parseBlockHex(await this.rpc.getBlockHex(hash), this.scripts);
    if (parsed.hash !== hash) {
      throw new BtcSourceError(`block ${height}: node sent block ${parsed.hash} for hash ${hash}`, true);
    }
    const deposits: ScannedDeposit[] = parsed.matched.map((m) => ({
      coin_type: 'BTC',
      address: m.address,
      value: m.value,
      height,
      tx: m.txid,
      n: m.n,
    }));
    this.log.debug(
      {
        height,
        hash,
        txs: parsed.txCount,
        outputs: parsed.outputCount,
        other: parsed.otherOutputs,
        deposits: deposits.length,
      },
      'btc block parsed',
    );
    return { height, hash, parentHash: parsed.prevHash, deposits };
  }

  async close(): Promise<void> {
    this.rpc.close();
  }
}

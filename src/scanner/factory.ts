import type { Config } from '../config/types';
import { ethRpcUrl } from '../chains/ethereum/provider';
import type { Store } from '../store/store';
import { TellerError } from '../util/errors';
import type { Logger } from '../util/logger';
import { BtcSource } from './btc-source';
import { ChainScanner } from './engine';
import { EthSource } from './eth-source';
import type { Scanner } from './types';

export interface ScannerFactoryOptions {
  config: Config;
  store: Store;
  log: Logger;
}

/** The real chain scanners for the enabled coins (BTC: bitcoind; ETH + tokens: an EVM node). */
export function createChainScanners(opts: ScannerFactoryOptions): Scanner[] {
  const { config, store, log } = opts;
  if (config.sky_scanner.enabled) {
    throw new TellerError(
      'startup_failed',
      'sky_scanner: SKY deposits are only supported with dummy.scanner = true',
    );
  }
  const scanners: Scanner[] = [];
  if (config.btc_scanner.enabled) {
    const slog = log.child({ chain: 'BTC' });
    const source = new BtcSource({
      rpc: { ...config.btc_rpc, log: slog },
      network: config.btc_scanner.network,
      log: slog,
    });
    scanners.push(new ChainScanner({ source, store, config: config.btc_scanner, log: slog }));
  }
  if (config.eth_scanner.enabled) {
    const slog = log.child({ chain: 'ETH' });
    const source = new EthSource({
      rpc: { url: ethRpcUrl(config.eth_rpc), chainId: config.eth_scanner.chain_id },
      logsChunkSize: config.eth_scanner.logs_chunk_size,
      tokens: config.eth_tokens,
      log: slog,
    });
    scanners.push(new ChainScanner({ source, store, config: config.eth_scanner, log: slog }));
  }
  return scanners;
}

import type { BtcScannerConfig, Config } from '../config/types';
import type { Store } from '../store/store';
import type { Logger } from '../util/logger';
import { BtcSource } from './btc-source';
import { ChainScanner } from './engine';

/** Scanners: the shared engine (cursor, confirmations, reorgs) and the chain sources behind it. */
export { BtcSource, BtcSourceError, type BtcSourceOptions } from './btc-source';
export { ChainScanner, ScannerChainError, type ChainScannerOptions } from './engine';
export type { Cursor, HandedDeposit, SeenDeposit } from './engine-state';
export type { BlockRef, BlockSource, DepositHandler, Scanner, ScannerStatus, SourceBlock } from './types';

/** The BTC scanner as the daemon runs it: a ChainScanner over a BtcSource on `btc_rpc`. */
export function createBtcScanner(opts: {
  rpc: Config['btc_rpc'];
  config: BtcScannerConfig;
  store: Store;
  log: Logger;
}): ChainScanner {
  const source = new BtcSource({
    rpc: opts.rpc,
    network: opts.config.network,
    log: opts.log.child({ chain: 'BTC' }),
  });
  return new ChainScanner({ source, store: opts.store, config: opts.config, log: opts.log });
}

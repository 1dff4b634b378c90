import type { Config } from '../config/types';
import type { Store } from '../store/store';
import { TellerError } from '../util/errors';
import type { Logger } from '../util/logger';
import type { Scanner } from './types';

export interface ScannerFactoryOptions {
  config: Config;
  store: Store;
  log: Logger;
  cwd: string;
}

/** The real chain scanners for the enabled coins (BTC: bitcoind; ETH + tokens: an EVM node). */
export async function createChainScanners(opts: ScannerFactoryOptions): Promise<Scanner[]> {
  const { config } = opts;
  if (config.sky_scanner.enabled) {
    throw new TellerError('startup_failed', 'sky_scanner: SKY deposits are only supported with dummy.scanner = true');
  }
  const scanners: Scanner[] = [];
  if (config.btc_scanner.enabled || config.eth_scanner.enabled) {
    throw new TellerError('startup_failed', 'real chain scanners are not wired yet');
  }
  return scanners;
}

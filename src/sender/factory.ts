import type { Config } from '../config/types';
import type { Store } from '../store/store';
import type { Logger } from '../util/logger';
import { openEvmSender } from './evm-sender';
import { SkycoinSender } from './skycoin-sender';
import type { Sender } from './types';

export interface SenderFactoryOptions {
  config: Config;
  store: Store;
  log: Logger;
}

/** The real payout sender for `payout.coin` (dummy.sender = true uses the DummySender instead). */
export async function createSender(opts: SenderFactoryOptions): Promise<Sender> {
  const { config, store, log } = opts;
  if (config.payout.coin === 'SKY') return SkycoinSender.open({ config, log, store });
  return openEvmSender(config.payout, store, log);
}

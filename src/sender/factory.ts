import type { Config } from '../config/types';
import type { Store } from '../store/store';
import { TellerError } from '../util/errors';
import type { Logger } from '../util/logger';
import type { Sender } from './types';

export interface SenderFactoryOptions {
  config: Config;
  store: Store;
  log: Logger;
  cwd: string;
}

/** The real payout sender for `payout.coin` (dummy.sender = true uses the DummySender instead). */
export async function createSender(opts: SenderFactoryOptions): Promise<Sender> {
  throw new TellerError('startup_failed', `payout.coin = ${opts.config.payout.coin}: real senders are not wired yet`);
}

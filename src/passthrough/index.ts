import type { Config } from '../config/types';
import type { Store } from '../store/store';
import type { Logger } from '../util/logger';
import { SimulatedExchange } from './simulated-exchange';
import { simulatedOptions } from './simulated-options';
import type { ExchangeClient } from './types';

/** The passthrough area: exchange clients (ccxt, simulated) and the order processor. */
export { SimulatedExchange, SIM_MODES, isSimMode, type SimMode } from './simulated-exchange';
export { simulatedOptions, SIM_AMOUNT_DECIMALS, SIM_QUOTE_BALANCE } from './simulated-options';
export { createPassthroughProcessor, INSUFFICIENT_BALANCE_TEXT, type PassthroughService } from './processor';
export type { PassthroughOptions } from './context';
export { HANDLED_PREFIX } from './admin';
export { clientOrderIdFor } from './client-order-id';
export * from './errors';
export type * from './types';

/**
 * The exchange client `sky_exchanger.passthrough.exchange` names: 'simulated' (state in `store`)
 * or a ccxt exchange id. Throws ExchangeAuthError when a real exchange has no keys, and
 * PassthroughStateError for an unknown id.
 */
export async function createExchangeClient(opts: {
  config: Config;
  store: Store;
  log: Logger;
  env?: Readonly<Record<string, string | undefined>>;
}): Promise<ExchangeClient> {
  const p = opts.config.sky_exchanger.passthrough;
  if (p.exchange === 'simulated') return SimulatedExchange.open(opts.store, simulatedOptions(opts.config));
  // ccxt (hundreds of exchanges, ~40 MB, ~0.4 s) loads only when a real exchange is configured.
  const { CcxtExchangeClient, createCcxtExchange } = await import('./ccxt-client.js');
  return new CcxtExchangeClient(createCcxtExchange(p, opts.env), { fee: p.fee, log: opts.log });
}

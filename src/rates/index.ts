import type { Config } from '../config/types';
import { SIMULATED_SOURCE } from '../config/validate-rates';
import type { RateBook } from '../exchange/rates';
import type { Logger } from '../util/logger';
import { MarketFeed } from './market-feed';
import {
  CcxtTickerSource,
  ccxtTickerApi,
  SimulatedMarket,
  SimulatedSource,
  type PriceSource,
} from './sources';

/** Market-following rates (issue 20): price sources, the maths, the feed that drives the RateBook. */
export { MarketFeed, type CoinMarketStatus, type FeedObserver } from './market-feed';
export { PriceSourceError, SimulatedMarket } from './sources';

/**
 * The feed for config.market_rates (undefined when there is none) and the simulated market its
 * `simulated*` sources read (undefined when none is configured). Throws PriceSourceError for an
 * unknown ccxt id (the caller makes it a config problem).
 */
export async function createMarketFeed(
  config: Config,
  rates: RateBook,
  log: Logger,
): Promise<{ feed?: MarketFeed; market?: SimulatedMarket }> {
  if (config.market_rates.length === 0) return {};
  let market: SimulatedMarket | undefined;
  const sources = new Map<string, PriceSource[]>();
  for (const m of config.market_rates) {
    const own: PriceSource[] = [];
    for (const name of m.sources) {
      if (SIMULATED_SOURCE.test(name)) {
        // Every simulated source starts at the coin's fixed config rate.
        market ??= new SimulatedMarket((coin) => rates.state(coin)?.config_rate);
        own.push(new SimulatedSource(name, market));
      } else {
        own.push(new CcxtTickerSource(await ccxtTickerApi(name), m.symbol));
      }
    }
    sources.set(m.coin, own);
  }
  return { feed: new MarketFeed(config.market_rates, sources, rates, log), market };
}

import type { Config } from '../config/types';
import { parseRate } from '../core/amounts';
import { depositCoins } from '../exchange/coins';
import type { SimulatedExchangeOptions } from './simulated-exchange';

/** Filled amounts of the simulated exchange: C2CX's SKY volume precision (teller#233). */
export const SIM_AMOUNT_DECIMALS = 2;
/** The simulated account starts with this many quote coins. */
export const SIM_QUOTE_BALANCE = '1000';

/** The simulated exchange as the config describes it: the coin's rate as price, teller's minimum. */
export function simulatedOptions(config: Config): SimulatedExchangeOptions {
  const p = config.sky_exchanger.passthrough;
  const quote = p.symbol.split('/')[1] ?? '';
  const coin = depositCoins(config).get(quote);
  // Validation has parsed every non-empty rate; an unset one starts the price at 1.
  const price = coin && coin.rate !== '' ? parseRate(coin.rate).toFixed(8) : '1';
  return {
    symbol: p.symbol,
    quoteDecimals: coin?.decimals ?? 8,
    amountDecimals: SIM_AMOUNT_DECIMALS,
    minCost: quote === 'BTC' ? config.sky_exchanger.c2cx.btc_minimum_volume : '0',
    fee: p.fee,
    price,
    quoteBalance: SIM_QUOTE_BALANCE,
  };
}

import { skycoinAddressError } from '../../src/chains/skycoin/address';
import { defaultConfig } from '../../src/config';
import type { Config } from '../../src/config/types';
import { depositCoins } from '../../src/exchange/coins';
import type { DepositStore } from '../../src/exchange/deposit-store';
import { Exchange } from '../../src/exchange/exchange';
import { DummySender } from '../../src/sender/dummy-sender';
import type { Store } from '../../src/store/store';
import { silentLogger } from '../../src/util/logger';

/** Defaults with teller's example rates (500 / 100 / 1) and a fast confirmation poll. */
export function exchangeConfig(): Config {
  const cfg = defaultConfig();
  cfg.sky_exchanger.sky_btc_exchange_rate = '500';
  cfg.sky_exchanger.sky_eth_exchange_rate = '100';
  cfg.sky_exchanger.sky_sky_exchange_rate = '1';
  cfg.sky_exchanger.tx_confirmation_check_wait_ms = 20;
  return cfg;
}

/** A started Exchange on `store` paying SKY through the (persisted) dummy sender. */
export async function startExchange(
  store: Store,
  deposits: DepositStore,
  cfg: Config = exchangeConfig(),
): Promise<{ exchange: Exchange; sender: DummySender }> {
  const sender = await DummySender.open(store, {
    coin: 'SKY',
    decimals: 6,
    addressError: skycoinAddressError,
  });
  const exchange = new Exchange({
    config: cfg,
    deposits,
    sender,
    coins: depositCoins(cfg),
    log: silentLogger(),
  });
  await exchange.start();
  return { exchange, sender };
}

import type { Config } from '../config/types';
import type { PoolCoin } from '../pool';

/** A coin buyers can deposit: its base-unit decimals, its rate, and the pool its addresses come from. */
export interface DepositCoin {
  symbol: string;
  decimals: number;
  /**
   * Payout coins per 1 deposit coin (teller's rate syntax), now: the config's value, or the one an
   * operator set at run time. RateBook (rates.ts) is its one writer after start.
   */
  rate: string;
  /** The config key the rate comes from, as config problems name it. */
  rateKey: string;
  /** `<coin>_scanner.enabled` (tokens: the ETH scanner). */
  enabled: boolean;
  /** Deposit addresses come from this pool (tokens share the ETH pool). */
  pool: PoolCoin;
  confirmations_required: number;
}

/** BTC, ETH, SKY (teller's three) and every configured ERC-20 token. */
export function depositCoins(cfg: Config): Map<string, DepositCoin> {
  const coins = new Map<string, DepositCoin>([
    [
      'BTC',
      {
        symbol: 'BTC',
        decimals: 8,
        rate: cfg.sky_exchanger.sky_btc_exchange_rate,
        rateKey: 'sky_exchanger.sky_btc_exchange_rate',
        enabled: cfg.btc_scanner.enabled,
        pool: 'BTC',
        confirmations_required: cfg.btc_scanner.confirmations_required,
      },
    ],
    [
      'ETH',
      {
        symbol: 'ETH',
        decimals: 18,
        rate: cfg.sky_exchanger.sky_eth_exchange_rate,
        rateKey: 'sky_exchanger.sky_eth_exchange_rate',
        enabled: cfg.eth_scanner.enabled,
        pool: 'ETH',
        confirmations_required: cfg.eth_scanner.confirmations_required,
      },
    ],
    [
      'SKY',
      {
        symbol: 'SKY',
        decimals: 6,
        rate: cfg.sky_exchanger.sky_sky_exchange_rate,
        rateKey: 'sky_exchanger.sky_sky_exchange_rate',
        enabled: cfg.sky_scanner.enabled,
        pool: 'SKY',
        confirmations_required: cfg.sky_scanner.confirmations_required,
      },
    ],
  ]);
  cfg.eth_tokens.forEach((t, i) => {
    coins.set(t.symbol, {
      symbol: t.symbol,
      decimals: t.decimals,
      rate: t.exchange_rate,
      rateKey: `eth_tokens[${i}].exchange_rate`,
      enabled: cfg.eth_scanner.enabled,
      pool: 'ETH',
      confirmations_required: cfg.eth_scanner.confirmations_required,
    });
  });
  return coins;
}

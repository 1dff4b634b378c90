import Big from 'big.js';
import { BASE_COINS } from '../core/deposit';
import type { Findings } from './reader';
import type { Config } from './types';

/** `simulated` or `simulated-<name>`: the dummy price sources (src/rates/sources.ts). */
export const SIMULATED_SOURCE = /^simulated(-[a-z0-9]+)?$/;

/**
 * `[[market_rates]]` (issue 20): each names a configured deposit coin once, has sources, and
 * limits that make sense. A simulated source is a dummy part: its price is set over the dummy API,
 * so it needs the dummy sender (DESIGN.md safety rules). ccxt ids are checked at start, when ccxt
 * loads (an unknown one is a config problem there too).
 */
export function validateMarketRates(c: Config, f: Findings): void {
  const coins = new Set<string>([...BASE_COINS, ...c.eth_tokens.map((t) => t.symbol)]);
  const seen = new Set<string>();
  c.market_rates.forEach((m, i) => {
    const key = `market_rates[${i}]`;
    if (m.coin === '') f.problems.push(`${key}.coin missing`);
    else if (!coins.has(m.coin))
      f.problems.push(`${key}.coin ${m.coin} is not a deposit coin (${[...coins].join(', ')})`);
    else if (seen.has(m.coin)) f.problems.push(`${key}.coin ${m.coin} is listed twice`);
    seen.add(m.coin);
    if (m.sources.length === 0) f.problems.push(`${key}.sources: name at least one price source`);
    const ccxt = m.sources.filter((s) => !SIMULATED_SOURCE.test(s));
    if (ccxt.length < m.sources.length && !c.dummy.sender) {
      f.problems.push(
        `${key}.sources: a simulated source's price is set over the dummy API; it needs dummy.sender = true`,
      );
    }
    if (ccxt.length > 0) {
      const [base = '', quote = '', ...rest] = m.symbol.split('/');
      if (m.symbol === '') f.problems.push(`${key}.symbol missing (the ccxt market, such as "SKY/BTC")`);
      else if (rest.length > 0 || (base !== m.coin && quote !== m.coin) || base === quote)
        f.problems.push(`${key}.symbol must be BASE/QUOTE with ${m.coin} on one side, got "${m.symbol}"`);
    }
    if (new Big(m.spread_percent).gte(100)) f.problems.push(`${key}.spread_percent must be below 100`);
    if (m.max_age_ms <= 0) f.problems.push(`${key}.max_age must be more than 0`);
    if (m.poll_interval_ms <= 0) f.problems.push(`${key}.poll_interval must be more than 0`);
    else if (m.poll_interval_ms >= m.max_age_ms)
      f.problems.push(
        `${key}.poll_interval must be shorter than max_age (prices would go stale between polls)`,
      );
    if (new Big(m.max_move_percent).gt(0) && m.move_window_ms <= 0)
      f.problems.push(`${key}.move_window must be more than 0 when max_move_percent is set`);
  });
  if (c.market_rates.length > 0 && c.sky_exchanger.buy_method === 'passthrough') {
    f.warnings.push(
      'market_rates: passthrough deposits are paid what the exchange order buys, not at a rate',
    );
  }
}

import type { AppContext } from './context';

/**
 * The start-up summary an operator reads first (the whole config is logged at debug): which mode,
 * where it listens, which coins it takes with how many confirmations, what it pays with, and how
 * many deposit addresses each pool has left.
 */
export interface StartupSummary {
  mode: string;
  listeners: Record<string, string>;
  coins: Record<string, string>;
  payout: string;
  pools: Record<string, string>;
  buy_method: string;
  send_enabled: boolean;
}

/** What the summary reads of the daemon. */
export type SummaryContext = Pick<AppContext, 'config' | 'coins' | 'pools' | 'sender' | 'simulatedExchange'>;

function modeOf(ctx: Pick<AppContext, 'config'>): string {
  const { scanner, sender } = ctx.config.dummy;
  if (scanner && sender) {
    return 'DUMMY MODE: deposits come from the dummy API and payouts are simulated; no real coins move';
  }
  if (scanner) return 'DUMMY SCANNER: deposits come from the dummy API, but payouts are REAL';
  if (sender) return 'DUMMY SENDER: deposits are scanned from real chains, payouts are simulated';
  return 'live: real chain scanners and real payouts';
}

export function startupSummary(ctx: SummaryContext, listeners: Record<string, string>): StartupSummary {
  const coins: Record<string, string> = {};
  for (const [symbol, c] of ctx.coins) {
    if (c.enabled) coins[symbol] = `confirmations ${c.confirmations_required}`;
  }
  const urls: Record<string, string> = {};
  for (const [name, address] of Object.entries(listeners)) {
    urls[name] = `${name === 'public-https' ? 'https' : 'http'}://${address}/`;
  }
  const pools: Record<string, string> = {};
  for (const [coin, pool] of ctx.pools) pools[coin] = `${pool.remaining()} of ${pool.total()} addresses left`;
  const { sender, simulatedExchange } = ctx;
  const buyMethod = ctx.config.sky_exchanger.buy_method;
  return {
    mode: modeOf(ctx),
    listeners: urls,
    coins,
    payout: `${sender.coin}, by the ${sender.kind === 'dummy' ? 'dummy sender' : `${sender.kind} sender`}`,
    pools,
    buy_method:
      buyMethod === 'passthrough'
        ? `passthrough on ${simulatedExchange ? 'the SIMULATED exchange' : ctx.config.sky_exchanger.passthrough.exchange}`
        : 'direct',
    send_enabled: ctx.config.sky_exchanger.send_enabled,
  };
}

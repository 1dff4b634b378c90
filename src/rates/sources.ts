import Big from 'big.js';
import { TellerError, type TellerErrorOptions } from '../util/errors';
import type { Quote } from './pricing';

/**
 * Where market prices come from (issue 20): ccxt tickers (public endpoints, no keys; ccxt loads only
 * when a ccxt source is configured, as for passthrough), and the simulated market of dummy mode and
 * tests, whose prices the dummy API sets. Every source answers in payout coins per deposit coin.
 */

export class PriceSourceError extends TellerError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('price_source', message, true, options);
  }
}

export interface PriceSource {
  readonly name: string;
  /** The coin's price now, in payout coins per deposit coin; throws PriceSourceError. */
  quote(coin: string): Promise<Quote>;
}

interface SimPrice {
  price: Big;
  /** A fixed time for the price (a stale market); undefined = it is quoted as of each request. */
  at?: number;
}

/**
 * The simulated market: one price per (source, coin), set over the dummy API. A price set without
 * an age is live (each quote is as of now); with an age its time stays fixed, so it goes stale.
 * A source without a price for a coin starts at `initial` (the coin's fixed config rate).
 */
export class SimulatedMarket {
  private readonly prices = new Map<string, SimPrice>();

  constructor(
    private readonly initial: (coin: string) => string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  set(source: string, coin: string, price: string, ageMs?: number): void {
    let p: Big;
    try {
      p = new Big(price);
    } catch {
      throw new PriceSourceError(`invalid price "${price}"`);
    }
    if (p.lte(0)) throw new PriceSourceError('price must be greater than 0');
    this.prices.set(`${source}!${coin}`, {
      price: p,
      at: ageMs === undefined ? undefined : this.now() - ageMs,
    });
  }

  get(source: string, coin: string): Quote {
    const p = this.prices.get(`${source}!${coin}`);
    if (p !== undefined) return { source, price: p.price, at: p.at ?? this.now() };
    const initial = this.initial(coin);
    if (initial === undefined || initial === '')
      throw new PriceSourceError(`simulated source ${source} has no ${coin} price`);
    return { source, price: new Big(initial), at: this.now() };
  }

  /** Every price set so far, for the dummy API. */
  list(): { source: string; coin: string; price: string; at: number | null }[] {
    return [...this.prices].map(([key, p]) => {
      const [source = '', coin = ''] = key.split('!');
      return { source, coin, price: p.price.toFixed(), at: p.at ?? null };
    });
  }
}

export class SimulatedSource implements PriceSource {
  constructor(
    readonly name: string,
    private readonly market: SimulatedMarket,
  ) {}

  quote(coin: string): Promise<Quote> {
    return Promise.resolve().then(() => this.market.get(this.name, coin));
  }
}

/** The part of a ccxt exchange a ticker source uses (a fake in tests). */
export interface TickerApi {
  readonly id: string;
  fetchTicker(
    symbol: string,
  ): Promise<{ bid?: number | null; ask?: number | null; last?: number | null; timestamp?: number | null }>;
}

const decimal = (n: number | null | undefined): Big | undefined =>
  typeof n === 'number' && Number.isFinite(n) && n > 0 ? new Big(String(n)) : undefined;

/**
 * A ccxt ticker for `symbol` (`BASE/QUOTE`, quote per base). The operator sells the payout coin:
 * with the deposit coin as quote (`SKY/BTC`) the price is 1/ask (buying the payout coin back at
 * the ask); with the deposit coin as base (`BTC/USDT`) it is the bid (selling the deposit coin).
 * `last` stands in for a missing side.
 */
export class CcxtTickerSource implements PriceSource {
  readonly name: string;

  constructor(
    private readonly api: TickerApi,
    private readonly symbol: string,
    private readonly now: () => number = Date.now,
  ) {
    this.name = api.id;
  }

  async quote(coin: string): Promise<Quote> {
    const [base, quote] = this.symbol.split('/');
    let t;
    try {
      t = await this.api.fetchTicker(this.symbol);
    } catch (err) {
      throw new PriceSourceError(
        `${this.name} ${this.symbol} ticker: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    const at = typeof t.timestamp === 'number' && t.timestamp > 0 ? t.timestamp : this.now();
    if (quote === coin) {
      const ask = decimal(t.ask) ?? decimal(t.last);
      if (!ask) throw new PriceSourceError(`${this.name} ${this.symbol} ticker has no ask or last price`);
      const inv = Big();
      inv.DP = 40;
      inv.RM = Big.roundDown;
      return { source: this.name, price: new inv(1).div(ask), at };
    }
    if (base === coin) {
      const bid = decimal(t.bid) ?? decimal(t.last);
      if (!bid) throw new PriceSourceError(`${this.name} ${this.symbol} ticker has no bid or last price`);
      return { source: this.name, price: bid, at };
    }
    throw new PriceSourceError(`${this.symbol} does not trade ${coin}`);
  }
}

/** A public (keyless) ccxt exchange for tickers; throws PriceSourceError for an unknown id. */
export async function ccxtTickerApi(id: string): Promise<TickerApi> {
  // ccxt (~40 MB, ~0.4 s) loads only when a ccxt price source is configured.
  const ccxt = await import('ccxt');
  const ctor: unknown = /^[a-z0-9]+$/.test(id) ? (ccxt as unknown as Record<string, unknown>)[id] : undefined;
  if (typeof ctor !== 'function' || !(ctor.prototype instanceof ccxt.Exchange))
    throw new PriceSourceError(`unknown ccxt exchange "${id}"`);
  const Ctor = ctor as new (config: Record<string, unknown>) => TickerApi;
  return new Ctor({ enableRateLimit: true });
}

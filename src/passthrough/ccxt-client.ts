import * as ccxt from 'ccxt';
import type { Exchange, Fee, MarketInterface, Order } from 'ccxt';
import type { PassthroughConfig } from '../config/types';
import type { Logger } from '../util/logger';
import { mapCcxtError, type CallKind, type ErrorQuirks } from './ccxt-errors';
import { ExchangeAuthError, OrderNotFoundError, PassthroughStateError } from './errors';
import type {
  ExchangeClient,
  ExchangeOrder,
  MarketBuyRequest,
  MarketInfo,
  OrderFee,
  OrderStatus,
} from './types';
import { ORDER_STATUSES } from './types';
import { stepDecimals } from './units';

/** Environment variables that supply the exchange keys when the config leaves them empty. */
export const EXCHANGE_KEY_ENV = 'TELLER_EXCHANGE_KEY';
export const EXCHANGE_SECRET_ENV = 'TELLER_EXCHANGE_SECRET';

type Params = Record<string, string>;

/** How one exchange is driven through ccxt: what it needs beyond the unified API. */
interface ExchangeProfile {
  /** ccxt options that keep start-up to the one spot-markets request (no currencies, margins, time). */
  options: Record<string, unknown>;
  quirks: ErrorQuirks;
  /** The quote-amount precision ccxt applies when it sends the spend amount. */
  costPrecision(m: MarketInterface): number | undefined;
  place(ex: Exchange, req: MarketBuyRequest): Promise<Order>;
  lookupParams(clientOrderId: string): Params;
  requestExpiryMs(ex: Exchange): number;
}

/** A request's age after which Binance refuses it: recvWindow (ccxt sends 10 s) plus clock slack. */
const CLOCK_SLACK_MS = 5_000;
const BINANCE_DEFAULT_RECV_WINDOW_MS = 5_000;
/** ccxt's `precisionMode` values (its manual: precision is a tick size, or a count of decimals). */
const DECIMAL_PLACES = 2;
const TICK_SIZE = 4;
/** For exchanges without a documented request expiry, how long an unanswered request is awaited. */
const GENERIC_REQUEST_EXPIRY_MS = 60_000;

/**
 * Binance spot (https://developers.binance.com/docs/binance-spot-api-docs/rest-api): POST
 * /api/v3/order with quoteOrderQty (spend exactly the deposit) and newClientOrderId; GET
 * /api/v3/order?origClientOrderId= to recover an order whose response was lost. Binance keeps a
 * client id unique only among *open* orders, so a filled market order's id may be reused: this
 * is why the processor looks an order up before it ever sends the same request again.
 */
const BINANCE: ExchangeProfile = {
  options: {
    fetchCurrencies: false,
    fetchMargins: false,
    fetchMarkets: { types: ['spot'] },
    adjustForTimeDifference: false,
  },
  quirks: {
    duplicate: /Duplicate order sent/i,
    transient: /"code":-1021\b|Timestamp for this request/i,
    belowMinimum: /NOTIONAL/,
  },
  // ccxt truncates quoteOrderQty to the PRICE_FILTER tick size.
  costPrecision: (m) => m.precision.price,
  place: (ex, req) =>
    ex.createOrder(req.symbol, 'market', 'buy', Number(req.spendAmount), undefined, {
      quoteOrderQty: req.spendAmount,
      newClientOrderId: req.clientOrderId,
    }),
  lookupParams: (id) => ({ origClientOrderId: id }),
  requestExpiryMs: (ex) =>
    (typeof ex.options['recvWindow'] === 'number'
      ? ex.options['recvWindow']
      : BINANCE_DEFAULT_RECV_WINDOW_MS) + CLOCK_SLACK_MS,
};

/** Any other ccxt exchange that can market-buy for a quote amount and find orders by client id. */
const GENERIC: ExchangeProfile = {
  options: {},
  quirks: {},
  costPrecision: (m) => m.precision.cost ?? m.precision.price,
  place: (ex, req) =>
    ex.createMarketBuyOrderWithCost(req.symbol, Number(req.spendAmount), {
      clientOrderId: req.clientOrderId,
    }),
  lookupParams: (id) => ({ clientOrderId: id }),
  requestExpiryMs: () => GENERIC_REQUEST_EXPIRY_MS,
};

const PROFILES: Record<string, ExchangeProfile> = { binance: BINANCE };

export interface CcxtClientOptions {
  /** Taker fee fraction from the config; the market's own taker fee when ''. */
  fee: string;
  log: Logger;
}

/** An ExchangeClient over a ccxt exchange instance (its HTTP layer can be replaced in tests). */
export class CcxtExchangeClient implements ExchangeClient {
  readonly name: string;
  readonly requestExpiryMs: number;
  private readonly profile: ExchangeProfile;

  constructor(
    private readonly ex: Exchange,
    private readonly opts: CcxtClientOptions,
  ) {
    this.name = ex.id;
    this.profile = PROFILES[ex.id] ?? GENERIC;
    if (this.profile === GENERIC && ex.has['createMarketBuyOrderWithCost'] !== true) {
      throw new PassthroughStateError(`ccxt exchange ${ex.id} cannot place a market buy for a quote amount`);
    }
    ex.options = { ...ex.options, ...this.profile.options };
    this.requestExpiryMs = this.profile.requestExpiryMs(ex);
  }

  async market(symbol: string): Promise<MarketInfo> {
    const m = await this.call('query', async () => {
      await this.ex.loadMarkets();
      return this.ex.market(symbol);
    });
    if (m.spot !== true)
      throw new PassthroughStateError(`${this.name} market ${symbol} is not a spot market`);
    return {
      symbol: m.symbol,
      base: m.base,
      quote: m.quote,
      amountDecimals: this.decimals(m.precision.amount, symbol, 'amount'),
      costDecimals: this.decimals(this.profile.costPrecision(m), symbol, 'cost'),
      minCost: this.text(m.limits.cost?.min) ?? '0',
      minAmount: this.text(m.limits.amount?.min) ?? '0',
      fee: this.opts.fee !== '' ? this.opts.fee : (this.text(m.taker) ?? '0'),
    };
  }

  async balance(coin: string): Promise<string> {
    const balances = await this.call('query', () => this.ex.fetchBalance());
    return this.text(balances[coin]?.free) ?? '0';
  }

  async marketBuy(req: MarketBuyRequest): Promise<ExchangeOrder> {
    const order = await this.call('place', async () => {
      await this.ex.loadMarkets();
      return this.profile.place(this.ex, req);
    });
    return this.complete(order, req.symbol);
  }

  async fetchOrderByClientId(clientOrderId: string, symbol: string): Promise<ExchangeOrder | undefined> {
    try {
      const order = await this.call('query', () =>
        this.ex.fetchOrder('', symbol, this.profile.lookupParams(clientOrderId)),
      );
      return await this.complete(order, symbol);
    } catch (err) {
      if (err instanceof OrderNotFoundError) return undefined;
      throw err;
    }
  }

  async fetchOrder(orderId: string, symbol: string): Promise<ExchangeOrder> {
    const order = await this.call('query', () => this.ex.fetchOrder(orderId, symbol));
    return this.complete(order, symbol);
  }

  /** Normalises an order; for a finished fill without fee data, reads the fees off its trades. */
  private async complete(o: Order, symbol: string): Promise<ExchangeOrder> {
    const status = normaliseStatus(o.status);
    const filled = this.text(o.filled) ?? '0';
    let fees = this.fees((o as Order & { fees?: Fee[] }).fees ?? [o.fee]);
    if (
      fees.length === 0 &&
      status !== 'open' &&
      Number(filled) > 0 &&
      this.ex.has['fetchOrderTrades'] === true
    ) {
      const id = o.id ?? '';
      const trades = await this.call('query', () => this.ex.fetchOrderTrades(id, symbol));
      fees = this.fees(trades.flatMap((t) => (t as { fees?: Fee[] }).fees ?? [t.fee]));
    }
    if (!isKnownStatus(o.status)) {
      this.opts.log.warn(
        { orderId: o.id, status: o.status },
        'exchange order without a known status: treated as open',
      );
    }
    return {
      id: o.id ?? '',
      clientOrderId: o.clientOrderId ?? '',
      symbol,
      status,
      filled,
      cost: this.text(o.cost) ?? '0',
      average: this.text(o.average) ?? '',
      fees: fees.length > 0 ? fees : undefined,
      timestamp: o.timestamp ?? 0,
      raw: JSON.stringify(o.info ?? null),
    };
  }

  /** Fees summed per currency, as decimal strings; entries without a cost are dropped. */
  private fees(list: Fee[]): OrderFee[] {
    const sums = new Map<string, string>();
    for (const f of list) {
      const cost = this.text(f?.cost);
      if (f === undefined || cost === undefined || !f.currency) continue;
      const sum = sums.get(f.currency);
      sums.set(f.currency, sum === undefined ? cost : (ccxt.Precise.stringAdd(sum, cost) ?? sum));
    }
    return [...sums].map(([currency, cost]) => ({ currency, cost }));
  }

  private decimals(precision: number | undefined, symbol: string, what: string): number {
    if (precision === undefined || precision === null) {
      throw new PassthroughStateError(`${this.name} market ${symbol} states no ${what} precision`);
    }
    if (this.ex.precisionMode === TICK_SIZE) return stepDecimals(this.ex.numberToString(precision));
    if (this.ex.precisionMode === DECIMAL_PLACES) return precision;
    throw new PassthroughStateError(`${this.name}: significant-digit precision is not supported`);
  }

  /** A ccxt number as an exact decimal string (no exponent); undefined stays undefined. */
  private text(v: number | undefined | null): string | undefined {
    return v === undefined || v === null ? undefined : this.ex.numberToString(v);
  }

  private async call<T>(kind: CallKind, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapCcxtError(err, kind, this.profile.quirks);
    }
  }
}

const isKnownStatus = (s: string | undefined | null): s is OrderStatus =>
  (ORDER_STATUSES as readonly (string | undefined | null)[]).includes(s);

/** An order in a state ccxt could not name is still being worked on as far as we know. */
const normaliseStatus = (s: string | undefined | null): OrderStatus => (isKnownStatus(s) ? s : 'open');

/**
 * Builds the ccxt exchange named by `sky_exchanger.passthrough.exchange`, with the keys from the
 * config or, when those are empty, from TELLER_EXCHANGE_KEY / TELLER_EXCHANGE_SECRET.
 */
export function createCcxtExchange(
  cfg: PassthroughConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Exchange {
  const id = cfg.exchange;
  const ctor: unknown = /^[a-z0-9]+$/.test(id) ? (ccxt as unknown as Record<string, unknown>)[id] : undefined;
  if (typeof ctor !== 'function' || !(ctor.prototype instanceof ccxt.Exchange)) {
    throw new PassthroughStateError(`unknown ccxt exchange "${id}"`);
  }
  const apiKey = cfg.api_key || env[EXCHANGE_KEY_ENV] || '';
  const secret = cfg.secret || env[EXCHANGE_SECRET_ENV] || '';
  if (apiKey === '' || secret === '') {
    throw new ExchangeAuthError(
      `exchange ${id}: api_key and secret are needed (sky_exchanger.passthrough or ${EXCHANGE_KEY_ENV}/${EXCHANGE_SECRET_ENV})`,
    );
  }
  const Ctor = ctor as new (config: Record<string, unknown>) => Exchange;
  return new Ctor({ apiKey, secret, enableRateLimit: true, options: (PROFILES[id] ?? GENERIC).options });
}

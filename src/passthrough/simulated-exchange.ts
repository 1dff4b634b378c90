import type { Store } from '../store/store';
import { prefixRange, seqKey } from '../store/store';
import { Mutex } from '../util/mutex';
import {
  BelowMinimumError,
  DuplicateOrderError,
  ExchangeUnavailableError,
  InsufficientFundsError,
  OrderNotFoundError,
  OrderRejectedError,
  PassthroughStateError,
} from './errors';
import type { ExchangeClient, ExchangeOrder, MarketBuyRequest, MarketInfo, OrderStatus } from './types';
import {
  BASE_DECIMALS,
  checkAmount,
  checkPrice,
  checkRatio,
  fillAt,
  isWhole,
  orderView,
  type SimMode,
  type SimOrder,
  type SimSettings,
} from './simulated-book';
import { decimalToUnits, mulRate, unitsToDecimal } from './units';

export { SIM_MODES, isSimMode, type SimMode } from './simulated-book';

const SETTINGS_KEY = 'sim!settings';
const ORDER_PREFIX = 'sim!order!';

export interface SimulatedExchangeOptions {
  /** `BASE/QUOTE`: the payout coin bought with the deposit coin. */
  symbol: string;
  /** Decimals of the quote (deposit) coin's base unit: BTC 8. */
  quoteDecimals: number;
  /** Decimals a spend amount may have (default: quoteDecimals; Binance ETH/BTC takes 5). */
  costDecimals?: number;
  /** Decimals of filled amounts (C2CX filled SKY with 2). */
  amountDecimals: number;
  /** Smallest order value in quote coins, decimal. */
  minCost: string;
  /** Fee fraction, charged in the base coin. */
  fee: string;
  /** Starting price: base coins per quote coin (payout coins per deposit coin). */
  price: string;
  /** Starting quote balance, in coins. */
  quoteBalance: string;
}

/**
 * The exchange of dummy mode: market buys against one price, under the tester's control (dummy
 * API /dummy/exchange/...). It behaves as a real exchange does where the processor cares: client
 * order ids are unique, the minimum order value and the amount precision are enforced, the fee is
 * charged in the coin bought, and orders and balances survive a restart (store space
 * `passthrough`, keys `sim!...`).
 *
 * Modes: `fill` fills every order at once; `hold` leaves orders open until /fill or /cancel;
 * `partial` fills `ratio` of the order and expires the rest (as a market order on a thin book);
 * `reject` refuses the next order; `lose` places the next order but fails the call as if the
 * response were lost; `offline` fails every call. `reject` and `lose` apply once, then `fill`.
 */
export class SimulatedExchange implements ExchangeClient {
  readonly name = 'simulated';
  /** In-process: a request that failed never reaches the book later. */
  readonly requestExpiryMs = 0;
  readonly base: string;
  readonly quote: string;
  private readonly mutex = new Mutex();
  private readonly byClientId = new Map<string, SimOrder>();
  private readonly byId = new Map<string, SimOrder>();

  private constructor(
    private readonly store: Store,
    private readonly opts: SimulatedExchangeOptions,
    private settings: SimSettings,
  ) {
    const [base = '', quote = ''] = opts.symbol.split('/');
    this.base = base;
    this.quote = quote;
  }

  /** Loads the simulated exchange's state from `store`, or starts it from `opts`. */
  static async open(store: Store, opts: SimulatedExchangeOptions): Promise<SimulatedExchange> {
    const settings = (await store.get<SimSettings>('passthrough', SETTINGS_KEY)) ?? {
      price: checkPrice(opts.price),
      mode: 'fill',
      ratio: '0.5',
      base_balance: 0n,
      quote_balance: decimalToUnits(opts.quoteBalance, opts.quoteDecimals),
      next_id: 1,
    };
    const sim = new SimulatedExchange(store, opts, settings);
    for (const o of await store.values<SimOrder>('passthrough', prefixRange(ORDER_PREFIX))) sim.remember(o);
    return sim;
  }

  async market(symbol: string): Promise<MarketInfo> {
    this.online();
    this.checkSymbol(symbol);
    return {
      symbol,
      base: this.base,
      quote: this.quote,
      amountDecimals: Math.min(this.opts.amountDecimals, BASE_DECIMALS),
      costDecimals: this.costDecimals,
      minCost: this.opts.minCost,
      minAmount: '0',
      fee: this.opts.fee,
    };
  }

  async balance(coin: string): Promise<string> {
    this.online();
    if (coin === this.base) return unitsToDecimal(this.settings.base_balance, BASE_DECIMALS);
    if (coin === this.quote) return unitsToDecimal(this.settings.quote_balance, this.opts.quoteDecimals);
    return '0';
  }

  marketBuy(req: MarketBuyRequest): Promise<ExchangeOrder> {
    return this.mutex.run(async () => {
      this.online();
      this.checkSymbol(req.symbol);
      if (this.byClientId.has(req.clientOrderId)) {
        throw new DuplicateOrderError(`client order id ${req.clientOrderId} is already used`);
      }
      const spend = this.quoteUnits(req.spendAmount);
      if (spend < decimalToUnits(this.opts.minCost, this.opts.quoteDecimals, 'up') || spend === 0n) {
        throw new BelowMinimumError(
          `order value ${req.spendAmount} ${this.quote} is below the minimum of ${this.opts.minCost}`,
        );
      }
      if (spend > this.settings.quote_balance)
        throw new InsufficientFundsError('account has insufficient balance');
      const mode = this.settings.mode;
      if (mode === 'reject') {
        await this.save({ ...this.settings, mode: 'fill' });
        throw new OrderRejectedError('order rejected by the simulated exchange');
      }
      const now = Date.now();
      const order: SimOrder = {
        id: String(this.settings.next_id),
        client_order_id: req.clientOrderId,
        symbol: req.symbol,
        status: 'open',
        spend,
        filled: 0n,
        cost: 0n,
        fee: 0n,
        created_at: now,
        updated_at: now,
      };
      this.settings = {
        ...this.settings,
        next_id: this.settings.next_id + 1,
        mode: mode === 'lose' ? 'fill' : mode,
      };
      if (mode === 'fill' || mode === 'lose') this.execute(order, spend, 'closed');
      if (mode === 'partial') this.execute(order, mulRate(spend, this.settings.ratio, 'down'), 'expired');
      await this.save(this.settings, order);
      if (mode === 'lose')
        throw new ExchangeUnavailableError('simulated exchange: the response to an order was lost');
      return this.view(order);
    });
  }

  async fetchOrderByClientId(clientOrderId: string, symbol: string): Promise<ExchangeOrder | undefined> {
    this.online();
    this.checkSymbol(symbol);
    const o = this.byClientId.get(clientOrderId);
    return o ? this.view(o) : undefined;
  }

  async fetchOrder(orderId: string, symbol: string): Promise<ExchangeOrder> {
    this.online();
    this.checkSymbol(symbol);
    return this.view(this.order(orderId));
  }

  // ---- control (dummy API) -------------------------------------------------------------------

  state(): { symbol: string; price: string; mode: SimMode; ratio: string; balances: Record<string, string> } {
    return {
      symbol: this.opts.symbol,
      price: this.settings.price,
      mode: this.settings.mode,
      ratio: this.settings.ratio,
      balances: {
        [this.base]: unitsToDecimal(this.settings.base_balance, BASE_DECIMALS),
        [this.quote]: unitsToDecimal(this.settings.quote_balance, this.opts.quoteDecimals),
      },
    };
  }

  orders(): ExchangeOrder[] {
    return [...this.byId.values()].map((o) => this.view(o));
  }

  /** Every order ever placed, including ones whose response was lost (tests count these). */
  orderCount(): number {
    return this.byId.size;
  }

  setPrice(price: string): Promise<void> {
    return this.mutex.run(() => this.save({ ...this.settings, price: checkPrice(price) }));
  }

  setMode(mode: SimMode, ratio?: string): Promise<void> {
    return this.mutex.run(() =>
      this.save({
        ...this.settings,
        mode,
        ratio: ratio === undefined ? this.settings.ratio : checkRatio(ratio),
      }),
    );
  }

  setBalance(coin: string, amount: string): Promise<void> {
    return this.mutex.run(async () => {
      if (coin === this.quote)
        await this.save({ ...this.settings, quote_balance: checkAmount(amount, this.opts.quoteDecimals) });
      else if (coin === this.base)
        await this.save({ ...this.settings, base_balance: checkAmount(amount, BASE_DECIMALS) });
      else throw new PassthroughStateError(`unknown coin ${coin}`, 'sim_invalid');
    });
  }

  /** Fills `ratio` (default all) of what an open order has left to spend; all → closed. */
  fill(orderId: string, ratio = '1'): Promise<ExchangeOrder> {
    return this.mutex.run(async () => {
      const order = this.openOrder(orderId);
      const fraction = checkRatio(ratio);
      const whole = isWhole(fraction);
      const left = order.spend - order.cost;
      this.execute(order, whole ? left : mulRate(left, fraction, 'down'), whole ? 'closed' : 'open');
      await this.save(this.settings, order);
      return this.view(order);
    });
  }

  /** Cancels an open order; what it filled stays filled. */
  cancel(orderId: string): Promise<ExchangeOrder> {
    return this.mutex.run(async () => {
      const order = this.openOrder(orderId);
      order.status = 'canceled';
      order.updated_at = Date.now();
      await this.save(this.settings, order);
      return this.view(order);
    });
  }

  // ---- internals -------------------------------------------------------------------------------

  /** Buys with `spend` quote units at the current price, moves balances, sets the order's status. */
  private execute(order: SimOrder, spend: bigint, status: OrderStatus): void {
    const f = fillAt(
      spend,
      this.settings.price,
      this.opts.quoteDecimals,
      this.opts.amountDecimals,
      this.opts.fee,
    );
    order.filled += f.filled;
    order.cost += f.cost;
    order.fee += f.fee;
    order.status = status;
    order.updated_at = Date.now();
    this.settings = {
      ...this.settings,
      quote_balance: this.settings.quote_balance - f.cost,
      base_balance: this.settings.base_balance + f.filled - f.fee,
    };
  }

  private view(o: SimOrder): ExchangeOrder {
    return orderView(o, this.base, this.opts.quoteDecimals);
  }

  private get costDecimals(): number {
    return Math.min(this.opts.costDecimals ?? this.opts.quoteDecimals, this.opts.quoteDecimals);
  }

  /** A spend amount in quote units; more decimals than the market takes is a rejection. */
  private quoteUnits(amount: string): bigint {
    const units = decimalToUnits(amount, this.costDecimals);
    if (decimalToUnits(amount, this.costDecimals, 'up') !== units) {
      throw new OrderRejectedError(`order value ${amount} has more than ${this.costDecimals} decimals`);
    }
    return units * 10n ** BigInt(this.opts.quoteDecimals - this.costDecimals);
  }

  private order(orderId: string): SimOrder {
    const o = this.byId.get(orderId);
    if (!o) throw new OrderNotFoundError(`order ${orderId} does not exist`);
    return o;
  }

  private openOrder(orderId: string): SimOrder {
    const o = this.order(orderId);
    if (o.status !== 'open')
      throw new PassthroughStateError(`order ${orderId} is ${o.status}, not open`, 'sim_order_not_open');
    return o;
  }

  private online(): void {
    if (this.settings.mode === 'offline') throw new ExchangeUnavailableError('simulated exchange is offline');
  }

  private checkSymbol(symbol: string): void {
    if (symbol !== this.opts.symbol) throw new OrderRejectedError(`unknown market ${symbol}`);
  }

  private remember(o: SimOrder): void {
    this.byId.set(o.id, o);
    this.byClientId.set(o.client_order_id, o);
  }

  private async save(settings: SimSettings, order?: SimOrder): Promise<void> {
    this.settings = settings;
    if (order) this.remember(order);
    await this.store.write([
      { type: 'put', space: 'passthrough', key: SETTINGS_KEY, value: settings },
      ...(order
        ? [
            {
              type: 'put' as const,
              space: 'passthrough' as const,
              key: `${ORDER_PREFIX}${seqKey(Number(order.id))}`,
              value: order,
            },
          ]
        : []),
    ]);
  }
}

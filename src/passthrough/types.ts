/**
 * The exchange a passthrough deposit buys its payout coin on, behind one small interface: a ccxt
 * exchange (ccxt-client.ts) or the simulated one of dummy mode (simulated-exchange.ts). Amounts
 * cross this boundary as decimal strings in coins (`"0.01"` BTC), never as JS numbers.
 */

/** Normalised order states (ccxt's unified statuses). */
export const ORDER_STATUSES = ['open', 'closed', 'canceled', 'rejected', 'expired'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** What the market allows, for a market buy that spends an amount of the quote (deposit) coin. */
export interface MarketInfo {
  /** Unified symbol, `BASE/QUOTE` (`SKY/BTC`): the payout coin bought with the deposit coin. */
  symbol: string;
  base: string;
  quote: string;
  /** Decimals of the base (payout) amount the exchange fills. */
  amountDecimals: number;
  /** Decimals of the quote amount a market buy may spend (more would be cut by the client). */
  costDecimals: number;
  /** Smallest order value in the quote coin, as a decimal ('0' when the exchange states none). */
  minCost: string;
  /** Smallest base amount ('0' when none). */
  minAmount: string;
  /** Taker fee as a fraction (`"0.001"`), used when an order does not report its fee. */
  fee: string;
}

export interface OrderFee {
  /** Decimal amount of `currency`. */
  cost: string;
  currency: string;
}

export interface ExchangeOrder {
  id: string;
  clientOrderId: string;
  symbol: string;
  status: OrderStatus;
  /** Base (payout) coins bought so far, decimal. */
  filled: string;
  /** Quote (deposit) coins spent so far, decimal. */
  cost: string;
  /** Average price in quote per base, decimal ('' before any fill). */
  average: string;
  /** Fees charged, per currency; undefined when the exchange did not say (then the configured rate applies). */
  fees: OrderFee[] | undefined;
  /** Unix ms the exchange gives for the order (0 if unknown). */
  timestamp: number;
  /** The exchange's own JSON for the order, kept verbatim on the deposit. */
  raw: string;
}

export interface MarketBuyRequest {
  /** Deterministic per deposit and attempt (client-order-id.ts), so a retry can be recognised. */
  clientOrderId: string;
  symbol: string;
  /** Quote (deposit) coins to spend, decimal, already within `costDecimals`. */
  spendAmount: string;
}

export interface ExchangeClient {
  /** `exchange_name` on the deposit: 'simulated' or the ccxt id ('binance'). */
  readonly name: string;
  /**
   * After this long, an order request that never reached the exchange can no longer be executed
   * (Binance rejects a signed request older than its recvWindow). A lookup by client order id
   * that finds nothing is trusted only once the last request is this old.
   */
  readonly requestExpiryMs: number;
  market(symbol: string): Promise<MarketInfo>;
  /** Free (not locked) balance of `coin`, decimal. */
  balance(coin: string): Promise<string>;
  /** Places a market buy spending `spendAmount`; throws DuplicateOrderError if the client id is in use. */
  marketBuy(req: MarketBuyRequest): Promise<ExchangeOrder>;
  /** The order with this client order id, or undefined when the exchange has none. */
  fetchOrderByClientId(clientOrderId: string, symbol: string): Promise<ExchangeOrder | undefined>;
  /** Throws OrderNotFoundError when the exchange does not know the id. */
  fetchOrder(orderId: string, symbol: string): Promise<ExchangeOrder>;
}

/**
 * The processor's own record of a deposit's order, in the store's `passthrough` space (key
 * `order!<deposit id>`), written in the same batch as the deposit's transitions. It holds what
 * teller's DepositInfo has no field for: the send time that makes a lost response recoverable,
 * earlier client order ids, and the deposit value the order did not spend.
 */
export interface PassthroughLedger {
  deposit_id: string;
  /** 0 for the first order; each admin resubmission adds 1 and derives a new client order id. */
  attempt: number;
  client_order_id: string;
  /** Client order ids of earlier attempts that never executed, oldest first. */
  previous_client_order_ids: string[];
  /** Order ids of earlier attempts (canceled or rejected without a fill). */
  previous_order_ids: string[];
  /** Deposit base units the order spends (requested_amount). */
  requested: bigint;
  /** Deposit base units below the market's cost precision: never sent to the exchange. */
  remainder: bigint;
  /** Unix ms of the last order request (0 = none sent): from then on, look up before placing. */
  submitted_at: number;
  submissions: number;
  /** After completion: deposit base units the order did not spend (partial fill). */
  unspent: bigint;
  /** After completion: fee deducted from the amount bought, payout base units. */
  fee: bigint;
  fee_source: '' | 'exchange' | 'config';
  /** Set when an operator resolved the deposit by hand. */
  handled_note: string;
}

import {
  CcxtExchangeClient,
  createCcxtExchange,
  EXCHANGE_KEY_ENV,
  EXCHANGE_SECRET_ENV,
} from '../../../src/passthrough/ccxt-client';
import { clientOrderIdFor } from '../../../src/passthrough/client-order-id';
import {
  BelowMinimumError,
  DuplicateOrderError,
  ExchangeAuthError,
  ExchangeUnavailableError,
  InsufficientFundsError,
  RateLimitedError,
} from '../../../src/passthrough/errors';
import { silentLogger } from '../../../src/util/logger';
import { Harness, passthroughConfig } from './harness';
import { API_KEY, RecordedBinance, recording } from './recorded-binance';

/**
 * The ccxt client against ccxt's real `binance` class, its HTTP layer replaced by recordings of
 * Binance's spot API: the exact requests ccxt sends, and what the client makes of the answers.
 */

const DEPOSIT_ID = `0001${'ab'.repeat(30)}:0`;
const CID = clientOrderIdFor(DEPOSIT_ID);
const SYMBOL = 'ETH/BTC';

let binance: RecordedBinance;
let client: CcxtExchangeClient;
beforeEach(() => {
  binance = new RecordedBinance().serve('exchange-info');
  client = new CcxtExchangeClient(binance.exchange(), { fee: '', log: silentLogger() });
});

test('the recordings carry the client order id derived from the test deposit', () => {
  expect(CID).toBe('t-d62d26892d032fd021a4a8499f435becaf');
  expect((recording('order-new-full').body as { clientOrderId: string }).clientOrderId).toBe(CID);
});

test('market(): one request for the spot markets, nothing else (no currencies, margin pairs, time)', async () => {
  expect(await client.market(SYMBOL)).toEqual({
    symbol: 'ETH/BTC',
    base: 'ETH',
    quote: 'BTC',
    amountDecimals: 4,
    // ccxt cuts quoteOrderQty to the PRICE_FILTER tick size, 0.00001.
    costDecimals: 5,
    minCost: '0.0001',
    minAmount: '0.0001',
    fee: '0.001',
  });
  await client.market(SYMBOL);
  expect(binance.requests()).toEqual(['GET /api/v3/exchangeInfo']);
  expect(client.name).toBe('binance');
  // recvWindow 10 s (ccxt's) + 5 s of clock slack.
  expect(client.requestExpiryMs).toBe(15_000);
});

test('the configured fee overrides the market taker fee', async () => {
  const c = new CcxtExchangeClient(binance.exchange(), { fee: '0.00075', log: silentLogger() });
  expect((await c.market(SYMBOL)).fee).toBe('0.00075');
});

test('marketBuy(): POST /api/v3/order spending quoteOrderQty with our newClientOrderId', async () => {
  binance.serve('order-new-full');
  const order = await client.marketBuy({ clientOrderId: CID, symbol: SYMBOL, spendAmount: '0.01' });
  expect(binance.requests()).toEqual(['GET /api/v3/exchangeInfo', 'POST /api/v3/order']);
  const post = binance.calls[1];
  expect(post?.apiKey).toBe(API_KEY);
  expect(post?.params).toEqual({
    symbol: 'ETHBTC',
    side: 'BUY',
    type: 'MARKET',
    quoteOrderQty: '0.01',
    newClientOrderId: CID,
    newOrderRespType: 'FULL',
    recvWindow: '10000',
    timestamp: expect.stringMatching(/^\d{13}$/),
    signature: expect.stringMatching(/^[0-9a-f]{64}$/),
  });
  expect(order).toEqual({
    id: '7261928374',
    clientOrderId: CID,
    symbol: SYMBOL,
    status: 'closed',
    filled: '0.3332',
    cost: '0.00999533',
    average: expect.stringMatching(/^0\.02999798/),
    fees: [{ currency: 'ETH', cost: '0.0003332' }],
    timestamp: 1747137600456,
    raw: JSON.stringify(recording('order-new-full').body),
  });
});

test('a spend amount finer than the market takes is cut by ccxt, which is why costDecimals says 5', async () => {
  binance.serve('order-new-full');
  await client.marketBuy({ clientOrderId: CID, symbol: SYMBOL, spendAmount: '0.01234567' });
  expect(binance.calls[1]?.params['quoteOrderQty']).toBe('0.01234');
});

test('fetchOrderByClientId(): GET /api/v3/order?origClientOrderId=, fees read from the trade list', async () => {
  binance.serve('order-query-filled', 'my-trades');
  const order = await client.fetchOrderByClientId(CID, SYMBOL);
  expect(binance.requests()).toEqual([
    'GET /api/v3/exchangeInfo',
    'GET /api/v3/order',
    'GET /api/v3/myTrades',
  ]);
  expect(binance.calls[1]?.params).toMatchObject({ symbol: 'ETHBTC', origClientOrderId: CID });
  expect(binance.calls[1]?.params['orderId']).toBeUndefined();
  expect(binance.calls[2]?.params).toMatchObject({ symbol: 'ETHBTC', orderId: '7261928374' });
  expect(order).toMatchObject({
    id: '7261928374',
    clientOrderId: CID,
    status: 'closed',
    filled: '0.3332',
    cost: '0.00999533',
  });
  expect(order?.fees).toEqual([{ currency: 'ETH', cost: '0.0003332' }]);
});

test('fetchOrderByClientId(): -2013 "Order does not exist." means there is none', async () => {
  binance.serve('error-order-not-found');
  expect(await client.fetchOrderByClientId(CID, SYMBOL)).toBeUndefined();
});

test('fetchOrder(): an EXPIRED partial fill, its commission paid in BNB', async () => {
  binance.serve('order-query-expired-partial', 'my-trades-bnb-fee');
  const order = await client.fetchOrder('7261928391', SYMBOL);
  expect(binance.calls[1]?.params).toMatchObject({ symbol: 'ETHBTC', orderId: '7261928391' });
  expect(order).toMatchObject({ id: '7261928391', status: 'expired', filled: '0.1666', cost: '0.004998' });
  expect(order.fees).toEqual([{ currency: 'BNB', cost: '0.0000005' }]);
});

test('balance(): the free amount from GET /api/v3/account', async () => {
  binance.serve('account');
  expect(await client.balance('BTC')).toBe('0.51234567');
  expect(await client.balance('DOGE')).toBe('0');
  expect(binance.requests().filter((r) => r === 'GET /api/v3/account')).toHaveLength(2);
});

describe('Binance errors become typed errors', () => {
  const buy = () => client.marketBuy({ clientOrderId: CID, symbol: SYMBOL, spendAmount: '0.01' });

  test.each([
    ['error-insufficient-balance', InsufficientFundsError, true],
    ['error-notional', BelowMinimumError, false],
    ['error-duplicate-order', DuplicateOrderError, false],
    ['error-rate-limit', RateLimitedError, true],
    ['error-execution-unknown', ExchangeUnavailableError, true],
    ['error-timestamp', ExchangeUnavailableError, true],
  ])('%s → %p', async (name, type, retryable) => {
    binance.serve(name);
    const err: unknown = await buy().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect(err).toMatchObject({ retryable });
  });

  test('a request that gets no response at all is an outage', async () => {
    binance.fail('POST /api/v3/order', new TypeError('fetch failed'));
    await expect(buy()).rejects.toThrow(ExchangeUnavailableError);
  });

  test('an unknown market is a configuration error, not an outage', async () => {
    await expect(client.market('SKY/BTC')).rejects.toMatchObject({
      code: 'exchange_unsupported',
      retryable: false,
    });
  });

  test('refused credentials are retried until the operator fixes them', async () => {
    binance.serve('error-invalid-key');
    await expect(client.balance('BTC')).rejects.toThrow(ExchangeAuthError);
  });
});

describe('createCcxtExchange', () => {
  const cfg = { exchange: 'binance', api_key: '', secret: '', symbol: SYMBOL, fee: '0.001' };

  test('takes the keys from the environment when the config has none', () => {
    const ex = createCcxtExchange(cfg, { [EXCHANGE_KEY_ENV]: 'k', [EXCHANGE_SECRET_ENV]: 's' });
    expect(ex.id).toBe('binance');
    expect(ex.enableRateLimit).toBe(true);
    expect([ex.apiKey, ex.secret]).toEqual(['k', 's']);
    expect(ex.options).toMatchObject({
      fetchCurrencies: false,
      fetchMargins: false,
      fetchMarkets: { types: ['spot'] },
    });
    expect(ex.options['newOrderRespType']).toEqual({ market: 'FULL', limit: 'FULL' });
  });

  test('config keys win over the environment', () => {
    const ex = createCcxtExchange(
      { ...cfg, api_key: 'ck', secret: 'cs' },
      { [EXCHANGE_KEY_ENV]: 'k', [EXCHANGE_SECRET_ENV]: 's' },
    );
    expect([ex.apiKey, ex.secret]).toEqual(['ck', 'cs']);
  });

  test('refuses missing keys and unknown exchanges', () => {
    expect(() => createCcxtExchange(cfg, {})).toThrow(ExchangeAuthError);
    expect(() =>
      createCcxtExchange({ ...cfg, exchange: 'nosuchexchange', api_key: 'k', secret: 's' }, {}),
    ).toThrow('unknown ccxt exchange "nosuchexchange"');
    expect(() => createCcxtExchange({ ...cfg, exchange: 'Exchange', api_key: 'k', secret: 's' }, {})).toThrow(
      'unknown ccxt exchange',
    );
  });
});

test('a passthrough deposit end to end over recorded Binance: execution unknown, found by client id, one order', async () => {
  binance.serve('account', 'error-execution-unknown', 'order-query-filled', 'my-trades');
  const h = await Harness.start({
    config: passthroughConfig((c) => (c.sky_exchanger.passthrough.symbol = SYMBOL)),
    wrap: () => client,
  });
  try {
    const id = await h.deposit(1_000_000n);
    expect(id).toBe(DEPOSIT_ID);
    const done = await h.payOut(id);
    expect(done.passthrough).toMatchObject({
      exchange_name: 'binance',
      requested_amount: '0.01',
      // 0.3332 ETH less 0.0003332 ETH commission, in 6-decimal payout units.
      sky_bought: 332_866n,
      deposit_value_spent: 999_533n,
      order: {
        customer_id: CID,
        order_id: '7261928374',
        completed_amount: '0.3332',
        status: 'closed',
        final: true,
      },
    });
    expect(done.sky_sent).toBe(332_000n);
    expect(JSON.parse(done.passthrough.order.original)).toEqual(recording('order-query-filled').body);
    expect(await h.ledger(id)).toMatchObject({
      unspent: 467n,
      fee: 334n,
      fee_source: 'exchange',
      submissions: 1,
    });
    expect(binance.requests().filter((r) => r === 'POST /api/v3/order')).toHaveLength(1);
    expect(binance.requests()[0]).toBe('GET /api/v3/exchangeInfo');
    expect(h.d.sender.list()).toHaveLength(1);
  } finally {
    await h.close();
  }
});

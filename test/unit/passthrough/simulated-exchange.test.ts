import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  BelowMinimumError,
  DuplicateOrderError,
  ExchangeUnavailableError,
  InsufficientFundsError,
  OrderNotFoundError,
  OrderRejectedError,
} from '../../../src/passthrough/errors';
import {
  SimulatedExchange,
  type SimulatedExchangeOptions,
} from '../../../src/passthrough/simulated-exchange';
import { simulatedOptions } from '../../../src/passthrough/simulated-options';
import { Store } from '../../../src/store/store';
import { passthroughConfig } from './harness';

const OPTS: SimulatedExchangeOptions = {
  symbol: 'SKY/BTC',
  quoteDecimals: 8,
  amountDecimals: 2,
  minCost: '0.005',
  fee: '0.001',
  price: '500',
  quoteBalance: '1',
};
const SYMBOL = 'SKY/BTC';

let dir: string;
let store: Store;
let sim: SimulatedExchange;
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'teller-sim-'));
  store = await Store.open(dir);
  sim = await SimulatedExchange.open(store, OPTS);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const buy = (clientOrderId: string, spendAmount = '0.01') =>
  sim.marketBuy({ clientOrderId, symbol: SYMBOL, spendAmount });

test('a market buy fills at once: amount cut to 2 decimals, fee in the coin bought, balances moved', async () => {
  const o = await buy('a', '0.01234567');
  expect(o).toMatchObject({
    id: '1',
    clientOrderId: 'a',
    status: 'closed',
    filled: '6.17',
    cost: '0.01234',
    average: '0.002',
  });
  expect(o.fees).toEqual([{ cost: '0.00617', currency: 'SKY' }]);
  expect(sim.state().balances).toEqual({ SKY: '6.16383', BTC: '0.98766' });
  expect(await sim.balance('BTC')).toBe('0.98766');
  expect(await sim.fetchOrder('1', SYMBOL)).toEqual(o);
  expect(await sim.fetchOrderByClientId('a', SYMBOL)).toEqual(o);
  expect(await sim.fetchOrderByClientId('b', SYMBOL)).toBeUndefined();
});

test('refuses a reused client order id, a too small order, too many decimals, and more than the balance', async () => {
  await buy('a');
  await expect(buy('a')).rejects.toThrow(DuplicateOrderError);
  await expect(buy('b', '0.00499999')).rejects.toThrow(BelowMinimumError);
  await expect(buy('c', '0.012345678')).rejects.toThrow(OrderRejectedError);
  await expect(buy('d', '2')).rejects.toThrow(InsufficientFundsError);
  await expect(sim.marketBuy({ clientOrderId: 'e', symbol: 'ETH/BTC', spendAmount: '0.01' })).rejects.toThrow(
    OrderRejectedError,
  );
  await expect(sim.fetchOrder('9', SYMBOL)).rejects.toThrow(OrderNotFoundError);
  expect(sim.orderCount()).toBe(1);
});

test('reject and lose apply to the next order only; offline fails every call', async () => {
  await sim.setMode('reject');
  await expect(buy('a')).rejects.toThrow('order rejected by the simulated exchange');
  expect(sim.state().mode).toBe('fill');
  await sim.setMode('lose');
  await expect(buy('a')).rejects.toThrow(ExchangeUnavailableError);
  expect(sim.state().mode).toBe('fill');
  expect(await sim.fetchOrderByClientId('a', SYMBOL)).toMatchObject({ status: 'closed', filled: '5' });
  await sim.setMode('offline');
  await expect(buy('b')).rejects.toThrow('simulated exchange is offline');
  await expect(sim.market(SYMBOL)).rejects.toThrow(ExchangeUnavailableError);
  await expect(sim.fetchOrder('1', SYMBOL)).rejects.toThrow(ExchangeUnavailableError);
});

test('hold, fill in parts and cancel; partial mode expires the rest', async () => {
  await sim.setMode('hold');
  expect(await buy('a', '0.02')).toMatchObject({ status: 'open', filled: '0' });
  expect(await sim.fill('1', '0.25')).toMatchObject({ status: 'open', filled: '2.5', cost: '0.005' });
  await sim.setPrice('400');
  expect(await sim.fill('1')).toMatchObject({ status: 'closed', filled: '8.5', cost: '0.02' });
  await expect(sim.fill('1')).rejects.toMatchObject({ code: 'sim_order_not_open' });
  await buy('b', '0.01');
  expect(await sim.cancel('2')).toMatchObject({ status: 'canceled', filled: '0' });
  await sim.setMode('partial', '0.3');
  expect(await buy('c', '0.01')).toMatchObject({ status: 'expired', filled: '1.2', cost: '0.003' });
});

test('controls refuse nonsense', async () => {
  await expect(sim.setPrice('0')).rejects.toMatchObject({ code: 'sim_invalid' });
  await expect(sim.setPrice('abc')).rejects.toMatchObject({ code: 'sim_invalid' });
  await expect(sim.setMode('partial', '1.5')).rejects.toMatchObject({ code: 'sim_invalid' });
  await expect(sim.setBalance('ETH', '1')).rejects.toMatchObject({ code: 'sim_invalid' });
  await expect(sim.fill('42')).rejects.toThrow(OrderNotFoundError);
});

test('orders, balances, price and mode survive a restart', async () => {
  await buy('a');
  await sim.setPrice('250.5');
  await sim.setMode('hold');
  await store.close();
  store = await Store.open(dir);
  sim = await SimulatedExchange.open(store, OPTS);
  expect(sim.state()).toEqual({
    symbol: SYMBOL,
    price: '250.5',
    mode: 'hold',
    ratio: '0.5',
    balances: { SKY: '4.995', BTC: '0.99' },
  });
  expect(sim.orderCount()).toBe(1);
  await expect(buy('a')).rejects.toThrow(DuplicateOrderError);
  expect(await buy('b')).toMatchObject({ id: '2', status: 'open' });
});

test('simulatedOptions takes the price from the BTC rate and the minimum from btc_minimum_volume', () => {
  const c = passthroughConfig((cfg) => (cfg.sky_exchanger.sky_btc_exchange_rate = '2/3'));
  expect(simulatedOptions(c)).toEqual({
    symbol: 'SKY/BTC',
    quoteDecimals: 8,
    amountDecimals: 2,
    minCost: '0.005',
    fee: '0.001',
    price: '0.66666667',
    quoteBalance: '1000',
  });
});

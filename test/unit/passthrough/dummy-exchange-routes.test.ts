import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDummyExchangeRouter } from '../../../src/http/dummy-exchange';
import { startServer, type RunningServer } from '../../../src/http/server';
import { SimulatedExchange } from '../../../src/passthrough/simulated-exchange';
import { Store } from '../../../src/store/store';
import { silentLogger } from '../../../src/util/logger';

/** The simulated exchange's control routes over real HTTP. */

let dir: string;
let store: Store;
let sim: SimulatedExchange;
let server: RunningServer;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'teller-sim-http-'));
  store = await Store.open(dir);
  sim = await SimulatedExchange.open(store, {
    symbol: 'SKY/BTC',
    quoteDecimals: 8,
    amountDecimals: 2,
    minCost: '0.005',
    fee: '0.001',
    price: '500',
    quoteBalance: '10',
  });
  const app = express();
  app.use(createDummyExchangeRouter(sim, silentLogger()));
  server = await startServer(app, '127.0.0.1:0');
  base = `http://127.0.0.1:${server.address.port}`;
});
afterAll(async () => {
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(
  pathAndQuery: string,
  init: RequestInit = {},
): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(`${base}${pathAndQuery}`, init);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}
const post = (p: string, form: string) =>
  call(p, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });

test('price and mode: set by query or form, read back from /state', async () => {
  expect(await call('/dummy/exchange/price?price=400')).toMatchObject({ status: 200, body: '' });
  expect(await post('/dummy/exchange/mode', 'mode=partial&ratio=0.25')).toMatchObject({
    status: 200,
    body: '',
  });
  const state = await call('/dummy/exchange/state');
  expect(state.type).toBe('application/json');
  expect(JSON.parse(state.body)).toEqual({
    symbol: 'SKY/BTC',
    price: '400',
    mode: 'partial',
    ratio: '0.25',
    balances: { SKY: '0', BTC: '10' },
  });
  expect(await call('/dummy/exchange/mode?mode=fill')).toMatchObject({ status: 200 });
});

test('errors are plain text with a trailing newline', async () => {
  expect(await call('/dummy/exchange/price')).toEqual({
    status: 400,
    body: 'price required\n',
    type: 'text/plain; charset=utf-8',
  });
  expect(await call('/dummy/exchange/price?price=-1')).toMatchObject({
    status: 400,
    body: 'invalid price "-1"\n',
  });
  expect(await call('/dummy/exchange/mode?mode=sideways')).toMatchObject({
    status: 400,
    body: 'invalid mode: one of fill, hold, partial, reject, lose, offline\n',
  });
  expect(await call('/dummy/exchange/fill')).toMatchObject({ status: 400, body: 'order_id required\n' });
  expect(await call('/dummy/exchange/fill?order_id=999')).toMatchObject({
    status: 404,
    body: 'order not found\n',
  });
  expect(await call('/dummy/exchange/orders', { method: 'POST' })).toMatchObject({
    status: 405,
    body: 'Method Not Allowed\n',
  });
  expect(await call('/dummy/exchange/price?price=1', { method: 'PUT' })).toMatchObject({ status: 405 });
});

test('orders held open are filled and canceled through the API and listed', async () => {
  await call('/dummy/exchange/mode?mode=hold');
  await sim.marketBuy({ clientOrderId: 'c1', symbol: 'SKY/BTC', spendAmount: '0.01' });
  await sim.marketBuy({ clientOrderId: 'c2', symbol: 'SKY/BTC', spendAmount: '0.01' });
  await call('/dummy/exchange/price?price=500');
  const filled = await post('/dummy/exchange/fill', 'order_id=1&ratio=0.5');
  expect(filled.status).toBe(200);
  expect(JSON.parse(filled.body)).toMatchObject({
    id: '1',
    client_order_id: 'c1',
    status: 'open',
    filled: '2.5',
    cost: '0.005',
  });
  expect(JSON.parse((await call('/dummy/exchange/fill?order_id=1')).body)).toMatchObject({
    status: 'closed',
    filled: '5',
  });
  expect(await call('/dummy/exchange/fill?order_id=1')).toMatchObject({
    status: 409,
    body: 'order 1 is closed, not open\n',
  });
  expect(JSON.parse((await call('/dummy/exchange/cancel?order_id=2')).body)).toMatchObject({
    status: 'canceled',
  });
  const list = JSON.parse((await call('/dummy/exchange/orders')).body) as { id: string; status: string }[];
  expect(list.map((o) => [o.id, o.status])).toEqual([
    ['1', 'closed'],
    ['2', 'canceled'],
  ]);
});

test('balances are set through the API', async () => {
  expect(await call('/dummy/exchange/balance?coin=BTC&amount=0.5')).toMatchObject({ status: 200, body: '' });
  expect(await sim.balance('BTC')).toBe('0.5');
  expect(await call('/dummy/exchange/balance?coin=DOGE&amount=1')).toMatchObject({
    status: 400,
    body: 'unknown coin DOGE\n',
  });
  expect(await call('/dummy/exchange/balance?coin=BTC')).toMatchObject({
    status: 400,
    body: 'amount required\n',
  });
  expect(await call('/dummy/exchange/balance?coin=BTC&amount=lots')).toMatchObject({
    status: 400,
    body: 'invalid amount "lots"\n',
  });
});

test('paths are exact', async () => {
  expect((await call('/dummy/exchange/State')).status).toBe(404);
  expect((await call('/dummy/exchange/state/')).status).toBe(404);
});

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MarketRateConfig } from '../../../src/config/types';
import { depositCoins } from '../../../src/exchange/coins';
import { DepositStore } from '../../../src/exchange/deposit-store';
import { RateBook } from '../../../src/exchange/rates';
import { HISTORY_CHANGES, MarketFeed } from '../../../src/rates/market-feed';
import { CcxtTickerSource, SimulatedMarket, SimulatedSource } from '../../../src/rates/sources';
import { Store } from '../../../src/store/store';
import { silentLogger } from '../../../src/util/logger';
import { exchangeConfig } from '../../helpers/exchange-rig';

/**
 * The market feed (issue 20, src/rates/market-feed.ts) on a real store, two simulated sources and a
 * fake clock: the rate follows the median less the spread; a guard pauses binds with one alert and
 * one counted trip, keeps the last good rate, and the next good price lifts the pause.
 */

const MARKET: MarketRateConfig = {
  coin: 'BTC',
  sources: ['simulated', 'simulated-b'],
  symbol: '',
  spread_percent: '1',
  max_age_ms: 60_000,
  max_disagreement_percent: '2',
  max_move_percent: '10',
  move_window_ms: 600_000,
  poll_interval_ms: 10_000,
};

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'teller-feed-'));
});
afterEach(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rig() {
  let now = 1_800_000_000_000;
  const clock = () => now;
  store = await Store.open(dir);
  const deposits = new DepositStore(store);
  await deposits.open();
  const coins = depositCoins(exchangeConfig());
  const rates = await RateBook.open(deposits, coins, silentLogger(), new Set(['BTC']));
  const market = new SimulatedMarket((c) => rates.state(c)?.config_rate, clock);
  const sources = new Map([['BTC', MARKET.sources.map((n) => new SimulatedSource(n, market))]]);
  const feed = new MarketFeed([MARKET], sources, rates, silentLogger(), clock);
  const alerts: string[] = [];
  const trips: string[] = [];
  feed.observe({ sourceAge: () => undefined, trip: (_c, g) => trips.push(g), alert: (m) => alerts.push(m) });
  return { feed, rates, coins, market, alerts, trips, tick: (ms: number) => (now += ms) };
}

it('binds wait for the first price; then the rate is the median less the spread, rounded down', async () => {
  const { feed, rates, coins, market } = await rig();
  expect(rates.pausedReason('BTC')).toBe('waiting for the first BTC market price');
  market.set('simulated', 'BTC', '600');
  market.set('simulated-b', 'BTC', '601.3333333333');
  await feed.poll('BTC');
  // median 600.66666666665 × 0.99 = 594.6599999999835 → 594.65999999
  expect(rates.state('BTC')).toMatchObject({ rate: '594.65999999', source: 'market', paused: '' });
  expect(coins.get('BTC')?.rate).toBe('594.65999999');
  expect(feed.status()[0]).toMatchObject({ guard: 'ok', last_price: '600.66666666665' });
  await expect(rates.set('BTC', '1', 'admin API')).rejects.toMatchObject({ code: 'not_retryable' });
});

it('a guard pauses binds once (one alert, one trip) and keeps the last good rate; a good price lifts it', async () => {
  const { feed, rates, market, alerts, trips, tick } = await rig();
  await feed.poll('BTC');
  expect(rates.state('BTC')?.rate).toBe('495');
  market.set('simulated-b', 'BTC', '520');
  tick(10_000);
  await feed.poll('BTC');
  tick(10_000);
  await feed.poll('BTC');
  expect(rates.pausedReason('BTC')).toBe('BTC price sources disagree by 3.92% (limit 2%)');
  expect(rates.state('BTC')?.rate).toBe('495');
  expect(trips).toEqual(['disagree']);
  expect(alerts).toEqual(['BTC binds paused: BTC price sources disagree by 3.92% (limit 2%)']);
  market.set('simulated-b', 'BTC', '501');
  tick(10_000);
  await feed.poll('BTC');
  expect(rates.pausedReason('BTC')).toBe('');
  expect(rates.state('BTC')?.rate).toBe('495.495');
  expect(alerts[1]).toBe('BTC binds resumed at rate 495.495 (resolved)');
});

it('stale prices pause binds; a price that jumps pauses them until the jump leaves the window', async () => {
  const { feed, rates, market, trips, tick } = await rig();
  await feed.poll('BTC');
  market.set('simulated', 'BTC', '500', 61_000);
  market.set('simulated-b', 'BTC', '500', 61_000);
  await feed.poll('BTC');
  expect(rates.pausedReason('BTC')).toBe('no BTC price younger than 60s from its sources');
  market.set('simulated', 'BTC', '560');
  market.set('simulated-b', 'BTC', '560');
  tick(10_000);
  await feed.poll('BTC');
  expect(rates.pausedReason('BTC')).toBe('BTC price moved 12% within 600s (limit 10%)');
  tick(600_001);
  await feed.poll('BTC');
  expect(rates.pausedReason('BTC')).toBe('');
  expect(rates.state('BTC')?.rate).toBe('554.4');
  expect(trips).toEqual(['stale', 'moved']);
});

it('a ccxt ticker: 1/ask for a market quoted in the deposit coin, the bid for one based on it', async () => {
  const api = (t: object) => ({ id: 'fake', fetchTicker: () => Promise.resolve(t) });
  const sky = new CcxtTickerSource(api({ bid: 0.0019, ask: 0.002, timestamp: 5 }), 'SKY/BTC');
  const q = await sky.quote('BTC');
  expect({ ...q, price: q.price.toFixed() }).toEqual({ source: 'fake', price: '500', at: 5 });
  const usdt = new CcxtTickerSource(api({ bid: 60000.5, ask: 60001, last: 60000 }), 'BTC/USDT', () => 7);
  const u = await usdt.quote('BTC');
  expect({ ...u, price: u.price.toFixed() }).toEqual({ source: 'fake', price: '60000.5', at: 7 });
  const empty = new CcxtTickerSource(api({ bid: null, ask: null, last: null }), 'SKY/BTC');
  await expect(empty.quote('BTC')).rejects.toThrow('fake SKY/BTC ticker has no ask or last price');
  const failing = new CcxtTickerSource(
    { id: 'down', fetchTicker: () => Promise.reject(new Error('ECONNRESET')) },
    'SKY/BTC',
  );
  await expect(failing.quote('BTC')).rejects.toThrow('down SKY/BTC ticker: ECONNRESET');
});

it('the history keeps rate changes only (time, rate), the last HISTORY_CHANGES of them', async () => {
  const { feed, market, tick } = await rig();
  const history = () => feed.status()[0].history;
  await feed.poll('BTC');
  const first = history();
  expect(first).toHaveLength(1);
  for (let i = 0; i < 5; i++) {
    tick(10_000);
    await feed.poll('BTC');
  }
  expect(history()).toEqual(first);
  market.set('simulated', 'BTC', '501');
  market.set('simulated-b', 'BTC', '501');
  tick(10_000);
  await feed.poll('BTC');
  expect(history()).toEqual([...first, [first[0][0] + 60, '495.99']]);
  // Prices within the move guard (10 %): up and down by a little, a change each poll.
  for (let i = 0; i < HISTORY_CHANGES + 10; i++) {
    const p = i % 2 === 0 ? '502' : '501';
    market.set('simulated', 'BTC', p);
    market.set('simulated-b', 'BTC', p);
    tick(10_000);
    await feed.poll('BTC');
  }
  expect(history()).toHaveLength(HISTORY_CHANGES);
  expect(history().at(-1)?.[1]).toBe('495.99');
  expect(history().at(-2)?.[1]).toBe('496.98');
});

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  SKY,
  adminGet,
  deposit,
  logLines,
  postJson,
  runCli,
  request,
  startDaemon,
  waitFor,
  waitForDeposit,
  waitForLog,
  writeConfigFile,
  type Daemon,
} from '../helpers/daemon';
import { DEADLINE_MS } from '../helpers/until';

/**
 * Market-following rates through the built daemon (issue 20), BTC priced from two simulated
 * sources moved over the dummy API: /api/config, binds and a deposit's frozen rate follow the
 * market less the spread; sources that disagree pause binds (503, the reason) while a deposit to an
 * address already bound is still paid, at the last good rate; agreement lifts the pause. Metrics
 * show the rate, the sources' age and the trip.
 */

interface PublicConfig {
  deposits: Record<string, { fixed_exchange_rate: string }>;
  rates?: Record<string, { source: string; updated_at: number; paused: string }>;
}

let d: Daemon;
beforeAll(async () => {
  d = await startDaemon({
    metrics: { http_addr: '127.0.0.1:0' },
    market_rates: [
      {
        coin: 'BTC',
        sources: ['simulated', 'simulated-b'],
        spread_percent: '1',
        max_age: '30s',
        poll_interval: '50ms',
        max_disagreement_percent: '2',
        max_move_percent: '0',
      },
    ],
  });
}, 30_000);
afterAll(() => d?.dispose());

const publicConfig = async (): Promise<PublicConfig> =>
  JSON.parse((await request(`${d.publicUrl}/api/config`)).body) as PublicConfig;
const configWhere = (what: string, done: (c: PublicConfig) => boolean) =>
  waitFor(publicConfig, done, DEADLINE_MS, what);
const setPrice = async (source: string, price: string) => {
  const res = await request(`${d.dummyUrl}/dummy/market/price?coin=BTC&source=${source}&price=${price}`);
  expect(res.status).toBe(200);
};
const bindBtc = (skyaddr: string) =>
  postJson(`${d.publicUrl}/api/bind`, JSON.stringify({ skyaddr, coin_type: 'BTC' }));

it('the rate follows the simulated market less the spread; binds and deposits take it', async () => {
  // Both sources start at the fixed rate, 500: 1% below is 495.
  const start = await configWhere('the first market price', (c) => c.rates?.btc.paused === '');
  expect(start.deposits.btc.fixed_exchange_rate).toBe('495.000000');
  expect(start.rates?.btc.source).toBe('market');
  expect(start.deposits.eth.fixed_exchange_rate).toBe('100.000000');

  await setPrice('simulated', '600');
  await setPrice('simulated-b', '606');
  // median 603 × 0.99 = 596.97
  await configWhere('596.97', (c) => c.deposits.btc.fixed_exchange_rate === '596.970000');
  const bound = await bindBtc(SKY[0]);
  expect(bound.status).toBe(200);
  const addr = (JSON.parse(bound.body) as { deposit_address: string }).deposit_address;
  await deposit(d, { addr, value: 100_000_000, tx: 'b1'.repeat(32) });
  expect((await waitForDeposit(d, `${'b1'.repeat(32)}:0`, () => true)).conversion_rate).toBe('596.97');
});

it('sources that disagree pause binds with the reason; a bound address is still paid at the last good rate; agreement lifts it', async () => {
  const addr = (JSON.parse((await bindBtc(SKY[1])).body) as { deposit_address: string }).deposit_address;
  await setPrice('simulated-b', '700');
  const paused = await configWhere('the pause', (c) => (c.rates?.btc.paused ?? '') !== '');
  expect(paused.rates?.btc.paused).toBe('BTC price sources disagree by 15.38% (limit 2%)');
  expect(paused.deposits.btc.fixed_exchange_rate).toBe('596.970000');
  const refused = await bindBtc(SKY[2]);
  expect({ status: refused.status, body: refused.body }).toEqual({
    status: 503,
    body: 'Address binding is paused: BTC price sources disagree by 15.38% (limit 2%)\n',
  });
  // ETH binds go on.
  expect(
    (await postJson(`${d.publicUrl}/api/bind`, JSON.stringify({ skyaddr: SKY[2], coin_type: 'ETH' }))).status,
  ).toBe(200);
  await deposit(d, { addr, value: 50_000_000, tx: 'b2'.repeat(32) });
  const rec = await waitForDeposit(d, `${'b2'.repeat(32)}:0`, (x) => x.status !== 'waiting_deposit');
  expect(rec.conversion_rate).toBe('596.97');
  await waitForLog(d, 'market rate guard tripped: binds paused', { coin: 'BTC', guard: 'disagree' });

  const admin = await adminGet<{
    market: { coin: string; guard: string; last_price: string; history: unknown[] }[];
  }>(d, '/api/rates');
  expect(admin.market[0]).toMatchObject({ coin: 'BTC', guard: 'disagree', last_price: '650' });

  await setPrice('simulated-b', '600');
  const released = await configWhere('the release', (c) => c.rates?.btc.paused === '');
  expect(released.deposits.btc.fixed_exchange_rate).toBe('594.000000');
  expect((await bindBtc(SKY[2])).status).toBe(200);
  await waitForLog(d, 'market rate guard cleared: binds resume', { coin: 'BTC' });
});

it('metrics: the rate per coin, each source’s age, the guard trip', async () => {
  const line = logLines(d).find((l) => l.msg === 'listening' && l.listener === 'metrics');
  const body = (await request(`http://${String(line?.address)}/metrics`)).body;
  expect(body).toMatch(/^teller_rate\{coin="BTC",source="market"\} 594$/m);
  expect(body).toMatch(/^teller_rate\{coin="ETH",source="config"\} 100$/m);
  expect(body).toMatch(/^teller_rate_source_age_seconds\{coin="BTC",source="simulated-b"\} \d/m);
  expect(body).toMatch(/^teller_rate_guard_trips_total\{coin="BTC",guard="disagree"\} 1$/m);
  expect(body).toMatch(/^teller_rate_paused\{coin="BTC"\} 0$/m);
});

it('a market coin’s rate is not set by hand; a bad price is refused by the dummy API', async () => {
  const res = await postJson(`${d.adminUrl}/api/rates/BTC`, JSON.stringify({ rate: '1' }));
  expect(res.status).toBe(409);
  expect(JSON.parse(res.body)).toEqual({
    error: 'BTC follows the market ([[market_rates]]): its rate is not set by hand',
  });
  const bad = await request(`${d.dummyUrl}/dummy/market/price?coin=BTC&price=-1`);
  expect({ status: bad.status, body: bad.body }).toEqual({
    status: 400,
    body: 'price must be greater than 0\n',
  });
  const junk = await request(`${d.dummyUrl}/dummy/market/price?coin=BTC&price=abc`);
  expect({ status: junk.status, body: junk.body }).toEqual({ status: 400, body: 'invalid price "abc"\n' });
});

it('offline, a market coin’s rate is not set by hand either (exit 1, the reason)', async () => {
  expect(await d.stop()).toBe(0);
  const r = await runCli(['rates', 'set', 'BTC', '510', '-c', d.configPath, '-d', d.dataDir]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(
    'teller rates set: BTC follows the market ([[market_rates]]): its rate is not set by hand\n',
  );
  const list = await runCli(['rates', 'list', '-c', d.configPath, '-d', d.dataDir]);
  expect(JSON.parse(list.stdout)).toMatchObject({ rates: [{ coin: 'BTC', source: 'market' }, {}, {}] });
}, 30_000);

it('config: an unknown ccxt source is exit 2 naming market_rates; a bad key too', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'teller-market-cfg-'));
  try {
    const run = (table: Record<string, string | string[]>) =>
      runCli(['-c', writeConfigFile(tmp, { market_rates: [table] }), '-d', path.join(tmp, 'data')]);
    const unknown = await run({ coin: 'BTC', sources: ['nosuchexchange'], symbol: 'SKY/BTC' });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('market_rates: unknown ccxt exchange "nosuchexchange"');
    const bad = await run({ coin: 'BTC', sources: ['simulated'], max_move_percent: 'lots' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('market_rates[0].max_move_percent');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}, 30_000);

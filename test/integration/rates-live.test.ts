import {
  SKY,
  adminGet,
  bind,
  deposit,
  postJson,
  request,
  runCli,
  startDaemon,
  waitForDeposit,
  type Daemon,
} from '../helpers/daemon';

/**
 * Rates set at run time through the built daemon (issue 20): the admin API sets BTC's rate,
 * /api/config shows it at once and a deposit takes it; a refused rate is a 400 with the config
 * check's text; the rate outlives a restart; `teller rates set` sets it on the stopped daemon; a
 * changed config value wins at the next start.
 */

interface PublicConfig {
  deposits: Record<string, { fixed_exchange_rate: string }>;
  rates?: Record<string, { source: string; updated_at: number }>;
}

let d: Daemon;
beforeAll(async () => {
  d = await startDaemon();
}, 30_000);
afterAll(() => d?.dispose());

const publicConfig = async (): Promise<PublicConfig> =>
  JSON.parse((await request(`${d.publicUrl}/api/config`)).body) as PublicConfig;
const setRate = (coin: string, rate: string) =>
  postJson(`${d.adminUrl}/api/rates/${coin}`, JSON.stringify({ rate }));

async function depositAt(tx: string): Promise<string> {
  const addr = await bind(d, SKY[0], 'BTC');
  await deposit(d, { addr, value: 100_000_000, tx });
  return (await waitForDeposit(d, `${tx}:0`, () => true)).conversion_rate;
}

it('the admin API sets a rate: /api/config and the next deposit follow it at once', async () => {
  expect((await publicConfig()).rates).toBeUndefined();
  const res = await setRate('BTC', '1/3');
  expect(res.status).toBe(200);
  expect(JSON.parse(res.body)).toMatchObject({
    coin: 'BTC',
    previous: '500',
    rate: '1/3',
    source: 'operator',
  });
  const cfg = await publicConfig();
  expect(cfg.deposits.btc.fixed_exchange_rate).toBe('0.333000');
  expect(cfg.rates?.btc.source).toBe('operator');
  expect(cfg.rates?.eth.source).toBe('config');
  expect(await depositAt('a1'.repeat(32))).toBe('1/3');
  const list = await adminGet<{ rates: { coin: string; rate: string }[] }>(d, '/api/rates');
  expect(list.rates.find((r) => r.coin === 'BTC')?.rate).toBe('1/3');
});

it('a rate the config check refuses: 400 with its text, nothing changes', async () => {
  const res = await setRate('BTC', '0');
  expect(res.status).toBe(400);
  expect(JSON.parse(res.body)).toEqual({
    error: 'sky_exchanger.sky_btc_exchange_rate invalid: rate must be greater than zero',
  });
  expect((await publicConfig()).deposits.btc.fixed_exchange_rate).toBe('0.333000');
  expect((await request(`${d.adminUrl}/api/rates/BTC`)).status).toBe(405);
  expect((await setRate('DOGE', '1')).status).toBe(404);
});

it('a cross-site POST is refused (the admin listener’s checks)', async () => {
  const res = await request(`${d.adminUrl}/api/rates/BTC`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: 'https://evil.example' },
    body: JSON.stringify({ rate: '1' }),
  });
  expect(res.status).toBe(403);
  expect((await publicConfig()).deposits.btc.fixed_exchange_rate).toBe('0.333000');
});

it('the rate outlives a restart; `teller rates set` sets it offline; a changed config value wins', async () => {
  await d.restart();
  expect((await publicConfig()).deposits.btc.fixed_exchange_rate).toBe('0.333000');
  expect(await depositAt('a2'.repeat(32))).toBe('1/3');

  expect(await d.stop()).toBe(0);
  const refused = await runCli(['rates', 'set', 'BTC', '5e', '-c', d.configPath, '-d', d.dataDir]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain(
    "sky_exchanger.sky_btc_exchange_rate invalid: can't convert 5e to decimal",
  );
  const set = await runCli(['rates', 'set', 'btc', '250', '-c', d.configPath, '-d', d.dataDir]);
  expect(set.code).toBe(0);
  expect(JSON.parse(set.stdout)).toMatchObject({ coin: 'BTC', previous: '1/3', rate: '250' });
  const audit = await runCli(['audit', 'verify', '-c', d.configPath, '-d', d.dataDir]);
  expect(audit.code).toBe(0);

  await d.restart();
  expect((await publicConfig()).deposits.btc.fixed_exchange_rate).toBe('250.000000');
  expect(await depositAt('a3'.repeat(32))).toBe('250');

  await d.restart({ overrides: { sky_exchanger: { sky_btc_exchange_rate: '600' } } });
  const cfg = await publicConfig();
  expect(cfg.deposits.btc.fixed_exchange_rate).toBe('600.000000');
  expect(cfg.rates).toBeUndefined();
  expect(d.logs()).toContain('the config');
  expect(await depositAt('a4'.repeat(32))).toBe('600');
}, 60_000);

import {
  bind,
  deposit,
  expectTextError,
  goJson,
  request,
  SKY,
  startDaemon,
  waitFor,
  waitForDeposit,
  type Daemon,
} from '../helpers/daemon';
import { DEADLINE_MS } from '../helpers/until';

/**
 * GET /api/config and GET /api/health (teller-http.md §2.7.3, §2.7.4; DESIGN.md difference 3,
 * and our `payout_coin`/`sold_out` additions at the end).
 */

let plain: Daemon; // the base config: BTC 500, ETH 100, SKY off; limits left to their defaults
let tuned: Daemon; // fraction rates, 2 decimals, SKY on with a raw rate, explicit limits, bind off

beforeAll(async () => {
  [plain, tuned] = await Promise.all([
    startDaemon(),
    startDaemon({
      sky_addresses: 'addresses/sky-example.txt',
      teller: { max_bound_addrs: 0, bind_enabled: false },
      btc_scanner: { confirmations_required: 3 },
      eth_scanner: { confirmations_required: 12 },
      sky_scanner: { enabled: true, confirmations_required: 2 },
      sky_exchanger: {
        sky_btc_exchange_rate: '1/3',
        sky_eth_exchange_rate: '2.5e1',
        sky_sky_exchange_rate: '1.5',
        max_decimals: 2,
        c2cx: { btc_minimum_volume: '0.01' },
      },
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([plain?.dispose(), tuned?.dispose()]);
});

describe('/api/config', () => {
  it('the base config: exact body, JSON content type, no trailing newline', async () => {
    const res = await request(`${plain.publicUrl}/api/config`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toBe(
      goJson({
        enabled: true,
        buy_method: 'direct',
        max_bound_addrs: 5,
        max_decimals: 3,
        deposits: {
          btc: {
            enabled: true,
            confirmations_required: 1,
            fixed_exchange_rate: '500.000000',
            passthrough_minimum_volume: '0.005',
          },
          eth: {
            enabled: true,
            confirmations_required: 1,
            fixed_exchange_rate: '100.000000',
            passthrough_minimum_volume: '0',
          },
          sky: {
            enabled: false,
            confirmations_required: 0,
            fixed_exchange_rate: '1',
            passthrough_minimum_volume: '0',
          },
        },
        payout_coin: 'SKY',
        sold_out: false,
      }),
    );
  });

  it('rates for one coin truncated to max_decimals (fractions, exponents), SKY’s rate raw', async () => {
    const res = await request(`${tuned.publicUrl}/api/config`);
    expect(res.body).toBe(
      goJson({
        enabled: false,
        buy_method: 'direct',
        max_bound_addrs: 0,
        max_decimals: 2,
        deposits: {
          btc: {
            enabled: true,
            confirmations_required: 3,
            fixed_exchange_rate: '0.330000',
            passthrough_minimum_volume: '0.01',
          },
          eth: {
            enabled: true,
            confirmations_required: 12,
            fixed_exchange_rate: '25.000000',
            passthrough_minimum_volume: '0',
          },
          sky: {
            enabled: true,
            confirmations_required: 2,
            fixed_exchange_rate: '1.5',
            passthrough_minimum_volume: '0',
          },
        },
        payout_coin: 'SKY',
        sold_out: false,
      }),
    );
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])('%s → 405 Allow: GET', async (method) => {
    const res = await request(`${plain.publicUrl}/api/config`, { method });
    expectTextError(res, 405, 'Invalid request method');
    expect(res.headers.allow).toBe('GET');
  });

  it('ignores the query string', async () => {
    expect((await request(`${plain.publicUrl}/api/config?x=1&skyaddr=%zz`)).status).toBe(200);
  });
});

interface Health {
  status: string;
  application: string;
  version: string;
  uptime: string;
  exchange: {
    buy_method: string;
    processor_error: string;
    sender_error: string;
    balance: { coins: string; hours: string };
    deposit_error_count: number;
  };
  sold_out: boolean;
}

/** Go's time.Duration.String() → seconds (for the parts the daemon can print). */
function goDurationSeconds(s: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:([\d.]+)(s|ms|µs|ns))?$/.exec(s);
  if (!m || s === '') throw new Error(`not a Go duration: ${s}`);
  const unit = { s: 1, ms: 1e-3, µs: 1e-6, ns: 1e-9 }[m[4] ?? 's'] ?? 1;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) * unit;
}

describe('/api/health', () => {
  it('teller’s fields in teller’s order, then sold_out', async () => {
    const res = await request(`${plain.publicUrl}/api/health`);
    expect([res.status, res.headers['content-type']]).toEqual([200, 'application/json']);
    const h = JSON.parse(res.body) as Health;
    expect(Object.keys(h).slice(0, 5)).toEqual(['status', 'application', 'version', 'uptime', 'exchange']);
    expect(Object.keys(h)).toContain('sold_out');
    expect(Object.keys(h.exchange)).toEqual([
      'buy_method',
      'processor_error',
      'sender_error',
      'balance',
      'deposit_error_count',
    ]);
    expect(h).toMatchObject({
      status: 'OK',
      application: 'teller',
      exchange: {
        buy_method: 'direct',
        processor_error: '',
        sender_error: '',
        balance: { coins: '100.000000', hours: '100' },
        deposit_error_count: 0,
      },
      sold_out: false,
    });
    expect(typeof h.version).toBe('string');
    expect(goDurationSeconds(h.uptime)).toBeGreaterThan(0);
  });

  it('uptime grows', async () => {
    const up = async () =>
      goDurationSeconds((JSON.parse((await request(`${plain.publicUrl}/api/health`)).body) as Health).uptime);
    const first = await up();
    await waitFor(up, (v) => v > first, DEADLINE_MS, 'uptime to grow');
  });

  it('deposit_error_count counts deposits with an error (a payout that rounds to 0)', async () => {
    const addr = await bind(plain, SKY[0], 'BTC');
    await deposit(plain, { addr, value: 1, tx: 'health-zero' });
    await waitForDeposit(plain, 'health-zero:0', (x) => x.status === 'done');
    const h = JSON.parse((await request(`${plain.publicUrl}/api/health`)).body) as Health;
    expect(h.exchange.deposit_error_count).toBe(1);
    expect(h.exchange.sender_error).toBe('');
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])('%s → 405 Allow: GET', async (method) => {
    const res = await request(`${plain.publicUrl}/api/health`, { method });
    expectTextError(res, 405, 'Invalid request method');
    expect(res.headers.allow).toBe('GET');
  });

  it('HEAD → 405 with Content-Length 23 and no body', async () => {
    const res = await request(`${plain.publicUrl}/api/health`, { method: 'HEAD' });
    expect([res.status, res.headers['content-length'], res.body]).toEqual([405, '23', '']);
  });
});

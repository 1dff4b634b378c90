import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BTC_POOL,
  SKY,
  adminDeposits,
  adminGet,
  bind,
  broadcasts,
  confirm,
  deposit,
  expectTextError,
  goJson,
  request,
  runCli,
  setBalance,
  startDaemon,
  statuses,
  waitForBroadcasts,
  waitForDeposit,
  waitForPayout,
  type Daemon,
  type DepositInfo,
} from '../helpers/daemon';

/**
 * The admin (monitor) API over the wire (teller-http.md §3; DESIGN.md differences 7, 11, 13), and
 * its additions: deposit detail, retry, overview.
 */

const TOKEN = 'admin-token-0123456789';
const ENV_TOKEN = 'env-admin-token-9876543210';
const ETH_WEI = 1234567891000000001n;

let d: Daemon;
let secured: Daemon;
let envSecured: Daemon;
let btcAddr: string;
let ethAddr: string;

beforeAll(async () => {
  [d, secured, envSecured] = await Promise.all([
    startDaemon(),
    startDaemon({ admin_panel: { token: TOKEN } }),
    startDaemon({ admin_panel: { token: TOKEN } }, { env: { TELLER_ADMIN_TOKEN: ENV_TOKEN } }),
  ]);
  // One deposit done, one paid nothing (rounds to 0), one ETH payout waiting for its confirmation.
  await setBalance(d, 1000_000000n);
  btcAddr = await bind(d, SKY[0], 'BTC');
  ethAddr = await bind(d, SKY[1], 'ETH');
  await bind(d, SKY[2], 'BTC');
  await deposit(d, { addr: btcAddr, value: 12345678, height: 7, tx: 'adm-btc', n: 1 });
  // A deposit of nothing: never recorded (teller-core §5.4). The dummy scanner hands deposits over
  // in order, so it has been handled once adm-zero is recorded.
  await deposit(d, { addr: btcAddr, value: 0, tx: 'adm-nothing' });
  await deposit(d, { addr: btcAddr, value: 1, tx: 'adm-zero' });
  const [first] = await waitForBroadcasts(d, 1);
  await confirm(d, first.txid);
  await waitForDeposit(d, 'adm-btc:1', (x) => x.status === 'done');
  await waitForDeposit(d, 'adm-zero:0', (x) => x.status === 'done');
  await deposit(d, { coin: 'ETH', addr: ethAddr, value: ETH_WEI, tx: '0xadmeth' });
  await waitForPayout(d, '0xadmeth:0');
});

afterAll(async () => {
  await Promise.all([d, secured, envSecured].map((x) => x?.dispose()));
});

describe('/api/deposit-addresses', () => {
  it('every coin, sorted; pools and what is left of them; dummy mode scans nothing', async () => {
    const res = await request(`${d.adminUrl}/api/deposit-addresses`);
    expect([res.status, res.headers['content-type']]).toEqual([200, 'application/json']);
    expect(res.body).toBe(
      goJson({
        BTC: {
          scanning_enabled: false,
          address_manager_enabled: true,
          remaining_addresses: BTC_POOL.length - 2,
          scanning_addresses: [],
        },
        ETH: {
          scanning_enabled: false,
          address_manager_enabled: true,
          remaining_addresses: 19,
          scanning_addresses: [],
        },
        SKY: {
          scanning_enabled: false,
          address_manager_enabled: false,
          remaining_addresses: 0,
          scanning_addresses: [],
        },
      }),
    );
  });
});

describe('/api/deposits', () => {
  it('every deposit in deposit-id order, teller’s DepositInfo fields in order', async () => {
    const all = await adminDeposits(d);
    expect(all.map((x) => x.deposit_id)).toEqual(['0xadmeth:0', 'adm-btc:1', 'adm-zero:0']);
    const btc = all[1];
    expect(Object.keys(btc)).toEqual([
      'seq',
      'updated_at',
      'status',
      'coin_type',
      'sky_address',
      'buy_method',
      'deposit_address',
      'deposit_id',
      'txid',
      'conversion_rate',
      'deposit_value',
      'sky_sent',
      'passthrough',
      'error',
      'deposit',
    ]);
    const [sent] = await broadcasts(d);
    expect(btc).toMatchObject({
      seq: 1,
      status: 'done',
      coin_type: 'BTC',
      sky_address: SKY[0],
      buy_method: 'direct',
      deposit_address: btcAddr,
      txid: sent.txid,
      conversion_rate: '500',
      deposit_value: 12345678,
      sky_sent: 61728000,
      error: '',
      // teller's DepositInfo copies the scanner's record before the scanner marks it processed.
      deposit: {
        coin_type: 'BTC',
        address: btcAddr,
        value: 12345678,
        height: 7,
        tx: 'adm-btc',
        n: 1,
        processed: false,
      },
    });
    expect(all.map((x) => (x.deposit as { processed?: boolean }).processed)).toEqual([false, false, false]);
  });

  it('§5.4: a deposit of value 0 is not recorded; it is logged at info', () => {
    const lines = d
      .logs()
      .split('\n')
      .filter((l) => l.includes('adm-nothing:0'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 30,
      depositId: 'adm-nothing:0',
      msg: 'deposit value is zero: not recorded',
    });
  });

  it('?status filters exactly; waiting_deposit is never stored', async () => {
    const ids = async (s: string) => (await adminDeposits(d, s)).map((x) => x.deposit_id);
    expect(await ids('done')).toEqual(['adm-btc:1', 'adm-zero:0']);
    expect(await ids('waiting_confirm')).toEqual(['0xadmeth:0']);
    expect(await ids('waiting_send')).toEqual([]);
    expect(await ids('waiting_deposit')).toEqual([]);
    expect(await ids('')).toHaveLength(3);
  });

  it('an empty result is [] (never null)', async () => {
    const res = await request(`${d.adminUrl}/api/deposits?status=waiting_passthrough`);
    expect(res.body).toBe(goJson({ deposits: [] }));
  });

  it.each(['unknown', 'DONE', 'done ', 'x'])('?status=%s → 400 Invalid status', async (status) => {
    expectTextError(
      await request(`${d.adminUrl}/api/deposits?status=${encodeURIComponent(status)}`),
      400,
      'Invalid status',
    );
  });

  it('DESIGN 7: ETH values are wei, exactly', async () => {
    const eth = (await adminDeposits(d, 'waiting_confirm'))[0];
    // JSON numbers beyond 2^53 lose precision in JSON.parse: read the raw text.
    const raw = (await request(`${d.adminUrl}/api/deposits?status=waiting_confirm`)).body;
    expect(raw).toContain(`"deposit_value": ${ETH_WEI}`);
    expect(eth.sky_sent).toBe(123456000);
  });
});

describe('/api/deposits/errored', () => {
  it('every deposit with an error, whatever its status', async () => {
    const errored = (await adminGet<{ deposits: DepositInfo[] }>(d, '/api/deposits/errored')).deposits;
    expect(errored.map((x) => [x.deposit_id, x.status, x.error, x.txid, x.sky_sent])).toEqual([
      ['adm-zero:0', 'done', 'Skycoin send amount is 0', '', 0],
    ]);
  });
});

describe('/api/accounting', () => {
  it('sent in SKY (6 decimals), received per coin in its own decimals, ETH exact', async () => {
    const res = await request(`${d.adminUrl}/api/accounting`);
    expect(res.body).toBe(
      goJson({
        sent: '185.184000',
        received: { BTC: '0.12345679', ETH: '1.234567891000000001', SKY: '0.000000' },
      }),
    );
  });
});

describe('admin routes: methods and unknown paths', () => {
  it.each([
    ['POST', '/api/deposit-addresses'],
    ['PUT', '/api/deposits'],
    ['DELETE', '/api/deposits/errored'],
    ['POST', '/api/accounting'],
    ['POST', '/api/overview'],
  ])('%s %s → 405 Method Not Allowed, Allow: GET', async (method, route) => {
    const res = await request(`${d.adminUrl}${route}`, { method });
    expectTextError(res, 405, 'Method Not Allowed');
    expect(res.headers.allow).toBe('GET');
  });

  it.each(['/api/deposits/', '/api/unknown', '/api/deposit-addresses/'])('%s → 404', async (route) => {
    expectTextError(await request(`${d.adminUrl}${route}`), 404, '404 page not found');
  });
});

describe('deposit detail and retry (beyond teller)', () => {
  it('GET /api/deposits/<id>: the record with its events', async () => {
    const detail = await adminGet<DepositInfo & { events: { to: string }[] }>(d, '/api/deposits/adm-btc:1');
    expect(detail.deposit_id).toBe('adm-btc:1');
    expect(detail.events.map((e) => e.to)).toEqual([
      'waiting_decide',
      'waiting_send',
      'waiting_confirm',
      'done',
    ]);
    expectTextError(await request(`${d.adminUrl}/api/deposits/nope:0`), 404, 'Deposit not found');
  });

  it('POST .../retry: unknown → 404, done → 409, GET → 405', async () => {
    expectTextError(
      await request(`${d.adminUrl}/api/deposits/nope:0/retry`, { method: 'POST' }),
      404,
      'Deposit not found',
    );
    const done = await request(`${d.adminUrl}/api/deposits/adm-zero:0/retry`, { method: 'POST' });
    expect(done.status).toBe(409);
    expect(done.body).toMatch(/Skycoin send amount is 0\n$/);
    const get = await request(`${d.adminUrl}/api/deposits/adm-zero:0/retry`);
    expectTextError(get, 405, 'Method Not Allowed');
    expect(get.headers.allow).toBe('POST');
  });

  it('GET /api/overview', async () => {
    const o = await adminGet<{ deposits_by_status: Record<string, number>; deposit_error_count: number }>(
      d,
      '/api/overview',
    );
    expect(o.deposits_by_status).toMatchObject({ done: 2, waiting_confirm: 1, waiting_send: 0 });
    expect(o.deposit_error_count).toBe(1);
  });
});

describe('DESIGN 11: admin token', () => {
  const routes = [
    '/api/deposit-addresses',
    '/api/deposits',
    '/api/deposits/errored',
    '/api/accounting',
    '/api/backup',
  ];

  it.each(routes)('%s without the token → 401', async (route) => {
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer wrong-token-0000000000' },
      { Authorization: TOKEN },
    ];
    for (const headers of attempts) {
      const res = await request(`${secured.adminUrl}${route}`, { headers });
      expectTextError(res, 401, 'Unauthorized');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it.each(routes)('%s with the bearer token → 200', async (route) => {
    const res = await request(`${secured.adminUrl}${route}`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
  });

  it('TELLER_ADMIN_TOKEN overrides the file’s token', async () => {
    const get = (token: string) =>
      request(`${envSecured.adminUrl}/api/accounting`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await get(ENV_TOKEN)).status).toBe(200);
    expect((await get(TOKEN)).status).toBe(401);
  });

  it('the public API needs no token', async () => {
    expect((await request(`${secured.publicUrl}/api/health`)).status).toBe(200);
  });
});

describe('DESIGN 13: /api/backup is an attachment, restorable with the CLI', () => {
  it('backup → restore into a new data dir → a daemon there shows the same state and continues', async () => {
    const res = await request(`${d.adminUrl}/api/backup`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    const disposition = String(res.headers['content-disposition']);
    const m = /^attachment; filename="teller-(\d+)\.db"$/.exec(disposition);
    expect(m).not.toBeNull();
    expect(Math.abs(Number(m?.[1]) - Date.now() / 1000)).toBeLessThan(60);
    expect(res.buffer.length).toBeGreaterThan(0);

    const tmp = mkdtempSync(path.join(os.tmpdir(), 'teller-restore-'));
    let restored: Daemon | undefined;
    try {
      const file = path.join(tmp, 'backup.db');
      writeFileSync(file, res.buffer);
      const dataDir = path.join(tmp, 'data');
      const out = await runCli(['backup', 'restore', file, '-d', dataDir]);
      expect([out.code, out.stderr]).toEqual([0, '']);
      // Restoring over data is refused.
      const again = await runCli(['backup', 'restore', file, '-d', dataDir]);
      expect(again.code).not.toBe(0);

      restored = await startDaemon({}, { dataDir });
      const strip = (xs: DepositInfo[]) => xs.map(({ updated_at: _u, ...rest }) => rest);
      expect(strip(await adminDeposits(restored))).toEqual(strip(await adminDeposits(d)));
      expect(await adminGet(restored, '/api/accounting')).toEqual(await adminGet(d, '/api/accounting'));
      expect((await statuses(restored, SKY[0])).map((s) => s.status)).toEqual(['done', 'done']);
      // The pool continues where it was: the next BTC bind is the fourth address, not a reused one.
      expect(await bind(restored, SKY[3], 'BTC')).toBe(BTC_POOL[2]);
      // The payout waiting for its confirmation is still known to the restored dummy sender.
      const pending = (await broadcasts(restored)).filter((b) => !b.confirmed);
      expect(pending).toHaveLength(1);
      await confirm(restored, pending[0].txid);
      await waitForDeposit(restored, '0xadmeth:0', (x) => x.status === 'done');
      expect(await broadcasts(restored)).toHaveLength(2);
    } finally {
      await restored?.dispose();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

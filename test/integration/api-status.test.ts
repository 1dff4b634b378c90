import { gunzipSync } from 'node:zlib';
import {
  SKY,
  bind,
  deposit,
  depositById,
  expectTextError,
  goJson,
  request,
  startDaemon,
  waitFor,
  waitForStatus,
  type Daemon,
  type StatusEntry,
} from '../helpers/daemon';
import { DEADLINE_MS } from '../helpers/until';

/** GET /api/status (teller-http.md §2.7.2) and the detailed /api/v2/status, over the wire. */

let d: Daemon;

beforeAll(async () => {
  d = await startDaemon({ sky_exchanger: { send_enabled: false } });
});

afterAll(async () => {
  await d?.dispose();
});

const status = (query: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
  request(`${d.publicUrl}/api/status${query}`, init);

describe.each(['/api/status', '/api/v2/status'])('%s validation', (route) => {
  const get = (query: string, method = 'GET') => request(`${d.publicUrl}${route}${query}`, { method });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])('%s → 405 Allow: GET', async (method) => {
    const res = await get(`?skyaddr=${SKY[0]}`, method);
    expectTextError(res, 405, 'Invalid request method');
    expect(res.headers.allow).toBe('GET');
  });

  it('HEAD → 405, no body', async () => {
    const res = await get(`?skyaddr=${SKY[0]}`, 'HEAD');
    expect([res.status, res.headers['content-length'], res.body]).toEqual([405, '23', '']);
  });

  it.each([
    ['no query', ''],
    ['empty', '?skyaddr='],
    ['only whitespace', '?skyaddr=%20%09%0A'],
    ['only + (spaces)', '?skyaddr=+++'],
    ['name is case-sensitive', `?SKYADDR=${SKY[0]}`],
    ['a bad escape drops the pair', `?skyaddr=${SKY[0]}%zz`],
    ['a ; drops the pair', `?skyaddr=${SKY[0]};x=1`],
  ])('%s → 400 Missing skyaddr', async (_name, query) => {
    expectTextError(await get(query), 400, 'Missing skyaddr');
  });

  it.each([
    ['bad base58', '?skyaddr=0OIl', 'Invalid base58 character'],
    ['\\r is not trimmed', `?skyaddr=${SKY[0]}%0D`, 'Invalid base58 character'],
    ['only 1s', '?skyaddr=111', 'Invalid base58 string'],
    ['too short', '?skyaddr=abc', 'Invalid address length'],
    ['bad version', '?skyaddr=Z8LagGxLssTjL6RhK7TQx54vJUBDyWkKkp', 'Invalid version'],
    ['bad checksum', '?skyaddr=Z8LagGxLssTjL6RhK7TQx54vJUBDvBtmtC', 'Invalid checksum'],
    ['first occurrence wins', `?skyaddr=abc&skyaddr=${SKY[0]}`, 'Invalid address length'],
  ])('%s → 400 Invalid skycoin address', async (_name, query, reason) => {
    expectTextError(await get(query), 400, `Invalid skycoin address: ${reason}`);
  });

  it('a query of 200 KB is read (Go allows 1 MB of request headers)', async () => {
    expectTextError(
      await get(`?skyaddr=${'x'.repeat(200_000)}`),
      400,
      'Invalid skycoin address: Invalid address length',
    );
  });

  it('accepts a trimmed, URL-decoded address and ignores later duplicates', async () => {
    expect((await get(`?skyaddr=+%09${SKY[4]}%0A+&skyaddr=abc`)).status).toBe(200);
  });
});

describe('/api/status', () => {
  it('an address with no bindings → exactly {}', async () => {
    const res = await status(`?skyaddr=${SKY[4]}`);
    expect([res.status, res.body, res.headers['content-type']]).toEqual([200, '{}', 'application/json']);
  });

  it('no Accept header (only bind sets it); throttle headers present', async () => {
    const res = await status(`?skyaddr=${SKY[4]}`);
    expect(res.headers.accept).toBeUndefined();
    expect(res.headers['x-rate-limit-limit']).toBe('60');
    expect(res.headers['x-rate-limit-duration']).toBe('0s');
  });

  it('a bound address without deposits: one waiting_deposit entry stamped "now"', async () => {
    await bind(d, SKY[0], 'BTC');
    const before = Math.floor(Date.now() / 1000);
    const res = await status(`?skyaddr=${SKY[0]}`);
    const after = Math.floor(Date.now() / 1000);
    const body = JSON.parse(res.body) as { statuses: StatusEntry[] };
    expect(body.statuses).toHaveLength(1);
    const [entry] = body.statuses;
    expect(entry.updated_at).toBeGreaterThanOrEqual(before);
    expect(entry.updated_at).toBeLessThanOrEqual(after);
    expect(res.body).toBe(
      goJson({
        statuses: [{ seq: 0, updated_at: entry.updated_at, status: 'waiting_deposit', coin_type: 'BTC' }],
      }),
    );
  });

  it('one entry per binding (all coins); a deposit replaces its binding’s waiting_deposit entry', async () => {
    const btc = await bind(d, SKY[1], 'BTC');
    await bind(d, SKY[1], 'ETH');
    let entries = await waitForStatus(d, SKY[1], (e) => e.length === 2);
    expect(entries.map((e) => [e.seq, e.status, e.coin_type])).toEqual([
      [0, 'waiting_deposit', 'BTC'],
      [1, 'waiting_deposit', 'ETH'],
    ]);
    await deposit(d, { addr: btc, value: 100000, tx: 'status-a' });
    await deposit(d, { addr: btc, value: 200000, tx: 'status-b' });
    entries = await waitForStatus(
      d,
      SKY[1],
      (e) => e.filter((x) => x.status === 'waiting_send').length === 2 && e.length === 3,
    );
    // Sorted by updated_at ascending, seq renumbered 0..n-1.
    expect(entries.map((e) => e.seq)).toEqual([0, 1, 2]);
    const times = entries.map((e) => e.updated_at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(entries.filter((e) => e.coin_type === 'BTC').map((e) => e.status)).toEqual([
      'waiting_send',
      'waiting_send',
    ]);
    expect(entries.filter((e) => e.coin_type === 'ETH').map((e) => e.status)).toEqual(['waiting_deposit']);
  });

  it('a long list (16 deposits) is gzipped when asked; the short one is not', async () => {
    const addr = await bind(d, SKY[4], 'BTC');
    for (let i = 0; i < 16; i++) await deposit(d, { addr, value: 1000 + i, tx: `status-many-${i}` });
    await waitForStatus(d, SKY[4], (e) => e.length === 16 && e.every((x) => x.status === 'waiting_send'));
    const res = await status(`?skyaddr=${SKY[4]}`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect([res.status, res.headers['content-encoding'], res.headers['content-length']]).toEqual([
      200,
      'gzip',
      undefined,
    ]);
    const body = JSON.parse(gunzipSync(res.buffer).toString('utf8')) as { statuses: StatusEntry[] };
    expect(body.statuses.map((e) => e.seq)).toEqual([...Array(16).keys()]);
    const short = await status(`?skyaddr=${SKY[0]}`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(short.headers['content-encoding']).toBeUndefined();
  });

  it('never reveals deposit addresses', async () => {
    const res = await status(`?skyaddr=${SKY[1]}`);
    expect(res.body).not.toMatch(/deposit_address|1LqBG|0x/i);
  });
});

describe('/api/v2/status (beyond teller)', () => {
  it('an address with no bindings → no deposits', async () => {
    const res = await request(`${d.publicUrl}/api/v2/status?skyaddr=${SKY[3]}`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ deposits: [] });
  });

  it('per deposit: coin, deposit address, status and amount', async () => {
    const addr = await bind(d, SKY[2], 'BTC');
    type Row = { coin_type: string; deposit_address: string; status: string; deposit_value: string };
    const v2 = async () =>
      (
        JSON.parse((await request(`${d.publicUrl}/api/v2/status?skyaddr=${SKY[2]}`)).body) as {
          deposits: Row[];
        }
      ).deposits;
    expect(await v2()).toEqual([
      expect.objectContaining({ coin_type: 'BTC', deposit_address: addr, status: 'waiting_deposit' }),
    ]);
    await deposit(d, { addr, value: 12345678, tx: 'status-v2' });
    await waitForStatus(d, SKY[2], (e) => e[0]?.status === 'waiting_send');
    expect(await v2()).toEqual([
      expect.objectContaining({
        coin_type: 'BTC',
        deposit_address: addr,
        status: 'waiting_send',
        deposit_value: '0.12345678',
      }),
    ]);
  });
});

describe('both status routes: a body reused while nothing changes', () => {
  it('shows a write in the very next answer', async () => {
    const addr = await bind(d, SKY[4], 'BTC');
    await deposit(d, { addr, value: 3000, tx: 'status-reuse-a' });
    const before = await waitForStatus(
      d,
      SKY[4],
      (e) => e.length > 0 && e.every((x) => x.status === 'waiting_send'),
    );
    const v1 = async () => (await status(`?skyaddr=${SKY[4]}`)).body;
    const v2 = async () => (await request(`${d.publicUrl}/api/v2/status?skyaddr=${SKY[4]}`)).body;
    const first = [await v1(), await v2()];
    expect([await v1(), await v2()]).toEqual(first);
    await deposit(d, { addr, value: 4000, tx: 'status-reuse-b' });
    await waitFor(
      () => depositById(d, 'status-reuse-b:0'),
      (x) => x !== undefined,
      DEADLINE_MS,
      'the second deposit recorded',
    );
    // Every deposit of the address has a row in both (no binding is without one).
    expect((JSON.parse(await v1()) as { statuses: unknown[] }).statuses).toHaveLength(before.length + 1);
    expect((JSON.parse(await v2()) as { deposits: unknown[] }).deposits).toHaveLength(before.length + 1);
  });
});

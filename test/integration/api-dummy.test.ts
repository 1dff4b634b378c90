import path from 'node:path';
import {
  BTC_POOL,
  FIXTURES,
  SKY,
  adminDeposits,
  bind,
  broadcasts,
  deposit,
  expectTextError,
  goJson,
  health,
  request,
  startDaemon,
  waitFor,
  waitForBroadcasts,
  waitForDeposit,
  waitForLog,
  type Daemon,
} from '../helpers/daemon';
import { DEADLINE_MS } from '../helpers/until';

/** The dummy control API over the wire (teller-http.md §4; DESIGN.md difference 14). */

const BTC = BTC_POOL[0];
const ETH = '0xbcd4042de499d14e55001ccbb24a551f3b954096';

let d: Daemon;

beforeAll(async () => {
  d = await startDaemon({ sky_exchanger: { send_enabled: false } });
});

afterAll(async () => {
  await d?.dispose();
});

const dep = (
  query: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) => request(`${d.dummyUrl}/dummy/scanner/deposit${query}`, init);

describe('/dummy/scanner/deposit validation (teller’s order)', () => {
  it.each([
    ['no parameters', '', 'addr required'],
    ['addr missing, value missing', '?value=1&height=1&tx=a', 'addr required'],
    ['a Skycoin address', `?addr=${SKY[0]}&value=1&height=1&tx=a`, 'invalid addr'],
    ['a mangled Bitcoin address', `?addr=${BTC.slice(0, -1)}B&value=1&height=1&tx=a`, 'invalid addr'],
    ['an ETH address for BTC', `?addr=${ETH}&value=1&height=1&tx=a`, 'invalid addr'],
    ['a BTC address for ETH', `?coin=ETH&addr=${BTC}&value=1&height=1&tx=a`, 'invalid addr'],
    ['invalid addr before value required', `?addr=xyz`, 'invalid addr'],
    ['value missing', `?addr=${BTC}&height=1&tx=a`, 'value required'],
    ['value decimal', `?addr=${BTC}&value=1.5&height=1&tx=a`, 'invalid value'],
    ['value negative', `?addr=${BTC}&value=-1&height=1&tx=a`, 'invalid value'],
    ['value word', `?addr=${BTC}&value=ten&height=1&tx=a`, 'invalid value'],
    ['value beyond int64', `?addr=${BTC}&value=9223372036854775808&height=1&tx=a`, 'invalid value'],
    ['value before height', `?addr=${BTC}&value=x`, 'invalid value'],
    ['height missing', `?addr=${BTC}&value=1&tx=a`, 'height required'],
    ['height negative', `?addr=${BTC}&value=1&height=-1&tx=a`, 'invalid height'],
    ['height word', `?addr=${BTC}&value=1&height=h&tx=a`, 'invalid height'],
    ['tx missing', `?addr=${BTC}&value=1&height=1`, 'tx required'],
    ['tx empty', `?addr=${BTC}&value=1&height=1&tx=`, 'tx required'],
    ['n negative', `?addr=${BTC}&value=1&height=1&tx=a&n=-1`, 'invalid n'],
    ['n word', `?addr=${BTC}&value=1&height=1&tx=a&n=x`, 'invalid n'],
    ['n beyond uint32', `?addr=${BTC}&value=1&height=1&tx=a&n=4294967296`, 'n too large'],
  ])('%s → 400', async (_name, query, text) => {
    expectTextError(await dep(query), 400, text);
  });

  it('success: 200, empty body, no content type; any method', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      const res = await dep(`?addr=${BTC}&value=1000&height=1&tx=dummy-ok-${method}&n=4294967295`, {
        method,
      });
      expect([method, res.status, res.body, res.headers['content-type']]).toEqual([
        method,
        200,
        '',
        undefined,
      ]);
    }
  });

  it('a POST form body is read, and its values come before the query’s', async () => {
    const res = await dep(`?addr=xyz&value=bad`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `addr=${BTC}&value=5&height=2&tx=dummy-form`,
    });
    expect([res.status, res.body]).toEqual([200, '']);
  });

  it('a deposit to an unbound address is accepted and dropped', async () => {
    // The exchange has had all five (four methods, one form) once it has logged each of them.
    for (const id of ['GET', 'POST', 'PUT', 'DELETE'].map((m) => `dummy-ok-${m}:4294967295`)) {
      await waitForLog(d, 'deposit to an unbound address', { depositId: id });
    }
    await waitForLog(d, 'deposit to an unbound address', { depositId: 'dummy-form:0' });
    expect((await adminDeposits(d)).filter((x) => x.deposit_id.startsWith('dummy-'))).toEqual([]);
  });

  it('a deposit to a bound address is recorded; the coin defaults to BTC, n to 0', async () => {
    const addr = await bind(d, SKY[0], 'BTC');
    expect((await dep(`?addr=${addr}&value=5000&height=9&tx=dummy-bound`)).status).toBe(200);
    const rec = await waitForDeposit(d, 'dummy-bound:0', (x) => x.status === 'waiting_send');
    expect(rec.deposit).toMatchObject({
      coin_type: 'BTC',
      address: addr,
      value: 5000,
      height: 9,
      tx: 'dummy-bound',
      n: 0,
    });
  });

  it('DESIGN 14: ETH deposits (coin=ETH, any address case) and non-P2PKH BTC addresses', async () => {
    const eth = await bind(d, SKY[1], 'ETH');
    const upper = `0x${eth.slice(2).toUpperCase()}`;
    expect(
      (await dep(`?coin=ETH&addr=${upper}&value=1000000000000000000&height=3&tx=0xdummyeth`)).status,
    ).toBe(200);
    const rec = await waitForDeposit(d, '0xdummyeth:0', (x) => x.status === 'waiting_send');
    expect(rec.coin_type).toBe('ETH');
    for (const addr of [BTC_POOL[5], BTC_POOL[10], BTC_POOL[15]]) {
      expect((await dep(`?addr=${addr}&value=1&height=1&tx=dummy-types`)).status).toBe(200);
    }
  });

  it('DESIGN 14: deposits to bound P2SH, P2WPKH and P2TR addresses are recorded', async () => {
    const typed = await startDaemon({ btc_addresses: path.join(FIXTURES, 'btc-types.txt') });
    try {
      const addrs = [await bind(typed, SKY[0]), await bind(typed, SKY[1]), await bind(typed, SKY[2])];
      expect(addrs).toEqual([BTC_POOL[5], BTC_POOL[10], BTC_POOL[15]]);
      for (const [i, addr] of addrs.entries()) {
        await deposit(typed, { addr, value: 200_000, tx: `typed-${i}` });
        const rec = await waitForDeposit(typed, `typed-${i}:0`, (x) => x.status === 'waiting_confirm');
        expect([rec.deposit_address, rec.sky_address, rec.sky_sent]).toEqual([addr, SKY[i], 1_000_000]);
      }
    } finally {
      await typed.dispose();
    }
  });

  it('unknown paths → 404; no security headers on the dummy server', async () => {
    const res = await request(`${d.dummyUrl}/dummy/scanner/deposit/`);
    expectTextError(res, 404, '404 page not found');
    expect(res.headers['x-frame-options']).toBeUndefined();
    expectTextError(await request(`${d.dummyUrl}/`), 404, '404 page not found');
  });
});

describe('/dummy/sender/broadcasts and /dummy/sender/confirm', () => {
  it('broadcasts: [] at first; other methods → 405 without Allow', async () => {
    const fresh = await request(`${d.dummyUrl}/dummy/sender/broadcasts`);
    expect([fresh.status, fresh.body, fresh.headers['content-type']]).toEqual([
      200,
      '[]',
      'application/json',
    ]);
    const post = await request(`${d.dummyUrl}/dummy/sender/broadcasts`, { method: 'POST' });
    expectTextError(post, 405, 'Method Not Allowed');
    expect(post.headers.allow).toBeUndefined();
  });

  it.each([
    ['nothing', '', 400, 'txid or seq required'],
    ['empty values', '?txid=&seq=', 400, 'txid or seq required'],
    ['seq not a number', '?seq=abc', 400, 'invalid seq'],
    ['seq checked even with a txid', '?txid=ab&seq=1.5', 400, 'invalid seq'],
    ['unknown txid', '?txid=00ff', 404, 'txn not found'],
    ['unknown seq', '?seq=99', 404, 'txn not found'],
    ['negative seq', '?seq=-1', 404, 'txn not found'],
  ])('confirm with %s → %i', async (_name, query, status, text) => {
    expectTextError(await request(`${d.dummyUrl}/dummy/sender/confirm${query}`), status, text);
  });

  it('lists payouts in broadcast order; confirm by txid or seq, idempotent; any method', async () => {
    const dd = await startDaemon();
    try {
      const a = await bind(dd, SKY[0], 'BTC');
      await request(`${dd.dummyUrl}/dummy/scanner/deposit?addr=${a}&value=200000&height=1&tx=bc-1`);
      await waitForBroadcasts(dd, 1);
      await request(`${dd.dummyUrl}/dummy/scanner/deposit?addr=${a}&value=400000&height=1&tx=bc-2`);
      const list = await waitForBroadcasts(dd, 2);
      const res = await request(`${dd.dummyUrl}/dummy/sender/broadcasts`);
      expect(res.body).toBe(
        goJson([
          { txid: list[0].txid, outputs: [{ address: SKY[0], coins: '1.000000' }], confirmed: false },
          { txid: list[1].txid, outputs: [{ address: SKY[0], coins: '2.000000' }], confirmed: false },
        ]),
      );
      expect(list[0].txid).toMatch(/^[0-9a-f]{64}$/);
      const bySeq = await request(`${dd.dummyUrl}/dummy/sender/confirm?seq=1`, { method: 'POST' });
      expect([bySeq.status, bySeq.body, bySeq.headers['content-type']]).toEqual([200, '', undefined]);
      const byTxid = await request(`${dd.dummyUrl}/dummy/sender/confirm`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `txid=${list[0].txid}&seq=1`,
      });
      expect(byTxid.status).toBe(200);
      expect((await request(`${dd.dummyUrl}/dummy/sender/confirm?seq=0`)).status).toBe(200);
      expect((await broadcasts(dd)).map((b) => b.confirmed)).toEqual([true, true]);
      await waitForDeposit(dd, 'bc-1:0', (x) => x.status === 'done');
      await waitForDeposit(dd, 'bc-2:0', (x) => x.status === 'done');
      // The balance went down by what was paid.
      expect((await health(dd)).exchange.balance.coins).toBe('97.000000');
    } finally {
      await dd.dispose();
    }
  });
});

describe('replays that change nothing (issue 21)', () => {
  /** The daemon's JSON log lines with this message. */
  const logged = (dd: Daemon, msg: string): Record<string, unknown>[] =>
    dd
      .logs()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === msg);

  it('a re-delivered deposit and a confirm of a confirmed payout: 200, empty, logged at info with why', async () => {
    const dd = await startDaemon();
    try {
      const a = await bind(dd, SKY[1], 'BTC');
      const again = `${dd.dummyUrl}/dummy/scanner/deposit?addr=${a}&value=200000&height=1&tx=re-1`;
      expect((await request(again)).status).toBe(200);
      const [b] = await waitForBroadcasts(dd, 1);
      const confirm = `${dd.dummyUrl}/dummy/sender/confirm?txid=${b.txid}`;
      expect((await request(confirm)).status).toBe(200);
      await waitForDeposit(dd, 're-1:0', (x) => x.status === 'done');

      const replay = await request(again);
      expect([replay.status, replay.body, replay.headers['content-type']]).toEqual([200, '', undefined]);
      const ignored = await waitFor(
        async () => logged(dd, 'dummy deposit ignored'),
        (l) => l.length > 0,
        DEADLINE_MS,
        'the ignored-deposit log line',
      );
      expect(ignored[0]).toMatchObject({
        level: 30,
        depositId: 're-1:0',
        reason: 'already recorded as done',
      });

      const noop = await request(confirm);
      expect([noop.status, noop.body]).toEqual([200, '']);
      // Logs are written asynchronously: wait for the line rather than read it at once.
      const unchanged = await waitFor(
        async () => logged(dd, 'dummy confirm changed nothing'),
        (l) => l.length > 0,
        DEADLINE_MS,
        'the unchanged-confirm log line',
      );
      expect(unchanged[0]).toMatchObject({
        level: 30,
        txid: b.txid,
        reason: 'already confirmed',
      });
      // Nothing was paid twice.
      expect(await broadcasts(dd)).toHaveLength(1);
    } finally {
      await dd.dispose();
    }
  });
});

describe('/dummy/sender/balance (beyond teller)', () => {
  it.each([
    ['missing', '', 400, 'coins required'],
    ['a decimal', '?coins=1.5', 400, 'invalid coins'],
    ['negative', '?coins=-1', 400, 'invalid coins'],
  ])('%s → 400', async (_name, query, status, text) => {
    expectTextError(await request(`${d.dummyUrl}/dummy/sender/balance${query}`), status, text);
  });

  it('sets the balance in droplets', async () => {
    const res = await request(`${d.dummyUrl}/dummy/sender/balance?coins=1234567`);
    expect([res.status, res.body]).toEqual([200, '']);
    await waitFor(
      async () => (await health(d)).exchange.balance.coins,
      (c) => c === '1.234567',
      DEADLINE_MS,
      'balance',
    );
  });
});

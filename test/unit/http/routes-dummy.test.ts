import type { Config } from '../../../src/config/types';
import type { ScannedDeposit } from '../../../src/core/deposit';
import { createDummyApp } from '../../../src/http/dummy';
import type { DummyService } from '../../../src/http/services';
import { silentLogger } from '../../../src/util/logger';
import { closeAll, request, serve, testConfig } from './routes-helpers';

afterEach(closeAll);

const BTC_ADDR = '1PZ63K3G4gZP6A6E2TTbBwxT5bFQGL2TLB';
const ETH_ADDR = '0x00000000000000000000000000000000000000aa';

function fakeDummy(over: Partial<DummyService> = {}) {
  const calls = {
    deposits: [] as ScannedDeposit[],
    validated: [] as [string, string][],
    confirm: [] as [string | undefined, number | undefined][],
    balance: [] as bigint[],
    fail: [] as boolean[],
  };
  const svc: DummyService = {
    validateDepositAddress: (coin, addr) => {
      calls.validated.push([coin, addr]);
      return (coin === 'BTC' && addr === BTC_ADDR) || (coin === 'ETH' && addr === ETH_ADDR)
        ? null
        : 'not watched';
    },
    deposit: (d) => {
      calls.deposits.push(d);
      return true;
    },
    broadcasts: async () => [
      { txid: 'aa', outputs: [{ address: 'x', coins: '1.000000' }], confirmed: false },
    ],
    confirm: async (txid, seq) => {
      calls.confirm.push([txid, seq]);
      return txid === 'aa' || seq === 0;
    },
    setBalance: async (coins) => {
      calls.balance.push(coins);
    },
    failNextBroadcast: (armed) => {
      calls.fail.push(armed);
    },
    ...over,
  };
  return Object.assign(svc, { calls });
}

async function start(over: Partial<DummyService> = {}, patch?: (c: Config) => void) {
  const svc = fakeDummy(over);
  const port = await serve(createDummyApp(svc, testConfig(patch), silentLogger()));
  return { port, svc };
}

const OK = `addr=${BTC_ADDR}&value=1000&height=5&tx=t1`;

describe('/dummy/scanner/deposit', () => {
  it.each([
    ['', 'addr required'],
    ['coin=DOGE', 'invalid coin'],
    ['coin=btc&addr=x', 'invalid coin'],
    ['addr=', 'addr required'],
    ['addr=1BadAddress', 'invalid addr'],
    [`coin=ETH&addr=${BTC_ADDR}`, 'invalid addr'],
    [`addr=${BTC_ADDR}`, 'value required'],
    [`addr=${BTC_ADDR}&value=abc`, 'invalid value'],
    [`addr=${BTC_ADDR}&value=-1`, 'invalid value'],
    [`addr=${BTC_ADDR}&value=%2B1`, 'invalid value'],
    [`addr=${BTC_ADDR}&value=1.0`, 'invalid value'],
    [`addr=${BTC_ADDR}&value=%201`, 'invalid value'],
    [`addr=${BTC_ADDR}&value=9223372036854775808`, 'invalid value'],
    [`addr=${BTC_ADDR}&value=1`, 'height required'],
    [`addr=${BTC_ADDR}&value=1&height=x`, 'invalid height'],
    [`addr=${BTC_ADDR}&value=1&height=-5`, 'invalid height'],
    [`addr=${BTC_ADDR}&value=1&height=1`, 'tx required'],
    [`${OK}&n=x`, 'invalid n'],
    [`${OK}&n=-1`, 'invalid n'],
    [`${OK}&n=99999999999999999999`, 'invalid n'],
    [`${OK}&n=4294967296`, 'n too large'],
  ])('%s → 400 %s', async (query, text) => {
    const { port, svc } = await start();
    const r = await request(port, `/dummy/scanner/deposit?${query}`);
    expect([r.status, r.text]).toEqual([400, `${text}\n`]);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(svc.calls.deposits).toEqual([]);
  });

  it('accepts a deposit: 200, empty body, no content type; coin defaults to BTC', async () => {
    const { port, svc } = await start();
    const r = await request(
      port,
      `/dummy/scanner/deposit?addr=${BTC_ADDR}&value=9223372036854775807&height=5&tx=t1&n=4294967295`,
    );
    expect([r.status, r.text, r.headers['content-type'], r.headers['content-length']]).toEqual([
      200,
      '',
      undefined,
      '0',
    ]);
    expect(svc.calls.deposits).toEqual([
      {
        coin_type: 'BTC',
        address: BTC_ADDR,
        value: 9223372036854775807n,
        height: 5,
        tx: 't1',
        n: 4294967295,
      },
    ]);
  });

  it('takes ETH deposits (DESIGN.md difference 14) and form bodies of any method', async () => {
    const { port, svc } = await start();
    const r = await request(port, '/dummy/scanner/deposit?value=999', {
      method: 'PUT',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `coin=ETH&addr=${ETH_ADDR}&value=5&height=7&tx=0xabc&n=2`,
    });
    expect(r.status).toBe(200);
    // Body values come before query values, as in Go's r.Form.
    expect(svc.calls.deposits).toEqual([
      { coin_type: 'ETH', address: ETH_ADDR, value: 5n, height: 7, tx: '0xabc', n: 2 },
    ]);
    expect(svc.calls.validated).toEqual([['ETH', ETH_ADDR]]);
  });

  it('a configured ERC-20 symbol is a known coin', async () => {
    const { port, svc } = await start({}, (c) =>
      c.eth_tokens.push({ symbol: 'USDT', contract: ETH_ADDR, decimals: 6, exchange_rate: '1' }),
    );
    const r = await request(port, `/dummy/scanner/deposit?coin=USDT&addr=${ETH_ADDR}`);
    expect(r.text).toBe('invalid addr\n');
    expect(svc.calls.validated).toEqual([['USDT', ETH_ADDR]]);
  });

  it('a full queue → 503 deposits channel is full', async () => {
    const { port } = await start({ deposit: () => false });
    const r = await request(port, `/dummy/scanner/deposit?${OK}`, { method: 'POST' });
    expect([r.status, r.text]).toEqual([503, 'deposits channel is full\n']);
  });

  it('is not mounted without dummy.scanner', async () => {
    const { port } = await start({}, (c) => (c.dummy.scanner = false));
    const r = await request(port, `/dummy/scanner/deposit?${OK}`);
    expect([r.status, r.text]).toEqual([404, '404 page not found\n']);
    expect((await request(port, '/dummy/sender/broadcasts')).status).toBe(200);
  });
});

describe('/dummy/sender/*', () => {
  it('GET broadcasts → Go JSON array', async () => {
    const { port } = await start();
    const r = await request(port, '/dummy/sender/broadcasts');
    expect([r.status, r.headers['content-type']]).toEqual([200, 'application/json']);
    expect(JSON.parse(r.text)).toEqual([
      { txid: 'aa', outputs: [{ address: 'x', coins: '1.000000' }], confirmed: false },
    ]);
  });

  it('an empty broadcast list is []', async () => {
    const { port } = await start({ broadcasts: async () => [] });
    expect((await request(port, '/dummy/sender/broadcasts')).text).toBe('[]');
  });

  it('POST broadcasts → 405 Method Not Allowed without Allow', async () => {
    const { port } = await start();
    const r = await request(port, '/dummy/sender/broadcasts', { method: 'POST' });
    expect([r.status, r.text, r.headers.allow]).toEqual([405, 'Method Not Allowed\n', undefined]);
  });

  it.each([
    ['', 400, 'txid or seq required\n'],
    ['?txid=&seq=', 400, 'txid or seq required\n'],
    ['?seq=x', 400, 'invalid seq\n'],
    ['?txid=aa&seq=1.5', 400, 'invalid seq\n'],
    ['?seq=99999999999999999999', 400, 'invalid seq\n'],
    ['?txid=bb', 404, 'txn not found\n'],
    ['?seq=-1', 404, 'txn not found\n'],
    ['?txid=aa', 200, ''],
    ['?seq=0', 200, ''],
    ['?seq=%2B0', 200, ''],
  ])('confirm%s → %i', async (query, status, text) => {
    const { port } = await start();
    const r = await request(port, `/dummy/sender/confirm${query}`, { method: 'DELETE' });
    expect([r.status, r.text]).toEqual([status, text]);
  });

  it('confirm passes txid and seq; form bodies work', async () => {
    const { port, svc } = await start();
    await request(port, '/dummy/sender/confirm', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'txid=aa&seq=3',
    });
    expect(svc.calls.confirm).toEqual([['aa', 3]]);
  });

  it('balance sets the dummy wallet balance in base units', async () => {
    const { port, svc } = await start();
    expect((await request(port, '/dummy/sender/balance?coins=100000000000')).status).toBe(200);
    const post = await request(port, '/dummy/sender/balance', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'coins=0',
    });
    expect([post.status, post.text]).toEqual([200, '']);
    expect(svc.calls.balance).toEqual([100000000000n, 0n]);
  });

  it.each([
    ['', 400, 'coins required\n'],
    ['?coins=1.5', 400, 'invalid coins\n'],
    ['?coins=-1', 400, 'invalid coins\n'],
  ])('balance%s → %i', async (query, status, text) => {
    const { port } = await start();
    const r = await request(port, `/dummy/sender/balance${query}`);
    expect([r.status, r.text]).toEqual([status, text]);
  });

  it('balance with PUT → 405 Allow: GET, POST', async () => {
    const { port } = await start();
    const r = await request(port, '/dummy/sender/balance?coins=1', { method: 'PUT' });
    expect([r.status, r.headers.allow]).toEqual([405, 'GET, POST']);
  });

  it('fail arms (mode=permanent) and disarms (mode=off) a failure of the next broadcast', async () => {
    const { port, svc } = await start();
    expect((await request(port, '/dummy/sender/fail?mode=permanent')).status).toBe(200);
    const post = await request(port, '/dummy/sender/fail', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'mode=off',
    });
    expect([post.status, post.text]).toEqual([200, '']);
    expect(svc.calls.fail).toEqual([true, false]);
  });

  it.each([
    ['', 400, 'mode required\n'],
    ['?mode=retryable', 400, 'invalid mode: permanent or off\n'],
    ['?mode=PERMANENT', 400, 'invalid mode: permanent or off\n'],
  ])('fail%s → %i', async (query, status, text) => {
    const { port, svc } = await start();
    const r = await request(port, `/dummy/sender/fail${query}`);
    expect([r.status, r.text]).toEqual([status, text]);
    expect(svc.calls.fail).toEqual([]);
  });

  it('fail with PUT → 405 Allow: GET, POST', async () => {
    const { port } = await start();
    const r = await request(port, '/dummy/sender/fail?mode=off', { method: 'PUT' });
    expect([r.status, r.headers.allow]).toEqual([405, 'GET, POST']);
  });

  it('are not mounted without dummy.sender', async () => {
    const { port } = await start({}, (c) => (c.dummy.sender = false));
    for (const p of [
      '/dummy/sender/broadcasts',
      '/dummy/sender/confirm?seq=0',
      '/dummy/sender/balance?coins=1',
      '/dummy/sender/fail?mode=off',
    ]) {
      expect((await request(port, p)).status).toBe(404);
    }
  });
});

describe('dummy server', () => {
  it('unknown paths → 404; bad escapes → 400; unclean paths → 301', async () => {
    const { port } = await start();
    expect((await request(port, '/')).text).toBe('404 page not found\n');
    expect((await request(port, '/dummy/sender/broadcasts/')).status).toBe(404);
    expect((await request(port, '/dummy/%zz')).status).toBe(400);
    const r = await request(port, '/dummy//sender/broadcasts');
    expect([r.status, r.headers.location]).toEqual([301, '/dummy/sender/broadcasts']);
  });

  it('a body over the limit → 413', async () => {
    const { port } = await start({}, (c) => (c.web.max_body_bytes = 16));
    const r = await request(port, '/dummy/sender/confirm', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `txid=${'a'.repeat(100)}`,
    });
    expect([r.status, r.text]).toEqual([413, 'Request body too large\n']);
  });
});

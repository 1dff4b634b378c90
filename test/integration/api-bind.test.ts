import path from 'node:path';
import {
  BTC_POOL,
  ETH_POOL,
  FIXTURES,
  SKY,
  adminGet,
  bind,
  expectTextError,
  goJson,
  postJson,
  request,
  startDaemon,
  type Daemon,
  type HttpResponse,
} from '../helpers/daemon';

/**
 * POST /api/bind over the wire (teller-http.md §2.7.1 rows 5–14; DESIGN.md differences 1, 2, 3, 6):
 * validation order, exact texts, the success body, limits and pool exhaustion.
 */

const BAD_VERSION = 'Z8LagGxLssTjL6RhK7TQx54vJUBDyWkKkp';
const BAD_CHECKSUM = 'Z8LagGxLssTjL6RhK7TQx54vJUBDvBtmtC';
const BAD_VERSION_AND_CHECKSUM = 'Z8LagGxLssTjL6RhK7TQx54vJUBDyVGLUU';

type Remaining = Record<string, { remaining_addresses: number }>;
const remaining = async (d: Daemon, coin: string): Promise<number> =>
  (await adminGet<Remaining>(d, '/api/deposit-addresses'))[coin].remaining_addresses;

const bindBody = (skyaddr: string, coin_type: string): string => JSON.stringify({ skyaddr, coin_type });

/** Every response of the bind handler carries `Accept: application/json`. */
function expectBindError(res: HttpResponse, status: number, text: string): void {
  expectTextError(res, status, text);
  expect(res.headers.accept).toBe('application/json');
}

let main: Daemon; // BTC + ETH, default limits (max_bound_addrs unset → 5)
let btcOff: Daemon; // BTC disabled, ETH enabled
let ethOff: Daemon; // ETH disabled, binding disabled
let twoPool: Daemon; // a 2-address BTC pool, unlimited binds, max 2 per SKY address on ETH checks
let limited: Daemon; // max_bound_addrs = 2

beforeAll(async () => {
  [main, btcOff, ethOff, twoPool, limited] = await Promise.all([
    startDaemon(),
    startDaemon({ btc_scanner: { enabled: false } }),
    startDaemon({ eth_scanner: { enabled: false }, teller: { bind_enabled: false } }),
    startDaemon({ btc_addresses: path.join(FIXTURES, 'btc-two.txt'), teller: { max_bound_addrs: 0 } }),
    startDaemon({ teller: { max_bound_addrs: 2 } }),
  ]);
});

afterAll(async () => {
  await Promise.all([main, btcOff, ethOff, twoPool, limited].map((d) => d?.dispose()));
});

describe('row 5: method', () => {
  it.each(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])('%s → 405 Allow: POST', async (method) => {
    const res = await request(`${main.publicUrl}/api/bind`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: bindBody(SKY[0], 'BTC'),
    });
    expectBindError(res, 405, 'Invalid request method');
    expect(res.headers.allow).toBe('POST');
  });

  it('HEAD → 405 with the error’s Content-Length and no body', async () => {
    const res = await request(`${main.publicUrl}/api/bind`, { method: 'HEAD' });
    expect([res.status, res.headers.allow, res.headers['content-length'], res.body]).toEqual([
      405,
      'POST',
      '23',
      '',
    ]);
  });

  it('is checked before the content type', async () => {
    const res = await request(`${main.publicUrl}/api/bind`, {
      method: 'GET',
      headers: { 'Content-Type': 'text/plain' },
    });
    expectBindError(res, 405, 'Invalid request method');
  });
});

describe('row 6: content type', () => {
  it.each([
    ['missing', undefined],
    ['text/plain', 'text/plain'],
    ['case differs', 'Application/JSON'],
    ['another subtype', 'application/jsonx'],
    ['a charset other than utf-8', 'application/json; charset=latin1'],
    ['form', 'application/x-www-form-urlencoded'],
  ])('%s → 415', async (_name, ct) => {
    const res = await request(`${main.publicUrl}/api/bind`, {
      method: 'POST',
      headers: ct === undefined ? {} : { 'Content-Type': ct },
      body: bindBody(SKY[0], 'BTC'),
    });
    expectBindError(res, 415, 'Invalid content type');
  });

  it('is checked before the body', async () => {
    expectBindError(
      await postJson(`${main.publicUrl}/api/bind`, 'not json', 'text/plain'),
      415,
      'Invalid content type',
    );
  });

  it.each(['application/json; charset=utf-8', 'application/json;charset=UTF-8'])(
    'DESIGN 2: %s is accepted',
    async (ct) => {
      const res = await postJson(`${main.publicUrl}/api/bind`, bindBody(SKY[1], 'BTC'), ct);
      expect(res.status).toBe(200);
    },
  );
});

describe('row 7: JSON body (Go decoder texts)', () => {
  it.each([
    ['empty body', '', 'EOF'],
    ['whitespace only', ' \n\t ', 'EOF'],
    ['truncated', '{"skyaddr":', 'unexpected EOF'],
    ['unquoted key', '{bad}', "invalid character 'b' looking for beginning of object key string"],
    ['bare word', 'xyz', "invalid character 'x' looking for beginning of value"],
    ['missing colon', '{"skyaddr" "x"}', `invalid character '"' after object key`],
    [
      'missing comma',
      '{"skyaddr":"x" "coin_type":"BTC"}',
      `invalid character '"' after object key:value pair`,
    ],
    ['bad escape', '{"skyaddr":"\\x"}', "invalid character 'x' in string escape code"],
    ['UTF-8 BOM', '\ufeff{}', "invalid character 'ï' looking for beginning of value"],
    ['array', '[]', 'json: cannot unmarshal array into Go value of type teller.bindRequest'],
    ['string', '"x"', 'json: cannot unmarshal string into Go value of type teller.bindRequest'],
    ['number', '12', 'json: cannot unmarshal number into Go value of type teller.bindRequest'],
    ['bool', 'true', 'json: cannot unmarshal bool into Go value of type teller.bindRequest'],
    [
      'number field',
      '{"skyaddr":1}',
      'json: cannot unmarshal number into Go struct field bindRequest.skyaddr of type string',
    ],
    [
      'bool field',
      '{"coin_type":true}',
      'json: cannot unmarshal bool into Go struct field bindRequest.coin_type of type string',
    ],
    [
      'object field',
      '{"skyaddr":{}}',
      'json: cannot unmarshal object into Go struct field bindRequest.skyaddr of type string',
    ],
    [
      'array field',
      '{"coin_type":[]}',
      'json: cannot unmarshal array into Go struct field bindRequest.coin_type of type string',
    ],
  ])('%s → 400 Invalid json request body: <error>', async (_name, body, detail) => {
    expectBindError(
      await postJson(`${main.publicUrl}/api/bind`, body),
      400,
      `Invalid json request body: ${detail}`,
    );
  });

  it('DESIGN 1: a JSON null body → 400 "Invalid json request body", and the daemon lives on', async () => {
    expectBindError(await postJson(`${main.publicUrl}/api/bind`, 'null'), 400, 'Invalid json request body');
    expect((await request(`${main.publicUrl}/api/health`)).status).toBe(200);
  });

  it('Go quirks: keys match case-insensitively, unknown keys and trailing garbage are ignored', async () => {
    const body = `{"SKYADDR":"${SKY[2]}","Coin_Type":"BTC","extra":[1,2]} trailing garbage`;
    const res = await postJson(`${main.publicUrl}/api/bind`, body);
    expect(res.status).toBe(200);
  });

  it('Go quirks: null field values are empty, duplicate keys keep the last', async () => {
    expectBindError(
      await postJson(`${main.publicUrl}/api/bind`, `{"skyaddr":null,"coin_type":"BTC"}`),
      400,
      'Missing skyaddr',
    );
    expectBindError(
      await postJson(`${main.publicUrl}/api/bind`, `{"skyaddr":"${SKY[0]}","skyaddr":"","coin_type":"BTC"}`),
      400,
      'Missing skyaddr',
    );
  });
});

describe('row 8: skyaddr', () => {
  it.each([
    ['{}', '{}'],
    ['empty', bindBody('', 'BTC')],
    ['spaces, tabs and newlines only', bindBody(' \t\n ', 'BTC')],
  ])('%s → 400 Missing skyaddr', async (_name, body) => {
    expectBindError(await postJson(`${main.publicUrl}/api/bind`, body), 400, 'Missing skyaddr');
  });

  it('\\r is not trimmed: the address is invalid, not missing', async () => {
    expectBindError(
      await postJson(`${main.publicUrl}/api/bind`, bindBody(`${SKY[0]}\r`, 'BTC')),
      400,
      'Invalid skycoin address: Invalid base58 character',
    );
  });

  it('spaces, tabs and newlines around a valid address are trimmed', async () => {
    const res = await postJson(`${main.publicUrl}/api/bind`, bindBody(` \t${SKY[3]}\n `, 'BTC'));
    expect(res.status).toBe(200);
  });
});

describe('row 9: coin_type (checked before the address)', () => {
  it.each([
    ['missing', JSON.stringify({ skyaddr: 'abc' }), 'Missing coin_type'],
    ['empty', bindBody('abc', ''), 'Missing coin_type'],
    ['lower case', bindBody('abc', 'btc'), 'Invalid coin_type'],
    ['unknown', bindBody('abc', 'DOGE'), 'Invalid coin_type'],
    ['not trimmed', bindBody(SKY[0], ' BTC'), 'Invalid coin_type'],
    ['SKY disabled', bindBody('abc', 'SKY'), 'SKY not enabled'],
  ])('%s → 400', async (_name, body, text) => {
    expectBindError(await postJson(`${main.publicUrl}/api/bind`, body), 400, text);
  });

  it('BTC disabled → 400 BTC not enabled', async () => {
    expectBindError(
      await postJson(`${btcOff.publicUrl}/api/bind`, bindBody('abc', 'BTC')),
      400,
      'BTC not enabled',
    );
  });

  it('ETH disabled → 400 ETH not enabled', async () => {
    expectBindError(
      await postJson(`${ethOff.publicUrl}/api/bind`, bindBody('abc', 'ETH')),
      400,
      'ETH not enabled',
    );
  });
});

describe('row 10: Skycoin address', () => {
  it.each([
    ['a character outside base58', '0OIl', 'Invalid base58 character'],
    ['non-ASCII', 'Z8LagGxLssTjL6RhK7TQx54vJUBDvAQnbé', 'Invalid base58 character'],
    ['only 1s', '1111', 'Invalid base58 string'],
    ['too short', 'abc', 'Invalid address length'],
    ['bad version', BAD_VERSION, 'Invalid version'],
    ['bad checksum', BAD_CHECKSUM, 'Invalid checksum'],
    ['bad version and checksum (version first)', BAD_VERSION_AND_CHECKSUM, 'Invalid version'],
  ])('%s → 400 Invalid skycoin address: %s', async (_name, addr, reason) => {
    expectBindError(
      await postJson(`${main.publicUrl}/api/bind`, bindBody(addr, 'BTC')),
      400,
      `Invalid skycoin address: ${reason}`,
    );
  });

  it('a Bitcoin address is not a Skycoin address', async () => {
    const res = await postJson(`${main.publicUrl}/api/bind`, bindBody(BTC_POOL[0], 'BTC'));
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/^Invalid skycoin address: .+\n$/);
  });
});

describe('row 10 with ETH or ERC-20 payouts: a 0x address (issue 21)', () => {
  it.each([
    ['ETH', 'ETH', {}],
    ['ERC20', 'an ERC-20 token', { token: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 }],
  ])('payout coin %s: a Skycoin address → 400 naming the kind expected', async (coin, what, evm_) => {
    const evm = await startDaemon({ payout: { coin, evm: evm_ } });
    try {
      expectBindError(
        await postJson(`${evm.publicUrl}/api/bind`, bindBody(SKY[0], 'BTC')),
        400,
        `Invalid Ethereum address: must start with 0x (this service pays ${what}: skyaddr must be a 0x address)`,
      );
      const ok = await postJson(
        `${evm.publicUrl}/api/bind`,
        bindBody('0x90F79bf6EB2c4f870365E785982E1f101E93b906', 'BTC'),
      );
      expect(ok.status).toBe(200);
    } finally {
      await evm.dispose();
    }
  });
});

describe('row 11: bind_enabled = false → 403, after all input validation', () => {
  it('invalid input still gets its 400s', async () => {
    expectBindError(await postJson(`${ethOff.publicUrl}/api/bind`, '{}'), 400, 'Missing skyaddr');
    expectBindError(
      await postJson(`${ethOff.publicUrl}/api/bind`, bindBody('abc', 'BTC')),
      400,
      'Invalid skycoin address: Invalid address length',
    );
  });

  it('valid input → 403 Address binding is disabled; no address is used', async () => {
    const before = await remaining(ethOff, 'BTC');
    expectBindError(
      await postJson(`${ethOff.publicUrl}/api/bind`, bindBody(SKY[0], 'BTC')),
      403,
      'Address binding is disabled',
    );
    expect(await remaining(ethOff, 'BTC')).toBe(before);
  });

  it('/api/config reports enabled: false', async () => {
    const cfg = JSON.parse((await request(`${ethOff.publicUrl}/api/config`)).body) as { enabled: boolean };
    expect(cfg.enabled).toBe(false);
  });
});

describe('row 12: max_bound_addrs', () => {
  const LIMIT_TEXT = 'The maximum number of addresses have been assigned to this SKY address';

  it('counts every coin together; the next bind → 500; a failed bind uses no address (DESIGN 6)', async () => {
    await bind(limited, SKY[0], 'BTC');
    await bind(limited, SKY[0], 'ETH');
    const [btcLeft, ethLeft] = [await remaining(limited, 'BTC'), await remaining(limited, 'ETH')];
    expectBindError(
      await postJson(`${limited.publicUrl}/api/bind`, bindBody(SKY[0], 'BTC')),
      500,
      LIMIT_TEXT,
    );
    expectBindError(
      await postJson(`${limited.publicUrl}/api/bind`, bindBody(SKY[0], 'ETH')),
      500,
      LIMIT_TEXT,
    );
    expect([await remaining(limited, 'BTC'), await remaining(limited, 'ETH')]).toEqual([btcLeft, ethLeft]);
    // The next buyer gets the very next addresses in file order: none was burnt.
    expect(await bind(limited, SKY[1], 'BTC')).toBe(BTC_POOL[1]);
    expect((await bind(limited, SKY[1], 'ETH')).toLowerCase()).toBe(ETH_POOL[1].toLowerCase());
  });

  it('is atomic: of many concurrent binds for one buyer, exactly max_bound_addrs succeed', async () => {
    const before = await remaining(limited, 'BTC');
    const results = await Promise.all(
      Array.from({ length: 12 }, () => postJson(`${limited.publicUrl}/api/bind`, bindBody(SKY[2], 'BTC'))),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    for (const r of results.filter((x) => x.status !== 200)) expectBindError(r, 500, LIMIT_TEXT);
    const addrs = results
      .filter((r) => r.status === 200)
      .map((r) => (JSON.parse(r.body) as { deposit_address: string }).deposit_address);
    expect(new Set(addrs).size).toBe(2);
    expect(await remaining(limited, 'BTC')).toBe(before - 2);
  });

  it('DESIGN 3: unset means 5', async () => {
    const cfg = JSON.parse((await request(`${main.publicUrl}/api/config`)).body) as {
      max_bound_addrs: number;
    };
    expect(cfg.max_bound_addrs).toBe(5);
    for (let i = 0; i < 5; i++) await bind(main, SKY[4], i % 2 === 0 ? 'BTC' : 'ETH');
    expectBindError(await postJson(`${main.publicUrl}/api/bind`, bindBody(SKY[4], 'BTC')), 500, LIMIT_TEXT);
  });

  it('an explicit 0 means unlimited', async () => {
    for (let i = 0; i < 7; i++) await bind(twoPool, SKY[0], 'ETH');
  });
});

describe('row 13: pool exhaustion', () => {
  it('a 2-address pool: the third bind → 500 Deposit address pool is empty; other coins still bind', async () => {
    expect(await bind(twoPool, SKY[1], 'BTC')).toBe(BTC_POOL[0]);
    expect(await bind(twoPool, SKY[2], 'BTC')).toBe(BTC_POOL[1]);
    expect(await remaining(twoPool, 'BTC')).toBe(0);
    expectBindError(
      await postJson(`${twoPool.publicUrl}/api/bind`, bindBody(SKY[3], 'BTC')),
      500,
      'Deposit address pool is empty',
    );
    expect((await postJson(`${twoPool.publicUrl}/api/bind`, bindBody(SKY[3], 'ETH'))).status).toBe(200);
  });
});

describe('success', () => {
  it('200: exact body, JSON content type, Accept header; addresses in file order, never twice', async () => {
    const d = btcOff; // ETH only: nothing else bound ETH here yet
    const res = await postJson(`${d.publicUrl}/api/bind`, bindBody(SKY[0], 'ETH'));
    expect(res.status).toBe(200);
    // The pool's ETH addresses are handed out lower-cased (what the scanner matches).
    const first = ETH_POOL[0].toLowerCase();
    expect(res.body).toBe(goJson({ deposit_address: first, coin_type: 'ETH', buy_method: 'direct' }));
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['content-length']).toBe(String(res.buffer.length));
    expect(res.headers.accept).toBe('application/json');
    expect((await bind(d, SKY[0], 'ETH')).toLowerCase()).toBe(ETH_POOL[1].toLowerCase());
    expect((await bind(d, SKY[1], 'ETH')).toLowerCase()).toBe(ETH_POOL[2].toLowerCase());
  });

  it('a BTC bind hands out the first BTC pool address', async () => {
    const fresh = await startDaemon();
    try {
      const res = await postJson(`${fresh.publicUrl}/api/bind`, bindBody(SKY[0], 'BTC'));
      expect(res.body).toBe(goJson({ deposit_address: BTC_POOL[0], coin_type: 'BTC', buy_method: 'direct' }));
      const addrs = await adminGet<Record<string, { remaining_addresses: number }>>(
        fresh,
        '/api/deposit-addresses',
      );
      expect(addrs.BTC.remaining_addresses).toBe(BTC_POOL.length - 1);
    } finally {
      await fresh.dispose();
    }
  });
});

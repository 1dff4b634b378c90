import { createPublicApp } from '../../../src/http/public';
import type { PublicService } from '../../../src/http/services';
import type { Config } from '../../../src/config/types';
import { silentLogger } from '../../../src/util/logger';
import {
  BAD_VERSION_SKY,
  VALID_SKY,
  closeAll,
  fakePublic,
  json,
  request,
  serve,
  tellerError,
  testConfig,
} from './routes-helpers';

afterEach(closeAll);

async function start(over: Partial<PublicService> = {}, patch?: (c: Config) => void) {
  const svc = fakePublic(testConfig(patch), over);
  const port = await serve(createPublicApp(svc, silentLogger()));
  return { svc, port };
}

const TEXT = 'text/plain; charset=utf-8';

function expectTextError(
  r: { status: number; headers: Record<string, unknown>; text: string },
  status: number,
  text: string,
) {
  expect({ status: r.status, text: r.text }).toEqual({ status, text: `${text}\n` });
  expect(r.headers['content-type']).toBe(TEXT);
  expect(r.headers['x-content-type-options']).toBe('nosniff');
}

describe('POST /api/bind: step 5, method', () => {
  it.each(['GET', 'PUT', 'DELETE', 'PATCH'])(
    '%s → 405 Allow: POST with the Accept header',
    async (method) => {
      const { port, svc } = await start();
      const r = await request(port, '/api/bind', {
        method,
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expectTextError(r, 405, 'Invalid request method');
      expect(r.headers.allow).toBe('POST');
      expect(r.headers.accept).toBe('application/json');
      expect(svc.calls.bind).toEqual([]);
    },
  );

  it('HEAD → 405 with the GET-equivalent headers and no body', async () => {
    const { port } = await start();
    const r = await request(port, '/api/bind', { method: 'HEAD' });
    expect(r.status).toBe(405);
    expect(r.headers['content-length']).toBe(String('Invalid request method\n'.length));
    expect(r.body.length).toBe(0);
  });

  it('OPTIONS without Access-Control-Request-Method reaches the handler (405, no Vary: Origin)', async () => {
    const { port } = await start();
    const r = await request(port, '/api/bind', {
      method: 'OPTIONS',
      headers: { origin: 'http://x.example' },
    });
    expectTextError(r, 405, 'Invalid request method');
    expect(String(r.headers.vary)).not.toContain('Origin');
  });
});

describe('POST /api/bind: step 6, content type', () => {
  it.each([
    [undefined],
    ['text/plain'],
    ['Application/JSON'],
    ['application/json; charset=latin1'],
    ['application/jsonx'],
    ['application/json;charset=utf-8;x=1'],
  ])('%s → 415', async (ct) => {
    const { port } = await start();
    const headers: Record<string, string> = ct === undefined ? {} : { 'content-type': ct };
    const r = await request(port, '/api/bind', {
      method: 'POST',
      headers,
      body: JSON.stringify({ skyaddr: VALID_SKY }),
    });
    expectTextError(r, 415, 'Invalid content type');
    expect(r.headers.accept).toBe('application/json');
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'application/json; Charset="utf-8"',
  ])('%s is accepted (DESIGN.md difference 2)', async (ct) => {
    const { port } = await start();
    const r = await request(port, '/api/bind', {
      method: 'POST',
      headers: { 'content-type': ct },
      body: JSON.stringify({ skyaddr: VALID_SKY, coin_type: 'BTC' }),
    });
    expect(r.status).toBe(200);
  });
});

describe('POST /api/bind: step 7, JSON body', () => {
  const post = (port: number, body: string) =>
    request(port, '/api/bind', { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it.each([
    ['', 'EOF'],
    ['   \n', 'EOF'],
    ['{"skyaddr": "x"', 'unexpected EOF'],
    ['[1,2]', 'json: cannot unmarshal array into Go value of type teller.bindRequest'],
    ['"str"', 'json: cannot unmarshal string into Go value of type teller.bindRequest'],
    [
      '{"skyaddr": 1}',
      'json: cannot unmarshal number into Go struct field bindRequest.skyaddr of type string',
    ],
    [
      '{"coin_type": []}',
      'json: cannot unmarshal array into Go struct field bindRequest.coin_type of type string',
    ],
    ['{bad}', "invalid character 'b' looking for beginning of object key string"],
    ['\ufeff{}', "invalid character 'ï' looking for beginning of value"],
  ])('%j → 400 Invalid json request body: %s', async (body, err) => {
    const { port } = await start();
    expectTextError(await post(port, body), 400, `Invalid json request body: ${err}`);
  });

  it('a JSON null body is a 400 (DESIGN.md difference 1)', async () => {
    const { port } = await start();
    const r = await post(port, 'null');
    expectTextError(r, 400, 'Invalid json request body');
    expect(r.headers.accept).toBe('application/json');
  });

  it('keys match case-insensitively and trailing garbage is ignored, as Go does', async () => {
    const { port, svc } = await start();
    const r = await post(port, `{"SKYADDR": "${VALID_SKY}", "Coin_Type": "BTC"} trailing garbage`);
    expect(r.status).toBe(200);
    expect(svc.calls.bind).toEqual([[VALID_SKY, 'BTC']]);
  });

  it('a body over web.max_body_bytes → 413', async () => {
    const { port, svc } = await start({}, (c) => (c.web.max_body_bytes = 64));
    const r = await post(
      port,
      JSON.stringify({ skyaddr: VALID_SKY, coin_type: 'BTC', pad: 'x'.repeat(200_000) }),
    );
    expectTextError(r, 413, 'Request body too large');
    expect(svc.calls.bind).toEqual([]);
  });

  it('a chunked body over the limit → 413 too', async () => {
    const { port } = await start({}, (c) => (c.web.max_body_bytes = 64));
    const r = await request(port, '/api/bind', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: 'x'.repeat(1000),
    });
    expect(r.status).toBe(413);
  });
});

describe('POST /api/bind: steps 8–10, fields', () => {
  it.each([
    [{}, 'Missing skyaddr'],
    [{ skyaddr: ' \t\n ' }, 'Missing skyaddr'],
    [{ skyaddr: null, coin_type: 'BTC' }, 'Missing skyaddr'],
    [{ skyaddr: 'abc' }, 'Missing coin_type'],
    [{ skyaddr: 'abc', coin_type: '' }, 'Missing coin_type'],
    [{ skyaddr: 'abc', coin_type: 'btc' }, 'Invalid coin_type'],
    [{ skyaddr: 'abc', coin_type: ' BTC' }, 'Invalid coin_type'],
    [{ skyaddr: 'abc', coin_type: 'DOGE' }, 'Invalid coin_type'],
    [{ skyaddr: 'abc', coin_type: 'ETH' }, 'ETH not enabled'],
    [{ skyaddr: 'abc', coin_type: 'SKY' }, 'SKY not enabled'],
    [{ skyaddr: 'abc0', coin_type: 'BTC' }, 'Invalid skycoin address: Invalid base58 character'],
    [{ skyaddr: `${VALID_SKY}\r`, coin_type: 'BTC' }, 'Invalid skycoin address: Invalid base58 character'],
    [{ skyaddr: BAD_VERSION_SKY, coin_type: 'BTC' }, 'Invalid skycoin address: Invalid version'],
    [{ skyaddr: 'адрес', coin_type: 'BTC' }, 'Invalid skycoin address: Invalid base58 character'],
  ])('%j → 400 %s', async (body, text) => {
    const { port, svc } = await start();
    const r = await request(port, '/api/bind', json(body));
    expectTextError(r, 400, text);
    expect(r.headers.accept).toBe('application/json');
    expect(svc.calls.bind).toEqual([]);
  });

  it('passes unicode through to the address check unchanged', async () => {
    const { port, svc } = await start();
    await request(port, '/api/bind', json({ skyaddr: '  адрес😀\t', coin_type: 'BTC' }));
    expect(svc.calls.validated).toEqual(['адрес😀']);
  });

  it('trims only spaces, tabs and newlines around skyaddr', async () => {
    const { port, svc } = await start();
    const r = await request(port, '/api/bind', json({ skyaddr: ` \t\n${VALID_SKY}\n\t `, coin_type: 'BTC' }));
    expect(r.status).toBe(200);
    expect(svc.calls.bind).toEqual([[VALID_SKY, 'BTC']]);
  });
});

describe('POST /api/bind: steps 11–14, the bind itself', () => {
  it.each([
    ['bind_disabled', 403, 'Address binding is disabled'],
    ['max_bound', 500, 'The maximum number of addresses have been assigned to this SKY address'],
    ['pool_empty', 500, 'Deposit address pool is empty'],
    ['internal', 500, 'Internal Server Error'],
    ['db_failure', 500, 'Internal Server Error'],
  ])('service error %s → %i %s', async (code, status, text) => {
    const { port } = await start({
      bind: async () => {
        throw tellerError(code, 'secret detail');
      },
    });
    const r = await request(port, '/api/bind', json({ skyaddr: VALID_SKY, coin_type: 'BTC' }));
    expectTextError(r, status, text);
    expect(r.headers.accept).toBe('application/json');
  });

  it('a plain exception → 500 Internal Server Error, never express HTML', async () => {
    const { port } = await start({
      bind: async () => {
        throw new Error('boom');
      },
    });
    const r = await request(port, '/api/bind', json({ skyaddr: VALID_SKY, coin_type: 'BTC' }));
    expectTextError(r, 500, 'Internal Server Error');
  });

  it('address validation comes before the bind_enabled check (400, not 403)', async () => {
    const { port } = await start({
      bind: async () => {
        throw tellerError('bind_disabled');
      },
    });
    const r = await request(port, '/api/bind', json({ skyaddr: 'abc', coin_type: 'BTC' }));
    expect(r.status).toBe(400);
  });

  it('200: Go MarshalIndent body, application/json without charset, no newline, Accept header', async () => {
    const { port } = await start();
    const r = await request(port, '/api/bind', json({ skyaddr: VALID_SKY, coin_type: 'BTC' }));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers.accept).toBe('application/json');
    expect(r.text).toBe(
      '{\n    "deposit_address": "1PZ63K3G4gZP6A6E2TTbBwxT5bFQGL2TLB",\n    "coin_type": "BTC",\n    "buy_method": "direct"\n}',
    );
    expect(r.headers['content-length']).toBe(String(r.body.length));
    expect(r.headers.etag).toBeUndefined();
  });

  it('escapes <, > and & as Go does', async () => {
    const { port } = await start({
      bind: async () => ({ deposit_address: '<a&b>', coin_type: 'BTC', buy_method: 'direct' }),
    });
    const r = await request(port, '/api/bind', json({ skyaddr: VALID_SKY, coin_type: 'BTC' }));
    expect(r.text).toContain('"\\u003ca\\u0026b\\u003e"');
  });
});

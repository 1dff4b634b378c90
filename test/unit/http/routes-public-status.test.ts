import { encodeGoJson } from '../../../src/http/go-json';
import { createPublicApp } from '../../../src/http/public';
import type { PublicService } from '../../../src/http/services';
import { silentLogger } from '../../../src/util/logger';
import {
  STATUS_ENTRIES,
  VALID_SKY,
  VALID_SKY_2,
  closeAll,
  fakePublic,
  request,
  serve,
  testConfig,
} from './routes-helpers';

afterEach(closeAll);

async function start(over: Partial<PublicService> = {}) {
  const svc = fakePublic(testConfig(), over);
  const port = await serve(createPublicApp(svc, silentLogger()));
  return { svc, port };
}

describe('GET /api/status', () => {
  it.each(['POST', 'HEAD', 'PUT'])('%s → 405 Allow: GET, no Accept header', async (method) => {
    const { port } = await start();
    const r = await request(port, `/api/status?skyaddr=${VALID_SKY}`, { method });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET');
    expect(r.headers.accept).toBeUndefined();
    expect(r.text).toBe(method === 'HEAD' ? '' : 'Invalid request method\n');
  });

  it.each([
    ['', 'no query'],
    ['?skyaddr=', 'empty'],
    ['?skyaddr=%20%09%0A', 'blank after trimming'],
    ['?SKYADDR=' + VALID_SKY, 'name is case-sensitive'],
    ['?skyaddr=%zz', 'bad escape drops the pair'],
    [`?skyaddr=${VALID_SKY};x=1`, 'a ; drops the pair (Go ≥ 1.17)'],
  ])('%s → 400 Missing skyaddr (%s)', async (query) => {
    const { port } = await start();
    const r = await request(port, `/api/status${query}`);
    expect([r.status, r.text]).toEqual([400, 'Missing skyaddr\n']);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('an invalid address → 400 Invalid skycoin address: <reason>', async () => {
    const { port } = await start();
    const r = await request(port, '/api/status?skyaddr=abc0');
    expect([r.status, r.text]).toEqual([400, 'Invalid skycoin address: Invalid base58 character\n']);
  });

  it('no bindings → exactly {}', async () => {
    const { port, svc } = await start();
    const r = await request(port, `/api/status?skyaddr=${VALID_SKY}`);
    expect([r.status, r.text, r.headers['content-type']]).toEqual([200, '{}', 'application/json']);
    expect(svc.calls.statuses).toEqual([VALID_SKY]);
  });

  it('statuses as Go writes them', async () => {
    const { port } = await start({ statuses: async () => STATUS_ENTRIES });
    const r = await request(port, `/api/status?skyaddr=${VALID_SKY}`);
    expect(r.text).toBe(
      '{\n    "statuses": [\n        {\n            "seq": 0,\n            "updated_at": 1795315313,\n' +
        '            "status": "done",\n            "coin_type": "BTC"\n        },\n        {\n' +
        '            "seq": 1,\n            "updated_at": 1795315318,\n            "status": "waiting_deposit",\n' +
        '            "coin_type": "BTC"\n        }\n    ]\n}',
    );
  });

  it('skyaddr=a&skyaddr=b → the first; + and %XX decoded; spaces trimmed', async () => {
    const { port, svc } = await start();
    await request(port, `/api/status?skyaddr=${VALID_SKY}&skyaddr=${VALID_SKY_2}`);
    await request(port, `/api/status?x=1&skyaddr=++${VALID_SKY_2}%09`);
    expect(svc.calls.statuses).toEqual([VALID_SKY, VALID_SKY_2]);
  });

  it('a store failure → 500 Internal Server Error', async () => {
    const { port } = await start({
      statuses: async () => {
        throw new Error('db closed');
      },
    });
    const r = await request(port, `/api/status?skyaddr=${VALID_SKY}`);
    expect([r.status, r.text]).toEqual([500, 'Internal Server Error\n']);
  });
});

describe('GET /api/v2/status (beyond teller)', () => {
  it('returns statusDetail after the same validation', async () => {
    const { port } = await start();
    expect((await request(port, '/api/v2/status')).text).toBe('Missing skyaddr\n');
    expect((await request(port, '/api/v2/status?skyaddr=abc0')).status).toBe(400);
    expect((await request(port, '/api/v2/status', { method: 'POST' })).status).toBe(405);
    const r = await request(port, `/api/v2/status?skyaddr=${VALID_SKY}`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({
      deposits: [{ status: 'waiting_deposit', sky_address: VALID_SKY, confirmations: 0 }],
    });
  });
});

describe('GET /api/config and /api/health', () => {
  it('return the service bodies as Go JSON', async () => {
    const { port } = await start();
    const c = await request(port, '/api/config');
    expect([c.status, c.text]).toEqual([200, '{\n    "enabled": true,\n    "buy_method": "direct"\n}']);
    const h = await request(port, '/api/health');
    expect([h.status, h.headers['content-type']]).toEqual([200, 'application/json']);
    expect(JSON.parse(h.text)).toEqual({ status: 'OK', application: 'teller', uptime: '1s' });
  });

  it('/api/health: the uptime of each request, and every other field as the daemon has it now', async () => {
    const state = { status: 'OK', uptime: '', error: '', sold_out: false, pools: { BTC: { used: 1 } } };
    let ticks = 0;
    const { port } = await start({
      health: async () => ({ ...state, uptime: `${++ticks}.5s`, pools: { BTC: { ...state.pools.BTC } } }),
    });
    const bodies: string[] = [];
    const next = async (): Promise<void> => {
      bodies.push((await request(port, '/api/health')).text);
    };
    await next();
    await next();
    state.pools.BTC.used = 2;
    await next();
    state.sold_out = true;
    state.error = '\u0000uptime\u0000 "uptime"';
    await next();
    expect(bodies).toEqual(
      [
        { ...state, error: '', uptime: '1.5s', sold_out: false, pools: { BTC: { used: 1 } } },
        { ...state, error: '', uptime: '2.5s', sold_out: false, pools: { BTC: { used: 1 } } },
        { ...state, error: '', uptime: '3.5s', sold_out: false, pools: { BTC: { used: 2 } } },
        { ...state, uptime: '4.5s' },
      ].map((b) => encodeGoJson(b)),
    );
  });

  it.each(['/api/config', '/api/health'])(
    '%s: POST → 405 Allow: GET Invalid request method',
    async (path) => {
      const { port } = await start();
      const r = await request(port, path, { method: 'POST' });
      expect([r.status, r.text, r.headers.allow]).toEqual([405, 'Invalid request method\n', 'GET']);
    },
  );

  it('HEAD /api/health → 405 with Content-Length 23 and no body (Go HEAD semantics)', async () => {
    const { port } = await start();
    const r = await request(port, '/api/health', { method: 'HEAD' });
    expect([r.status, r.headers['content-length'], r.body.length]).toEqual([405, '23', 0]);
  });

  it('a failing health → 500', async () => {
    const { port } = await start({
      health: async () => {
        throw new Error('x');
      },
    });
    expect((await request(port, '/api/health')).status).toBe(500);
  });

  it('works through fetch as a browser would call it', async () => {
    const { port } = await start();
    const res = await fetch(`http://127.0.0.1:${port}/api/config`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ enabled: true, buy_method: 'direct' });
  });
});

import type { Config } from '../../../src/config/types';
import { createPublicApp } from '../../../src/http/public';
import { silentLogger } from '../../../src/util/logger';
import { VALID_SKY, closeAll, fakePublic, json, request, serve, testConfig } from './routes-helpers';

afterEach(closeAll);

/** Fakes only Date (at `now`): the throttle's windows go by Date.now(); sockets keep real timers. */
const fakeDateOnly = (now: Date) =>
  jest.useFakeTimers({
    now,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });

async function start(patch?: (c: Config) => void) {
  const svc = fakePublic(testConfig(patch));
  return serve(createPublicApp(svc, silentLogger()));
}

const preflight = (origin: string | undefined, method: string, headers?: string) => ({
  method: 'OPTIONS',
  headers: {
    ...(origin === undefined ? {} : { origin }),
    'access-control-request-method': method,
    ...(headers === undefined ? {} : { 'access-control-request-headers': headers }),
  },
});

describe('CORS (rs/cors semantics)', () => {
  it('empty cors_allowed → every origin, answered *', async () => {
    const port = await start();
    const r = await request(port, '/api/config', { headers: { origin: 'http://any.example' } });
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers.vary).toBe('Accept-Encoding, Origin');
  });

  it('no Origin → no ACAO, still Vary: Origin', async () => {
    const port = await start();
    const r = await request(port, '/api/config');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(r.headers.vary).toBe('Accept-Encoding, Origin');
  });

  it('a listed origin is echoed verbatim (case-insensitive match); others are served without ACAO', async () => {
    const port = await start(
      (c) => (c.web.cors_allowed = ['http://allowed.example', 'https://*.wild.example']),
    );
    const ok = await request(port, '/api/config', { headers: { origin: 'http://ALLOWED.example' } });
    expect(ok.headers['access-control-allow-origin']).toBe('http://ALLOWED.example');
    const wild = await request(port, '/api/config', { headers: { origin: 'https://a.wild.example' } });
    expect(wild.headers['access-control-allow-origin']).toBe('https://a.wild.example');
    const no = await request(port, '/api/config', { headers: { origin: 'http://other.example' } });
    expect([no.status, no.headers['access-control-allow-origin']]).toEqual([200, undefined]);
    const bare = await request(port, '/api/config', { headers: { origin: 'allowed.example' } });
    expect(bare.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('an entry * allows all', async () => {
    const port = await start((c) => (c.web.cors_allowed = ['http://a.example', '*']));
    const r = await request(port, '/api/config', { headers: { origin: 'http://z.example' } });
    expect(r.headers['access-control-allow-origin']).toBe('*');
  });

  it('a PUT from an allowed origin gets no ACAO (method not allowed by CORS)', async () => {
    const port = await start();
    const r = await request(port, '/api/config', { method: 'PUT', headers: { origin: 'http://a.example' } });
    expect([r.status, r.headers['access-control-allow-origin']]).toEqual([405, undefined]);
  });

  it('an allowed preflight: 200, empty, Vary ×3, method upper-cased, headers canonicalised', async () => {
    const port = await start();
    const r = await request(port, '/api/bind', preflight('http://a.example', 'post', 'content-type, accept'));
    expect([r.status, r.text]).toEqual([200, '']);
    expect(r.headers.vary).toBe(
      'Accept-Encoding, Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    );
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['access-control-allow-methods']).toBe('POST');
    expect(r.headers['access-control-allow-headers']).toBe('Content-Type, Accept');
    expect(r.headers.accept).toBeUndefined();
  });

  it('preflight without requested headers has no Allow-Headers', async () => {
    const port = await start();
    const r = await request(port, '/api/status', preflight('http://a.example', 'GET'));
    expect(r.headers['access-control-allow-methods']).toBe('GET');
    expect(r.headers['access-control-allow-headers']).toBeUndefined();
  });

  it.each([
    ['a disallowed origin', preflight('http://evil.example', 'POST')],
    ['no origin', preflight(undefined, 'POST')],
    ['a disallowed method', preflight('http://ok.example', 'DELETE')],
    ['a disallowed header', preflight('http://ok.example', 'POST', 'X-Custom')],
  ])('denied preflight (%s): 200 with only the Vary headers', async (_what, opts) => {
    const port = await start((c) => (c.web.cors_allowed = ['http://ok.example']));
    const r = await request(port, '/api/bind', opts);
    expect([r.status, r.text]).toEqual([200, '']);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(r.headers['access-control-allow-methods']).toBeUndefined();
    expect(r.headers.vary).toContain('Access-Control-Request-Headers');
  });

  it('static files get no CORS headers', async () => {
    const port = await start();
    const r = await request(port, '/', { headers: { origin: 'http://a.example' } });
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(r.headers.vary).toBe('Accept-Encoding');
  });
});

describe('throttle (DESIGN.md difference 4)', () => {
  const limited =
    (max: number, ms = 60_000) =>
    (c: Config) => {
      c.web.throttle_max = max;
      c.web.throttle_duration_ms = ms;
    };

  it('allows throttle_max requests per window per IP and route, then 429 with the exact body', async () => {
    const port = await start(limited(2));
    const ok1 = await request(port, `/api/status?skyaddr=${VALID_SKY}`);
    const ok2 = await request(port, '/api/status');
    const no = await request(port, `/api/status?skyaddr=${VALID_SKY}`);
    expect([ok1.status, ok2.status, no.status]).toEqual([200, 400, 429]);
    expect(no.text).toBe('You have reached maximum request limit.');
    expect(no.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(no.headers['x-rate-limit-limit']).toBe('2');
    expect(no.headers['x-rate-limit-duration']).toBe('1m0s');
    expect(no.headers['x-rate-limit-request-forwarded-for']).toBe('');
    expect(no.headers['x-rate-limit-request-remote-addr']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(no.headers.vary).toBe('Accept-Encoding, Origin');
    expect(no.headers['ratelimit-limit']).toBeUndefined();
    expect(no.headers['x-ratelimit-limit']).toBeUndefined();
    // Other routes have their own buckets; config and health are never throttled.
    expect((await request(port, '/api/bind', json({ skyaddr: VALID_SKY, coin_type: 'BTC' }))).status).toBe(
      200,
    );
    for (let i = 0; i < 4; i++) expect((await request(port, '/api/config')).status).toBe(200);
  });

  it('rejected requests count (405s use up the bucket)', async () => {
    const port = await start(limited(1));
    expect((await request(port, '/api/bind')).status).toBe(405);
    const r = await request(port, '/api/bind', json({ skyaddr: VALID_SKY, coin_type: 'BTC' }));
    expect(r.status).toBe(429);
    expect(r.headers.accept).toBeUndefined();
  });

  it('the bucket refills after the window', async () => {
    fakeDateOnly(new Date('2027-01-01T00:00:00Z'));
    try {
      const port = await start(limited(1, 300));
      expect((await request(port, '/api/config')).status).toBe(200);
      expect((await request(port, `/api/status?skyaddr=${VALID_SKY}`)).status).toBe(200);
      jest.setSystemTime(Date.now() + 299);
      expect((await request(port, `/api/status?skyaddr=${VALID_SKY}`)).status).toBe(429);
      jest.setSystemTime(Date.now() + 1);
      expect((await request(port, `/api/status?skyaddr=${VALID_SKY}`)).status).toBe(200);
    } finally {
      jest.useRealTimers();
    }
  });

  it('throttle_max = 0 allows nothing on bind/status, but preflights pass', async () => {
    const port = await start(limited(0));
    expect((await request(port, '/api/bind', json({ skyaddr: VALID_SKY, coin_type: 'BTC' }))).status).toBe(
      429,
    );
    const s = await request(port, `/api/status?skyaddr=${VALID_SKY}`);
    expect([s.status, s.headers['x-rate-limit-limit']]).toEqual([429, '0']);
    expect((await request(port, '/api/bind', preflight('http://a.example', 'POST'))).status).toBe(200);
    expect((await request(port, '/api/health')).status).toBe(200);
  });

  it('throttle_duration = 0 means unlimited; the headers still go out', async () => {
    const port = await start(limited(1, 0));
    for (let i = 0; i < 5; i++) {
      const r = await request(port, `/api/status?skyaddr=${VALID_SKY}`);
      expect(r.status).toBe(200);
      expect(r.headers['x-rate-limit-duration']).toBe('0s');
      expect(r.headers['x-rate-limit-limit']).toBe('1');
    }
  });

  it('behind_proxy: the last X-Forwarded-For entry is the client', async () => {
    const port = await start((c) => {
      limited(1)(c);
      c.web.behind_proxy = true;
    });
    const as = (xff: string) =>
      request(port, `/api/status?skyaddr=${VALID_SKY}`, { headers: { 'x-forwarded-for': xff } });
    const first = await as('9.9.9.9, 2.2.2.2');
    expect(first.status).toBe(200);
    expect(first.headers['x-rate-limit-request-forwarded-for']).toBe('9.9.9.9, 2.2.2.2');
    expect((await as('8.8.8.8,2.2.2.2')).status).toBe(429);
    expect((await as('2.2.2.2, 3.3.3.3')).status).toBe(200);
    // No header: the peer address is the client.
    expect((await request(port, `/api/status?skyaddr=${VALID_SKY}`)).status).toBe(200);
    expect((await request(port, `/api/status?skyaddr=${VALID_SKY}`)).status).toBe(429);
  });

  it('without behind_proxy X-Forwarded-For is ignored for the key but echoed', async () => {
    const port = await start(limited(1));
    const a = await request(port, `/api/status?skyaddr=${VALID_SKY}`, {
      headers: { 'x-forwarded-for': '1.1.1.1' },
    });
    const b = await request(port, `/api/status?skyaddr=${VALID_SKY}`, {
      headers: { 'x-forwarded-for': '4.4.4.4' },
    });
    expect([a.status, b.status]).toEqual([200, 429]);
    expect(b.headers['x-rate-limit-request-forwarded-for']).toBe('4.4.4.4');
  });
});

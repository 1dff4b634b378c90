import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  FIXTURES,
  SKY,
  TLS_CERT,
  TLS_KEY,
  expectTextError,
  postJson,
  rawHeader,
  request,
  startDaemon,
  type Daemon,
  type HttpResponse,
} from '../helpers/daemon';
import { untilValue, DEADLINE_MS } from '../helpers/until';

/**
 * The public server's layers over the wire: security headers (§2.3), HTTPS redirect and Host
 * allow-list, CORS (§2.4), gzip (§2.5), throttling with DESIGN.md difference 4 (§2.6), Go's mux
 * (§0) and the static UI with DESIGN.md difference 10 (§2.8).
 */

const INDEX = readFileSync(path.join(FIXTURES, 'static/index.html'), 'utf8');
const APP_JS = readFileSync(path.join(FIXTURES, 'static/app.js'));
const SMALL_CSS = readFileSync(path.join(FIXTURES, 'static/small.css'), 'utf8');
const X_CSS = readFileSync(path.join(FIXTURES, 'static/static/css/x.css'), 'utf8');
const THROTTLED = 'You have reached maximum request limit.';

let plain: Daemon; // no throttle, CORS for everyone
let throttled: Daemon; // 3 per 3 s
let closed: Daemon; // throttle_max = 0
let proxied: Daemon; // behind_proxy, 1 per minute
let corsList: Daemon; // an explicit CORS list
let tls: Daemon; // http + https with certificate files
let autoTls: Daemon; // auto_tls_host: Host allow-list + redirect

beforeAll(async () => {
  [plain, throttled, closed, proxied, corsList, tls, autoTls] = await Promise.all([
    startDaemon(),
    startDaemon({ web: { throttle_max: 3, throttle_duration: '3s' } }),
    startDaemon({ web: { throttle_max: 0, throttle_duration: '1m' } }),
    startDaemon({ web: { throttle_max: 1, throttle_duration: '1m', behind_proxy: true } }),
    startDaemon({ web: { cors_allowed: ['http://allowed.example', 'https://*.wild.example'] } }),
    startDaemon({ web: { https_addr: '127.0.0.1:0', tls_cert: TLS_CERT, tls_key: TLS_KEY } }),
    startDaemon({ web: { https_addr: '127.0.0.1:0', auto_tls_host: 'otc.example.com' } }),
  ]);
});

afterAll(async () => {
  await Promise.all([plain, throttled, closed, proxied, corsList, tls, autoTls].map((d) => d?.dispose()));
});

const SECURITY_HEADERS: [string, string][] = [
  ['X-Frame-Options', 'DENY'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Xss-Protection', '1; mode=block'],
  ['Referrer-Policy', 'no-referrer'],
];

function expectSecurityHeaders(res: HttpResponse): void {
  for (const [name, value] of SECURITY_HEADERS) expect([name, rawHeader(res, name)]).toEqual([name, value]);
  expect(res.headers['strict-transport-security']).toBeUndefined();
}

const varyOf = (res: HttpResponse): string[] =>
  String(res.headers.vary ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

describe('§2.3 security headers, on every kind of response', () => {
  it.each([
    ['API success', 'GET', '/api/config'],
    ['API error', 'POST', '/api/health'],
    ['bind validation error', 'POST', '/api/bind'],
    ['static file', 'GET', '/'],
    ['404', 'GET', '/nope.js'],
    ['redirect', 'GET', '//api/config'],
  ])('%s', async (_name, method, route) => {
    expectSecurityHeaders(await request(`${plain.publicUrl}${route}`, { method }));
  });

  it('a 429', async () => {
    expectSecurityHeaders(await request(`${closed.publicUrl}/api/status?skyaddr=${SKY[0]}`));
  });
});

describe('TLS (web.https_addr with tls_cert/tls_key)', () => {
  it('plain HTTP requests are redirected 301 to https://<https_addr><path>?<query>', async () => {
    const res = await request(`${tls.publicUrl}/api/config?x=1`);
    expect([res.status, res.headers.location]).toEqual([301, 'https://127.0.0.1:0/api/config?x=1']);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toBe('<a href="https://127.0.0.1:0/api/config?x=1">Moved Permanently</a>.\n\n');
  });

  it('a POST is redirected too, with an empty body and no content type', async () => {
    const res = await postJson(
      `${tls.publicUrl}/api/bind`,
      JSON.stringify({ skyaddr: SKY[0], coin_type: 'BTC' }),
    );
    expect([res.status, res.headers.location, res.body]).toEqual([301, 'https://127.0.0.1:0/api/bind', '']);
    expect(res.headers['content-type']).toBeUndefined();
  });

  it('over TLS: served, with Strict-Transport-Security', async () => {
    const res = await request(`${tls.httpsUrl}/api/config`);
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(rawHeader(res, 'X-Frame-Options')).toBe('DENY');
  });
});

describe('auto_tls_host: Host allow-list and redirect', () => {
  it('another Host (even the same host with a port) → 500 Bad Host with only the text headers', async () => {
    for (const host of ['127.0.0.1', 'otc.example.com:7071', 'evil.example']) {
      const res = await request(`${autoTls.publicUrl}/api/config`, { headers: { Host: host } });
      expectTextError(res, 500, 'Bad Host');
      expect(res.headers['x-frame-options']).toBeUndefined();
    }
  });

  it('the allowed Host (any case) → 301 to https://<auto_tls_host>', async () => {
    const res = await request(`${autoTls.publicUrl}/api/health`, { headers: { Host: 'OTC.example.com' } });
    expect([res.status, res.headers.location]).toEqual([301, 'https://otc.example.com/api/health']);
  });
});

describe('§2.4 CORS', () => {
  it('empty cors_allowed: any Origin gets Access-Control-Allow-Origin: *, Vary: Origin', async () => {
    for (const route of ['/api/config', '/api/health', `/api/status?skyaddr=${SKY[0]}`]) {
      const res = await request(`${plain.publicUrl}${route}`, { headers: { Origin: 'http://any.example' } });
      expect([route, res.status, res.headers['access-control-allow-origin']]).toEqual([route, 200, '*']);
      expect(varyOf(res)).toContain('Origin');
    }
    const bindRes = await request(`${plain.publicUrl}/api/bind`, {
      method: 'POST',
      headers: { Origin: 'http://any.example', 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect([bindRes.status, bindRes.headers['access-control-allow-origin']]).toEqual([400, '*']);
  });

  it('no Origin: no Access-Control-Allow-Origin, still Vary: Origin', async () => {
    const res = await request(`${plain.publicUrl}/api/config`);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(varyOf(res)).toContain('Origin');
  });

  it('a preflight is answered 200 with an empty body and the allow headers', async () => {
    const res = await request(`${plain.publicUrl}/api/bind`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://any.example',
        'Access-Control-Request-Method': 'post',
        'Access-Control-Request-Headers': 'content-type, accept',
      },
    });
    expect([res.status, res.body]).toEqual([200, '']);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toBe('POST');
    expect(res.headers['access-control-allow-headers']).toBe('Content-Type, Accept');
    expect(varyOf(res)).toEqual(
      expect.arrayContaining(['Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers']),
    );
    expect(res.headers.accept).toBeUndefined();
  });

  it.each([
    ['a header outside Origin/Accept/Content-Type', 'GET', 'X-Custom'],
    ['a method outside GET/POST/HEAD', 'PUT', ''],
  ])('a denied preflight (%s) is still 200, with only the Vary headers', async (_name, method, headers) => {
    const res = await request(`${plain.publicUrl}/api/config`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://any.example',
        'Access-Control-Request-Method': method,
        ...(headers ? { 'Access-Control-Request-Headers': headers } : {}),
      },
    });
    expect([res.status, res.body]).toEqual([200, '']);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
    expect(varyOf(res)).toContain('Access-Control-Request-Method');
  });

  it('OPTIONS without Access-Control-Request-Method reaches the handler (405), no Vary: Origin', async () => {
    const res = await request(`${plain.publicUrl}/api/config`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://any.example' },
    });
    expectTextError(res, 405, 'Invalid request method');
    expect(varyOf(res)).not.toContain('Origin');
  });

  it('an explicit list echoes an allowed Origin verbatim (case-insensitive match, wildcards)', async () => {
    for (const origin of ['http://ALLOWED.example', 'http://allowed.example', 'https://shop.wild.example']) {
      const res = await request(`${corsList.publicUrl}/api/config`, { headers: { Origin: origin } });
      expect([origin, res.headers['access-control-allow-origin']]).toEqual([origin, origin]);
    }
  });

  it('an explicit list: another Origin is served without Access-Control-Allow-Origin', async () => {
    for (const origin of [
      'http://other.example',
      'http://allowed.example:8080',
      'https://wild.example.evil',
    ]) {
      const res = await request(`${corsList.publicUrl}/api/config`, { headers: { Origin: origin } });
      expect([origin, res.status, res.headers['access-control-allow-origin']]).toEqual([
        origin,
        200,
        undefined,
      ]);
    }
  });

  it('static files get no CORS headers', async () => {
    const res = await request(`${plain.publicUrl}/`, { headers: { Origin: 'http://any.example' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('§2.5 gzip', () => {
  it('a large static file is gzipped when asked, without Content-Length', async () => {
    const res = await request(`${plain.publicUrl}/app.js`, {
      headers: { 'Accept-Encoding': 'gzip, deflate, br' },
    });
    expect([res.status, res.headers['content-encoding'], res.headers['content-length']]).toEqual([
      200,
      'gzip',
      undefined,
    ]);
    expect(gunzipSync(res.buffer).equals(APP_JS)).toBe(true);
    expect(varyOf(res)).toContain('Accept-Encoding');
  });

  it('not when not asked, or refused with q=0', async () => {
    const variants: Record<string, string>[] = [
      {},
      { 'Accept-Encoding': 'gzip;q=0' },
      { 'Accept-Encoding': 'br' },
    ];
    for (const headers of variants) {
      const res = await request(`${plain.publicUrl}/app.js`, { headers });
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.buffer.equals(APP_JS)).toBe(true);
    }
  });

  it('small API bodies are never compressed, but carry Vary: Accept-Encoding', async () => {
    const res = await request(`${plain.publicUrl}/api/config`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['content-length']).toBe(String(res.buffer.length));
    expect(varyOf(res)).toContain('Accept-Encoding');
  });
});

describe('§2.6 throttle (DESIGN 4: throttle_max per throttle_duration, per IP and route)', () => {
  it('failed requests count; the next is 429 with tollbooth’s exact body and headers', async () => {
    const started = Date.now();
    const url = `${throttled.publicUrl}/api/status`;
    expectTextError(
      await request(`${url}?skyaddr=${SKY[0]}`, { method: 'POST' }),
      405,
      'Invalid request method',
    );
    expectTextError(await request(url), 400, 'Missing skyaddr');
    expect((await request(`${url}?skyaddr=${SKY[0]}`)).status).toBe(200);
    const res = await request(`${url}?skyaddr=${SKY[0]}`, { headers: { 'X-Forwarded-For': '1.2.3.4' } });
    expect([res.status, res.body]).toEqual([429, THROTTLED]);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['x-rate-limit-limit']).toBe('3');
    expect(res.headers['x-rate-limit-duration']).toBe('3s');
    // Not behind a proxy: X-Forwarded-For is shown but not used as the client.
    expect(res.headers['x-rate-limit-request-forwarded-for']).toBe('1.2.3.4');
    expect(res.headers['x-rate-limit-request-remote-addr']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(res.headers.accept).toBeUndefined();
    expect(varyOf(res)).toContain('Origin');
    // /api/bind has its own bucket; /api/config and /api/health are not throttled.
    for (let i = 0; i < 3; i++)
      expect((await postJson(`${throttled.publicUrl}/api/bind`, '{}')).status).toBe(400);
    expect((await postJson(`${throttled.publicUrl}/api/bind`, '{}')).body).toBe(THROTTLED);
    for (let i = 0; i < 8; i++) {
      expect((await request(`${throttled.publicUrl}/api/config`)).status).toBe(200);
      expect((await request(`${throttled.publicUrl}/api/health`)).status).toBe(200);
    }
    // A preflight is answered before the throttle.
    const preflight = await request(url, {
      method: 'OPTIONS',
      headers: { Origin: 'http://a.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(preflight.status).toBe(200);
    // Once the window (from the first hit, after `started`) has passed, the client may ask again:
    // refused requests meanwhile count but do not move the window's end.
    const status = async (): Promise<number> => (await request(`${url}?skyaddr=${SKY[0]}`)).status;
    await untilValue('the 3 s throttle window to end', status, (s) => s === 200, DEADLINE_MS, 100);
    expect(Date.now()).toBeGreaterThanOrEqual(started + 3_000);
  });

  it('every response of a throttled route carries the X-Rate-Limit headers, the empty one too', async () => {
    const res = await request(`${plain.publicUrl}/api/status?skyaddr=${SKY[0]}`);
    expect(res.rawHeaders).toContain('X-Rate-Limit-Request-Forwarded-For');
    expect(res.headers['x-rate-limit-request-forwarded-for']).toBe('');
    expect(res.headers['x-rate-limit-limit']).toBe('60');
    expect(res.headers['x-rate-limit-duration']).toBe('0s');
  });

  it('throttle_max = 0: every bind and status request is 429, before any other check', async () => {
    for (const [method, route] of [
      ['POST', '/api/bind'],
      ['GET', '/api/bind'],
      ['GET', `/api/status?skyaddr=${SKY[0]}`],
      ['POST', '/api/status'],
    ]) {
      const res = await request(`${closed.publicUrl}${route}`, { method });
      expect([method, route, res.status, res.body]).toEqual([method, route, 429, THROTTLED]);
      expect(res.headers['x-rate-limit-limit']).toBe('0');
      expect(res.headers['x-rate-limit-duration']).toBe('1m0s');
    }
    expect((await request(`${closed.publicUrl}/api/config`)).status).toBe(200);
    expect((await request(`${closed.publicUrl}/api/health`)).status).toBe(200);
    expect((await request(`${closed.publicUrl}/`)).status).toBe(200);
  });

  it('behind_proxy: the right-most X-Forwarded-For entry is the client', async () => {
    const status = (xff?: string) =>
      request(`${proxied.publicUrl}/api/status?skyaddr=${SKY[0]}`, {
        headers: xff === undefined ? {} : { 'X-Forwarded-For': xff },
      });
    expect((await status('9.9.9.9, 2.2.2.2')).status).toBe(200);
    expect((await status('8.8.8.8, 2.2.2.2')).status).toBe(429);
    expect((await status('2.2.2.2, 1.1.1.1')).status).toBe(200);
    expect((await status()).status).toBe(200);
    expect((await status()).status).toBe(429);
  });
});

describe('§0 Go mux: unclean paths are redirected before routing', () => {
  it.each([
    ['//api/config', '/api/config'],
    ['/api/./health', '/api/health'],
    ['/x/../api/health', '/api/health'],
    ['/api//status?skyaddr=x', '/api/status?skyaddr=x'],
  ])('GET %s → 301 %s', async (from, to) => {
    const res = await request(`${plain.publicUrl}${from}`);
    expect([res.status, res.headers.location]).toEqual([301, to]);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toBe(`<a href="${to}">Moved Permanently</a>.\n\n`);
  });

  it('POST //api/bind → 301 without a body or content type', async () => {
    const res = await postJson(`${plain.publicUrl}//api/bind`, '{}');
    expect([res.status, res.headers.location, res.body, res.headers['content-type']]).toEqual([
      301,
      '/api/bind',
      '',
      undefined,
    ]);
  });

  it.each(['/api/bind/', '/api/status/', '/api/unknown', '/api', '/api/configx', '/api/v2'])(
    '%s is not an API route → 404 page not found',
    async (route) => {
      expectTextError(await request(`${plain.publicUrl}${route}`), 404, '404 page not found');
    },
  );
});

describe('§2.8 static files and DESIGN 10 UI fallback', () => {
  it('/ → index.html, HTML, with Last-Modified and Accept-Ranges', async () => {
    const res = await request(`${plain.publicUrl}/`);
    expect([res.status, res.body]).toEqual([200, INDEX]);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['last-modified']).toBeDefined();
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(varyOf(res)).toContain('Accept-Encoding');
  });

  it('HEAD / → the headers without a body', async () => {
    const res = await request(`${plain.publicUrl}/`, { method: 'HEAD' });
    expect([res.status, res.body, res.headers['content-length']]).toEqual([
      200,
      '',
      String(Buffer.byteLength(INDEX)),
    ]);
  });

  it('/index.html → 301 ./', async () => {
    const res = await request(`${plain.publicUrl}/index.html`);
    expect([res.status, res.headers.location, res.body]).toEqual([301, './', '']);
  });

  it.each(['/cn/', '/ru/', '/cn', '/some/ui/route'])('UI route %s → index.html', async (route) => {
    const res = await request(`${plain.publicUrl}${route}`);
    expect([res.status, res.body]).toEqual([200, INDEX]);
  });

  it.each(['/missing.js', '/static/css/missing.css', '/favicon.ico'])(
    'a missing file %s → 404',
    async (route) => {
      expectTextError(await request(`${plain.publicUrl}${route}`), 404, '404 page not found');
    },
  );

  it('files keep their type; a subdirectory file is served', async () => {
    const css = await request(`${plain.publicUrl}/small.css`);
    expect([css.status, css.headers['content-type'], css.body]).toEqual([
      200,
      'text/css; charset=utf-8',
      SMALL_CSS,
    ]);
    expect((await request(`${plain.publicUrl}/static/css/x.css`)).body).toBe(X_CSS);
  });

  it('a directory without its trailing slash → 301 to it', async () => {
    const res = await request(`${plain.publicUrl}/static/css`);
    expect(res.status).toBe(301);
    expect(new URL(String(res.headers.location), `${plain.publicUrl}/static/css`).pathname).toBe(
      '/static/css/',
    );
  });

  it('conditional and range requests', async () => {
    const first = await request(`${plain.publicUrl}/small.css`);
    const cached = await request(`${plain.publicUrl}/small.css`, {
      headers: { 'If-Modified-Since': String(first.headers['last-modified']) },
    });
    expect([cached.status, cached.body]).toEqual([304, '']);
    const part = await request(`${plain.publicUrl}/small.css`, { headers: { Range: 'bytes=0-3' } });
    expect([part.status, part.body]).toEqual([206, SMALL_CSS.slice(0, 4)]);
  });
});

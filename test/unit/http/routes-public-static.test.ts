import { gunzipSync } from 'node:zlib';
import type { Config } from '../../../src/config/types';
import { createPublicApp } from '../../../src/http/public';
import type { PublicService } from '../../../src/http/services';
import { silentLogger } from '../../../src/util/logger';
import { BIG_JS, VALID_SKY, closeAll, fakePublic, request, serve, testConfig } from './routes-helpers';

afterEach(closeAll);

async function start(patch?: (c: Config) => void, over: Partial<PublicService> = {}) {
  const svc = fakePublic(testConfig(patch), over);
  const port = await serve(createPublicApp(svc, silentLogger()));
  return { port, svc };
}

const INDEX = '<!doctype html><title>Teller</title>';

describe('Go ServeMux path cleaning', () => {
  it.each([
    ['//api/bind', '/api/bind'],
    ['/api//config', '/api/config'],
    ['/api/./config', '/api/config'],
    ['/x/../api/health?a=1&b=%20', '/api/health?a=1&b=%20'],
    ['/api/%2e%2e/cn/', '/cn/'],
    ['/..', '/'],
    ['/a/b/../', '/a/'],
  ])('GET %s → 301 %s with Go HTML body', async (target, location) => {
    const { port } = await start();
    const r = await request(port, target);
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(location);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.text).toBe(`<a href="${location.replace(/&/g, '&amp;')}">Moved Permanently</a>.\n\n`);
    expect(r.headers.vary).toBeUndefined();
  });

  it('POST //api/bind → 301 without body or content type', async () => {
    const { port, svc } = await start();
    const r = await request(port, '//api/bind', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect([r.status, r.text, r.headers['content-type'], r.headers.location]).toEqual([
      301,
      '',
      undefined,
      '/api/bind',
    ]);
    expect(svc.calls.bind).toEqual([]);
  });

  it('routes match the decoded path exactly (/api/%62ind is /api/bind)', async () => {
    const { port } = await start();
    expect((await request(port, '/api/%63onfig')).status).toBe(200);
    const r = await request(port, '/api/bind/');
    expect([r.status, r.text]).toEqual([404, '404 page not found\n']);
  });

  it.each(['/%zz', '/api/status%', '/api/%g1'])('%s (bad %% escape) → 400, no crash', async (target) => {
    const { port } = await start();
    const r = await request(port, target);
    expect([r.status, r.text]).toEqual([400, '400 Bad Request']);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect((await request(port, '/api/config')).status).toBe(200);
  });

  it('%ff (not UTF-8) is a byte, not a crash', async () => {
    const { port } = await start();
    expect((await request(port, '/x%ff.js')).status).toBe(404);
    expect((await request(port, '/x%ff')).status).toBe(200);
  });
});

describe('static files (web UI)', () => {
  it('GET / → index.html', async () => {
    const { port } = await start();
    const r = await request(port, '/');
    expect([r.status, r.text]).toEqual([200, INDEX]);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.headers.vary).toBe('Accept-Encoding');
  });

  it('HEAD / → headers with Content-Length, no body', async () => {
    const { port } = await start();
    const r = await request(port, '/', { method: 'HEAD' });
    expect([r.status, r.headers['content-length'], r.body.length]).toEqual([200, String(INDEX.length), 0]);
  });

  it.each(['/cn/', '/ru/', '/cn', '/status/abc', '/static/'])(
    'UI route %s falls back to index.html',
    async (p) => {
      const { port } = await start();
      const r = await request(port, p);
      expect([r.status, r.text]).toEqual([200, INDEX]);
    },
  );

  it.each(['/missing.js', '/static/css/missing.css', '/api/', '/api', '/api/unknown', '/api/bind/x'])(
    '%s → 404 404 page not found',
    async (p) => {
      const { port } = await start();
      const r = await request(port, p);
      expect([r.status, r.text]).toEqual([404, '404 page not found\n']);
      expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    },
  );

  it('serves files in subdirectories; a directory without slash redirects', async () => {
    const { port } = await start();
    expect((await request(port, '/static/css/x.css')).text).toBe('a{}');
    const r = await request(port, '/static');
    expect([r.status, r.headers.location]).toEqual([301, '/static/']);
  });

  it('/index.html → 301 ./ like http.FileServer', async () => {
    const { port } = await start();
    const r = await request(port, '/index.html?x=1');
    expect([r.status, r.headers.location, r.text]).toEqual([301, './?x=1', '']);
  });

  it('POST / → 405 (only GET and HEAD read files)', async () => {
    const { port } = await start();
    const r = await request(port, '/', { method: 'POST', body: 'x' });
    expect([r.status, r.headers.allow]).toEqual([405, 'GET, HEAD']);
  });

  it('a missing static_dir gives 404s, not crashes', async () => {
    const { port } = await start((c) => (c.web.static_dir = '/nonexistent/teller-web'));
    expect((await request(port, '/')).status).toBe(404);
    expect((await request(port, '/cn/')).status).toBe(404);
    expect((await request(port, '/app.js')).status).toBe(404);
    expect((await request(port, '/api/config')).status).toBe(200);
  });
});

describe('gzip (gziphandler semantics)', () => {
  it('compresses a large file for Accept-Encoding: gzip', async () => {
    const { port } = await start();
    const r = await request(port, '/app.js', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.headers['content-length']).toBeUndefined();
    expect(gunzipSync(r.body).toString()).toBe(BIG_JS);
  });

  it.each(['br', 'deflate', 'gzip;q=0', 'identity'])('does not compress for %s', async (ae) => {
    const { port } = await start();
    const r = await request(port, '/app.js', { headers: { 'accept-encoding': ae } });
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.text).toBe(BIG_JS);
    expect(r.headers.vary).toBe('Accept-Encoding');
  });

  it('small bodies are not compressed', async () => {
    const { port } = await start();
    const r = await request(port, '/api/config', { headers: { 'accept-encoding': 'gzip' } });
    expect(r.headers['content-encoding']).toBeUndefined();
  });

  it('a large /api/status body is compressed', async () => {
    const many = Array.from({ length: 30 }, (_, i) => ({
      seq: i,
      updated_at: 1,
      status: 'done' as const,
      coin_type: 'BTC',
    }));
    const { port } = await start(undefined, { statuses: async () => many });
    const r = await request(port, `/api/status?skyaddr=${VALID_SKY}`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(r.body).toString()).statuses).toHaveLength(30);
  });

  it('fetch decodes it transparently', async () => {
    const { port } = await start();
    const res = await fetch(`http://127.0.0.1:${port}/app.js`);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(await res.text()).toBe(BIG_JS);
  });
});

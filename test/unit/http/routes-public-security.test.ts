import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config } from '../../../src/config/types';
import { createPublicApp } from '../../../src/http/public';
import { silentLogger } from '../../../src/util/logger';
import {
  VALID_SKY,
  closeAll,
  fakePublic,
  headerNames,
  json,
  request,
  serve,
  testConfig,
} from './routes-helpers';

afterEach(closeAll);

const CSP = "default-src 'self';img-src 'self' data:;style-src 'self';script-src 'self';connect-src 'self'";

async function start(patch?: (c: Config) => void, tls?: { cert: string; key: string }) {
  const svc = fakePublic(testConfig(patch));
  return serve(createPublicApp(svc, silentLogger()), tls ? { tls } : undefined);
}

function expectSecurityHeaders(h: Record<string, unknown>) {
  expect(h['x-frame-options']).toBe('DENY');
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['x-xss-protection']).toBe('1; mode=block');
  expect(h['referrer-policy']).toBe('no-referrer');
  expect(h['content-security-policy']).toBe(CSP);
  expect(h['x-powered-by']).toBeUndefined();
}

describe('security headers', () => {
  it.each([
    ['/api/config', 200],
    ['/api/status', 400],
    ['/', 200],
    ['/missing.js', 404],
    ['//api/config', 301],
  ])('on %s (%i), without HSTS over plain HTTP', async (target, status) => {
    const port = await start();
    const r = await request(port, target);
    expect(r.status).toBe(status);
    expectSecurityHeaders(r.headers);
    expect(r.headers['strict-transport-security']).toBeUndefined();
  });

  it('on 429s and errors from the bind handler', async () => {
    const port = await start((c) => {
      c.web.throttle_max = 0;
      c.web.throttle_duration_ms = 1000;
    });
    const r = await request(port, '/api/bind', json({ skyaddr: VALID_SKY, coin_type: 'BTC' }));
    expect(r.status).toBe(429);
    expectSecurityHeaders(r.headers);
  });

  it('the X-Xss-Protection name goes out as Go canonicalises it', async () => {
    const port = await start();
    const r = await request(port, '/api/config');
    expect(r.rawHeaders).toContain('X-Xss-Protection');
    expect(headerNames(r)).not.toContain('cross-origin-resource-policy');
  });
});

describe('HTTPS', () => {
  let tls: { cert: string; key: string };
  beforeAll(() => {
    const dir = mkdtempSync(path.join(tmpdir(), 'teller-tls-'));
    tls = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        tls.key,
        '-out',
        tls.cert,
      ],
      { stdio: 'ignore' },
    );
  });

  const https = (c: Config) => {
    c.web.https_addr = '127.0.0.1:7072';
    c.web.tls_cert = tls.cert;
    c.web.tls_key = tls.key;
  };

  it('serves the same app over TLS with HSTS', async () => {
    const port = await start(https, tls);
    const r = await request(port, '/api/config', { tls: true });
    expect(r.status).toBe(200);
    expect(r.headers['strict-transport-security']).toBe('max-age=31536000');
    expectSecurityHeaders(r.headers);
  });

  it('plain-HTTP GET → 301 to https://<https_addr><path>?<query> with Go body, no security headers', async () => {
    const port = await start(https);
    const r = await request(port, '/api/config?x=1');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('https://127.0.0.1:7072/api/config?x=1');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.text).toBe('<a href="https://127.0.0.1:7072/api/config?x=1">Moved Permanently</a>.\n\n');
    expect(r.headers['x-frame-options']).toBeUndefined();
  });

  it('plain-HTTP POST /api/bind → 301 with no body and no content type; HEAD has a type but no body', async () => {
    const port = await start(https);
    const post = await request(port, '/api/bind', json({ skyaddr: VALID_SKY, coin_type: 'BTC' }));
    expect([post.status, post.text, post.headers['content-type']]).toEqual([301, '', undefined]);
    expect(post.headers.location).toBe('https://127.0.0.1:7072/api/bind');
    const head = await request(port, '/', { method: 'HEAD' });
    expect([head.status, head.text, head.headers['content-type']]).toEqual([
      301,
      '',
      'text/html; charset=utf-8',
    ]);
  });

  it('auto_tls_host: other Hosts → 500 Bad Host with only content type and nosniff', async () => {
    const port = await start((c) => (c.web.auto_tls_host = 'otc.example.com'));
    const r = await request(port, '/api/config', { headers: { host: 'otc.example.com:7071' } });
    expect([r.status, r.text]).toEqual([500, 'Bad Host\n']);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBeUndefined();
  });

  it('auto_tls_host: the right Host (any case) is redirected to https://<auto_tls_host>', async () => {
    const port = await start((c) => (c.web.auto_tls_host = 'otc.example.com'));
    const r = await request(port, '/cn/?a=b', { headers: { host: 'OTC.example.com' } });
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('https://otc.example.com/cn/?a=b');
  });
});

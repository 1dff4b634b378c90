import { gunzipSync } from 'node:zlib';
import type { Config } from '../../../src/config/types';
import { acceptsGzip, GzipCache, GZIP_MIN_BYTES } from '../../../src/http/api/gzip';
import { createPublicApp } from '../../../src/http/public';
import type { PublicService, StatusEntry } from '../../../src/http/services';
import { silentLogger } from '../../../src/util/logger';
import {
  VALID_SKY,
  capturingLogger,
  closeAll,
  fakePublic,
  json,
  request,
  serve,
  testConfig,
  type RawOptions,
  type RawResponse,
} from './routes-helpers';

/**
 * One request path per route: what a browser sends (Accept-Encoding, Origin, a User-Agent) gets
 * the same answer as what curl or autocannon send, bar the encoding and the CORS grant.
 */

afterEach(closeAll);

const BROWSER = {
  'accept-encoding': 'gzip, deflate, br',
  origin: 'https://shop.example',
  'user-agent':
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
};

/** Enough statuses for a body over gziphandler's 1400 bytes. */
const MANY: StatusEntry[] = Array.from({ length: 14 }, (_, seq) => ({
  seq,
  updated_at: 1795315313 + seq,
  status: 'done',
  coin_type: 'BTC',
}));

const svcOver: Partial<PublicService> = {
  statuses: async (addr) => (addr === VALID_SKY ? MANY : []),
  statusDetail: async () => ({ deposits: MANY.map((s) => ({ ...s, payout_txid: 'ab'.repeat(32) })) }),
};

const ENCODING_HEADERS = new Set(['content-encoding', 'content-length', 'transfer-encoding']);

/** Status, headers as sent but for the encoding and the CORS grant (Date and the port left out), decoded body. */
function comparable(r: RawResponse): [number, string[], string] {
  const headers: string[] = [];
  for (let i = 0; i < r.rawHeaders.length; i += 2) {
    const [name, value] = [r.rawHeaders[i], r.rawHeaders[i + 1]];
    const lower = name.toLowerCase();
    if (lower === 'date' || lower === 'access-control-allow-origin' || ENCODING_HEADERS.has(lower)) continue;
    headers.push(
      `${name}: ${lower === 'x-rate-limit-request-remote-addr' ? value.replace(/:\d+$/, ':port') : value}`,
    );
  }
  const body = r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body).toString('utf8') : r.text;
  return [r.status, headers, body];
}

const withHeaders = (opts: RawOptions, extra: Record<string, string>): RawOptions => ({
  ...opts,
  headers: { ...opts.headers, ...extra },
});

async function start(patch?: (c: Config) => void): Promise<number> {
  return serve(createPublicApp(fakePublic(testConfig(patch), svcOver), silentLogger()));
}

const CASES: [string, string, RawOptions][] = [
  ['GET /api/config', '/api/config', {}],
  ['GET /api/health', '/api/health', {}],
  ['GET /api/status, 14 statuses (gzipped)', `/api/status?skyaddr=${VALID_SKY}`, {}],
  ['GET /api/status, no bindings', '/api/status?skyaddr=t5apgjk4LvV9PQareTPzWkE88o1G5A55FW', {}],
  ['GET /api/status, no skyaddr', '/api/status', {}],
  ['GET /api/status, invalid address', '/api/status?skyaddr=abc0', {}],
  ['GET /api/v2/status (gzipped)', `/api/v2/status?skyaddr=${VALID_SKY}`, {}],
  ['POST /api/bind, valid', '/api/bind', json({ skyaddr: VALID_SKY, coin_type: 'BTC' })],
  ['POST /api/bind, invalid address', '/api/bind', json({ skyaddr: 'abc0', coin_type: 'BTC' })],
  ['POST /api/bind, bad JSON', '/api/bind', { ...json({}), body: '{bad}' }],
  ['POST /api/bind, text/plain', '/api/bind', { method: 'POST', headers: { 'content-type': 'text/plain' } }],
  ['GET /api/bind', '/api/bind', {}],
  ['POST /api/config', '/api/config', { method: 'POST' }],
  ['HEAD /api/health', '/api/health', { method: 'HEAD' }],
  ['GET / (the UI)', '/', {}],
  ['GET //api/config (path to clean)', '//api/config', {}],
  ['GET /api/nope', '/api/nope', {}],
];

describe('one request path for every client', () => {
  it.each(CASES)('%s: a browser and a bare client get the same answer', async (_case, target, opts) => {
    const port = await start();
    const bare = await request(port, target, opts);
    const browser = await request(port, target, withHeaders(opts, BROWSER));
    expect(comparable(browser)).toEqual(comparable(bare));
  });

  it('a browser gets the CORS grant on the API, and gzip exactly for bodies of 1400 bytes or more', async () => {
    const port = await start();
    const big = await request(port, `/api/status?skyaddr=${VALID_SKY}`, { headers: BROWSER });
    expect(big.headers['access-control-allow-origin']).toBe('*');
    expect(big.headers['content-encoding']).toBe('gzip');
    expect(big.headers['content-length']).toBeUndefined();
    expect(gunzipSync(big.body).length).toBeGreaterThanOrEqual(GZIP_MIN_BYTES);
    const small = await request(port, '/api/config', { headers: BROWSER });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.headers['content-length']).toBe(String(small.body.length));
    // A repeated body is the same gzip stream (sent from the cache).
    const again = await request(port, `/api/status?skyaddr=${VALID_SKY}`, { headers: BROWSER });
    expect(again.body.equals(big.body)).toBe(true);
  });

  it('the throttle counts browser and bare requests alike: the 429 comes at the same request', async () => {
    const port = await start((c) => {
      c.web.throttle_max = 3;
      c.web.throttle_duration_ms = 60_000;
    });
    const target = `/api/status?skyaddr=${VALID_SKY}`;
    const answers = [
      await request(port, target),
      await request(port, target, { headers: BROWSER }),
      await request(port, target),
      await request(port, target, { headers: BROWSER }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(comparable(answers[0])).toEqual(comparable(answers[1]));
  });

  it('logs each API request once (not preflights, not 429s); a failed lookup is a logged 500', async () => {
    const { log, lines } = capturingLogger('info');
    let calls = 0;
    const svc = fakePublic(
      testConfig((c) => (c.web.throttle_max = 1)),
      {
        statuses: async () => {
          if (++calls === 1) throw new Error('store busy');
          return [];
        },
      },
    );
    svc.config.web.throttle_duration_ms = 60_000;
    const port = await serve(createPublicApp(svc, log));
    const status = `/api/status?skyaddr=${VALID_SKY}`;
    expect((await request(port, status, { headers: BROWSER })).status).toBe(500);
    expect((await request(port, status)).status).toBe(429);
    await request(port, '/api/config', { headers: BROWSER });
    await request(port, '/api/bind', {
      method: 'OPTIONS',
      headers: { ...BROWSER, 'access-control-request-method': 'POST' },
    });
    const logged = lines.filter((l) => l.msg === 'http request').map((l) => [l.method, l.path, l.status]);
    expect(logged).toEqual([
      ['GET', '/api/status', 500],
      ['GET', '/api/config', 200],
    ]);
    expect(lines.filter((l) => l.msg === 'request failed' && l.level === 50)).toHaveLength(1);
  });
});

describe('acceptsGzip (gziphandler: a gzip entry with q > 0)', () => {
  it.each<[string | undefined, boolean]>([
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['GZIP', true],
    ['gzip, deflate, br', true],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', true],
    ['deflate, br', false],
    ['*', false],
    ['identity', false],
    ['gzip;q=0', false],
    ['gzip; q=0.001', true],
    ['gzip;q=0, gzip;q=0.5', true],
    ['x-gzip', false],
  ])('%j → %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

describe('GzipCache', () => {
  const body = (c: string) => `{"pad": "${c.repeat(2000)}"}`;

  it('gzips once per body and keeps at most maxBytes of bodies, least recently used out first', () => {
    const cache = new GzipCache(5000);
    const a = cache.gzip(body('a'));
    expect(gunzipSync(a).toString()).toBe(body('a'));
    expect(cache.gzip(body('a'))).toBe(a);
    const b = cache.gzip(body('b'));
    expect(cache.gzip(body('a'))).toBe(a); // a is now the most recent
    cache.gzip(body('c')); // over 5000 bytes: b goes
    expect(cache.gzip(body('a'))).toBe(a);
    expect(cache.gzip(body('b'))).not.toBe(b);
  });

  it('does not keep a body larger than the whole cache', () => {
    const cache = new GzipCache(100);
    const first = cache.gzip(body('z'));
    expect(cache.gzip(body('z'))).not.toBe(first);
  });
});

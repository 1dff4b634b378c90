import express from 'express';
import pino from 'pino';
import { HttpError, toHttpError } from '../../../src/http/errors';
import { textErrors } from '../../../src/http/middleware/text-error';
import { createPublicApp } from '../../../src/http/public';
import { parseListenAddr, startServer } from '../../../src/http/server';
import {
  VALID_SKY,
  capturingLogger,
  closeAll,
  fakePublic,
  json,
  request,
  serve,
  testConfig,
} from './routes-helpers';

afterEach(closeAll);

/** A one-shot event a test can await: `fired` resolves once `fire()` is called. */
function signal(): { fire: () => void; fired: Promise<void> } {
  let fire: () => void = () => undefined;
  const fired = new Promise<void>((r) => (fire = r));
  return { fire, fired };
}

describe('parseListenAddr (net.SplitHostPort)', () => {
  it.each([
    ['127.0.0.1:7071', { host: '127.0.0.1', port: 7071 }],
    [':7071', { host: '', port: 7071 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    ['localhost:65535', { host: 'localhost', port: 65535 }],
  ])('%s', (addr, want) => {
    expect(parseListenAddr(addr)).toEqual(want);
  });

  it.each(['7071', '127.0.0.1', '127.0.0.1:70000', '::1:80', '1.2.3.4:http', ''])('rejects %j', (addr) => {
    expect(() => parseListenAddr(addr)).toThrow(/invalid listen address/);
  });
});

describe('startServer', () => {
  it('reports the real port for port 0', async () => {
    const app = express();
    app.get('/', (_req, res) => {
      res.end('hi');
    });
    const s = await startServer(app, '127.0.0.1:0');
    expect(s.address.host).toBe('127.0.0.1');
    expect(s.address.port).toBeGreaterThan(0);
    expect((await request(s.address.port, '/')).text).toBe('hi');
    await s.close();
    await expect(request(s.address.port, '/')).rejects.toThrow();
  });

  it('fails on an address in use', async () => {
    const s = await startServer(express(), '127.0.0.1:0');
    await expect(startServer(express(), `127.0.0.1:${s.address.port}`)).rejects.toThrow(/EADDRINUSE/);
    await s.close();
  });

  it('close() lets an in-flight request finish', async () => {
    const app = express();
    const arrived = signal();
    const release = signal();
    app.get('/slow', (_req, res) => {
      arrived.fire();
      void release.fired.then(() => res.end('done'));
    });
    const s = await startServer(app, '127.0.0.1:0');
    const pending = request(s.address.port, '/slow');
    await arrived.fired;
    let closedYet = false;
    const closed = s.close().then(() => (closedYet = true));
    // The request is still open: close() must wait for it rather than cut it.
    await new Promise((r) => setImmediate(r));
    expect(closedYet).toBe(false);
    release.fire();
    expect((await pending).text).toBe('done');
    await closed;
  });

  it('close() cuts a request that outlives the shutdown timeout', async () => {
    const app = express();
    const arrived = signal();
    app.get('/hang', () => arrived.fire());
    const s = await startServer(app, '127.0.0.1:0', { shutdownTimeoutMs: 100 });
    const pending = request(s.address.port, '/hang');
    await arrived.fired;
    // Without the timeout the handler would hold close() until the test times out.
    await s.close();
    await expect(pending).rejects.toThrow();
  });

  it('close() does not wait for idle keep-alive connections (fetch keeps its socket open)', async () => {
    const app = express();
    app.get('/', (_req, res) => {
      res.end('x');
    });
    // No shutdown deadline to fall back on: waiting for the idle socket would hang the test.
    const s = await startServer(app, '127.0.0.1:0', { shutdownTimeoutMs: 3_600_000 });
    await fetch(`http://127.0.0.1:${s.address.port}/`).then((r) => r.text());
    await s.close();
  });
});

describe('request logging', () => {
  it('logs method, path, status and ms: info for the API, debug for /api/health, never bodies', async () => {
    const { log, lines } = capturingLogger('debug');
    const port = await serve(createPublicApp(fakePublic(testConfig()), log));
    await request(port, '/api/bind', json({ skyaddr: VALID_SKY, coin_type: 'BTC' }));
    await request(port, '/api/health');
    const http = lines.filter((l) => l.msg === 'http request');
    expect(http).toEqual([
      expect.objectContaining({
        level: 30,
        method: 'POST',
        path: '/api/bind',
        status: 200,
        ms: expect.any(Number),
      }),
      expect.objectContaining({ level: 20, method: 'GET', path: '/api/health', status: 200 }),
    ]);
    expect(JSON.stringify(lines)).not.toContain(VALID_SKY);
  });
});

describe('error table', () => {
  it('maps HttpErrors, express client errors and everything else', () => {
    const tabled = toHttpError(new HttpError('coin_not_enabled', 'ETH'));
    expect([tabled.error.status, tabled.error.body, tabled.expected]).toEqual([
      400,
      'ETH not enabled\n',
      true,
    ]);
    const uri = toHttpError(Object.assign(new URIError('URI malformed'), { status: 400 }));
    expect([uri.error.status, uri.error.body, uri.expected]).toEqual([400, 'Bad Request\n', true]);
    const big = toHttpError(Object.assign(new Error('request entity too large'), { statusCode: 413 }));
    expect([big.error.status, big.error.body]).toEqual([413, 'Request body too large\n']);
    const other = toHttpError(Object.assign(new Error('x'), { status: 503 }));
    expect([other.error.status, other.error.body, other.expected]).toEqual([
      500,
      'Internal Server Error\n',
      false,
    ]);
    expect(new HttpError('throttled').body).toBe('You have reached maximum request limit.');
    expect(new HttpError('invalid_json').body).toBe('Invalid json request body\n');
  });

  it('a final handler answers express-level errors as text, never HTML', async () => {
    const app = express();
    app.get('/uri', (_req, _res, next) => next(Object.assign(new URIError('bad'), { status: 400 })));
    app.get('/boom', () => {
      throw new Error('boom');
    });
    app.use(textErrors(pino({ level: 'silent' })));
    const port = await serve(app);
    const uri = await request(port, '/uri');
    expect([uri.status, uri.text, uri.headers['content-type']]).toEqual([
      400,
      'Bad Request\n',
      'text/plain; charset=utf-8',
    ]);
    const boom = await request(port, '/boom');
    expect([boom.status, boom.text]).toEqual([500, 'Internal Server Error\n']);
  });
});

import type { DepositStore } from '../../../src/exchange/deposit-store';
import type { DepositEvent } from '../../../src/exchange/types';
import { baseApp } from '../../../src/http/middleware/base-app';
import { goRoutes, notFound } from '../../../src/http/middleware/go-mux';
import { textErrors } from '../../../src/http/middleware/text-error';
import { PUBLIC_API_PATHS } from '../../../src/http/public';
import { createMetricsApp, withHttpMetrics, opsAdminRoutes, routeLabeler } from '../../../src/http/ops';
import { startServer, type RunningServer } from '../../../src/http/server';
import { TellerMetrics } from '../../../src/ops/metrics';
import type { RescanResult } from '../../../src/scanner/rescan';
import type { Scanner } from '../../../src/scanner/types';
import { seqKey, type Store } from '../../../src/store/store';
import { silentLogger } from '../../../src/util/logger';
import { fakeSource, openStore, scannerStatus, walk, type FakeSource } from './helpers';

interface Reply {
  status: number;
  type: string;
  body: string;
  headers: Headers;
}

async function call(base: string, path: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(base + path, init);
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: await res.text(),
    headers: res.headers,
  };
}
const post = (base: string, path: string, body: unknown) =>
  call(base, path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** A scanner fake; `rescanFrom` only when `rescans` is given. */
function fakeScanner(chain: string, rescans?: number[]): Scanner {
  const s: Scanner = {
    chain,
    coins: [chain],
    watch: () => undefined,
    watched: () => [],
    start: async () => undefined,
    stop: async () => undefined,
    status: () => scannerStatus({ chain }),
    pendingStamp: () => 0,
    pending: (address) =>
      chain === 'BTC' && address === '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA'
        ? [
            {
              deposit: { coin_type: chain, address, value: 5n, height: 101, tx: 'cc', n: 1 },
              confirmations: 1,
              required: 3,
            },
          ]
        : [],
  };
  if (!rescans) return s;
  return Object.assign(s, {
    rescanFrom: async (height: number): Promise<RescanResult> => {
      rescans.push(height);
      return {
        chain,
        from_height: height,
        previous_height: 120,
        cursor: { height: height - 1, hash: 'h' },
        refs_removed: 3,
        seen_removed: 0,
        handed_rechecked: 0,
      };
    },
  });
}

describe('metrics listener', () => {
  let store: Store;
  let deposits: DepositStore;
  let src: FakeSource;
  let server: RunningServer;
  let base: string;
  beforeEach(async () => {
    ({ store, deposits } = await openStore());
    src = fakeSource(store, deposits);
    const metrics = new TellerMetrics({ source: src, log: silentLogger(), processMetrics: false });
    server = await startServer(
      createMetricsApp(metrics, { source: src, maxLagBlocks: 6 }, silentLogger()),
      '127.0.0.1:0',
    );
    base = `http://127.0.0.1:${server.address.port}`;
  });
  afterEach(async () => {
    await server.close();
    await store.close();
  });

  it('serves /metrics in the Prometheus text format', async () => {
    const r = await call(base, '/metrics');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(r.body).toMatch(/^teller_scanner_height\{chain="BTC"\} 100$/m);
    expect(r.body).toMatch(/^teller_pool_remaining\{coin="BTC"\} 50$/m);
  });

  it('/healthz answers while the process is up; other paths and methods are refused', async () => {
    expect(await call(base, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    expect((await call(base, '/healthz', { method: 'POST' })).status).toBe(405);
    expect((await call(base, '/nope')).status).toBe(404);
  });

  it('/readyz: 200 when the store reads and scanners keep up, 503 otherwise', async () => {
    let r = await call(base, '/readyz');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({
      ready: true,
      store: { ready: true },
      scanners: [{ chain: 'BTC', ready: true }],
    });

    src.statuses = [scannerStatus({ height: 80, tip: 100, lag: 20 })];
    r = await call(base, '/readyz');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).scanners[0]).toMatchObject({
      ready: false,
      reason: '20 blocks behind (limit 6)',
    });

    src.statuses = [
      scannerStatus({ tip: -1, lag: 0, last_error: 'ECONNREFUSED' }),
      scannerStatus({ chain: 'ETH', enabled: false, lag: 99 }),
    ];
    r = await call(base, '/readyz');
    expect(JSON.parse(r.body).scanners).toMatchObject([
      { ready: false, reason: 'node not reached: ECONNREFUSED' },
      { ready: true, reason: 'disabled' },
    ]);

    src.statuses = [];
    await store.close();
    r = await call(base, '/readyz');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).store.ready).toBe(false);
  });
});

describe('withHttpMetrics', () => {
  it('counts requests by API, teller route (never the raw path) and status', async () => {
    const { store, deposits } = await openStore();
    const metrics = new TellerMetrics({
      source: fakeSource(store, deposits),
      log: silentLogger(),
      processMetrics: false,
    });
    const label = routeLabeler(
      ['/api/health', '/api/deposits'],
      [
        [/^\/api\/deposits\/[^/]+\/retry$/, '/api/deposits/:id/retry'],
        [/^\/api\/deposits\/[^/]+$/, '/api/deposits/:id'],
      ],
    );
    const app = baseApp();
    app.use(
      goRoutes((p) =>
        p === '/api/health' || p.startsWith('/api/deposits/') ? (_req, res) => void res.end('ok') : undefined,
      ),
      notFound,
      textErrors(silentLogger()),
    );
    const server = await startServer(withHttpMetrics(app, metrics, 'admin', label), '127.0.0.1:0');
    const base = `http://127.0.0.1:${server.address.port}`;
    for (const p of [
      '/api/health',
      '/api/%68ealth?x=1',
      '/api/deposits/aa:0',
      '/api/deposits/bb:1/retry',
      '/api/zzz',
      '/index.html',
      '/x/y/z',
    ]) {
      await call(base, p);
    }
    await server.close();
    const { body } = await metrics.render();
    const lines = body.split('\n').filter((l) => l.startsWith('teller_http_requests_total{'));
    expect(lines.sort()).toEqual(
      [
        'teller_http_requests_total{api="admin",route="/api/health",status="200"} 2',
        'teller_http_requests_total{api="admin",route="/api/deposits/:id",status="200"} 1',
        'teller_http_requests_total{api="admin",route="/api/deposits/:id/retry",status="200"} 1',
        'teller_http_requests_total{api="admin",route="other",status="404"} 1',
        'teller_http_requests_total{api="admin",route="static",status="404"} 2',
      ].sort(),
    );
    const publicLabel = routeLabeler(PUBLIC_API_PATHS);
    expect(PUBLIC_API_PATHS.map(publicLabel)).toEqual([
      '/api/bind',
      '/api/status',
      '/api/v2/status',
      '/api/config',
      '/api/health',
    ]);
    expect(publicLabel('/api/v3/status')).toBe('other');
    await store.close();
  });
});

describe('admin ops routes', () => {
  let store: Store;
  let deposits: DepositStore;
  let server: RunningServer;
  let base: string;
  const rescans: number[] = [];
  beforeEach(async () => {
    ({ store, deposits } = await openStore());
    rescans.length = 0;
    const routes = opsAdminRoutes({
      store,
      scanners: [fakeScanner('BTC', rescans), fakeScanner('ETH')],
      log: silentLogger(),
    });
    const app = baseApp();
    app.use(
      goRoutes((p) => routes.get(p)),
      textErrors(silentLogger()),
    );
    server = await startServer(app, '127.0.0.1:0');
    base = `http://127.0.0.1:${server.address.port}`;
    await walk(deposits, 'aa', 0, 'done');
    await walk(deposits, 'bb', 1, 'waiting_send');
  });
  afterEach(async () => {
    await server.close();
    await store.close();
  });

  it('GET /api/audit/verify reports the chain, and the first broken link once tampered', async () => {
    let r = await call(base, '/api/audit/verify');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, count: 6, deposits: 2 });
    const ev = await store.get<DepositEvent>('events', seqKey(2));
    await store.write([{ type: 'put', space: 'events', key: seqKey(2), value: { ...ev, note: 'edited' } }]);
    r = await call(base, '/api/audit/verify');
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, first_broken: { seq: 2 } });
    expect((await call(base, '/api/audit/verify', { method: 'POST' })).status).toBe(405);
  });

  it('GET /api/export streams CSV or JSON, filtered by status', async () => {
    let r = await call(base, '/api/export?format=csv');
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="teller-deposits-\d+\.csv"$/);
    const lines = r.body.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^seq,deposit_id,status,/);
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['aa:0', 'bb:1']);

    r = await call(base, '/api/export?status=waiting_send');
    expect(r.type).toBe('application/json');
    const rows = JSON.parse(r.body) as { deposit_id: string; deposit_value: string }[];
    expect(rows.map((x) => x.deposit_id)).toEqual(['bb:1']);
    expect(rows[0].deposit_value).toBe('1000000');

    expect(await call(base, '/api/export?format=xml')).toMatchObject({ status: 400 });
    expect(JSON.parse((await call(base, '/api/export?status=waiting_deposit')).body)).toEqual({
      error: 'unknown status "waiting_deposit"',
    });
  });

  it('POST /api/rescan asks the running scanner; refuses what it cannot do', async () => {
    const r = await post(base, '/api/rescan', { chain: 'BTC', from_height: 100 });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ chain: 'BTC', from_height: 100, cursor: { height: 99 } });
    expect(rescans).toEqual([100]);
    expect((await post(base, '/api/rescan', { chain: 'ETH', from_height: 1 })).status).toBe(501);
    expect((await post(base, '/api/rescan', { chain: 'DOGE', from_height: 1 })).status).toBe(404);
    expect((await post(base, '/api/rescan', { chain: 'BTC', from_height: -1 })).status).toBe(400);
    expect((await post(base, '/api/rescan', { chain: 'BTC', from_height: '5' })).status).toBe(400);
    expect((await post(base, '/api/rescan', 'not json')).status).toBe(400);
    expect((await post(base, '/api/rescan', [1])).status).toBe(400);
    expect((await call(base, '/api/rescan')).status).toBe(405);
  });

  it('POST /api/recheck shows the store records and the scanner view', async () => {
    let r = await post(base, '/api/recheck', { txid: 'aa', chain: 'BTC' });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.deposits).toHaveLength(1);
    expect(body.deposits[0]).toMatchObject({
      role: 'deposit',
      record: { deposit_id: 'aa:0', status: 'done' },
    });
    expect(body.deposits[0].events).toHaveLength(4);
    expect(body.scanners).toEqual([expect.objectContaining({ chain: 'BTC', pending: [] })]);

    // Seen by the scanner, not yet confirmed: the store's scan entry and the scanner's live view.
    const seen = {
      coin_type: 'BTC',
      address: '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA',
      value: 5n,
      height: 101,
      tx: 'cc',
      n: 1,
    };
    await store.write([
      {
        type: 'put',
        space: 'scan',
        key: 'BTC!seen!000000000101!cc:1',
        value: { deposit: seen, hash: 'h101' },
      },
    ]);
    r = await post(base, '/api/recheck', { txid: 'cc' });
    const cc = JSON.parse(r.body);
    expect(cc.deposits).toEqual([]);
    expect(cc.scan).toEqual([
      { chain: 'BTC', kind: 'seen', height: 101, block: 'h101', deposit: { ...seen, value: 5 } },
    ]);
    expect(
      cc.scanners.map((s: { chain: string; pending: unknown[] }) => [s.chain, s.pending.length]),
    ).toEqual([
      ['BTC', 1],
      ['ETH', 0],
    ]);
    r = await post(base, '/api/recheck', { txid: 'payout-aa-0' });
    expect(JSON.parse(r.body).deposits[0]).toMatchObject({ role: 'payout', record: { deposit_id: 'aa:0' } });
    expect((await post(base, '/api/recheck', { txid: 'aa', chain: 'DOGE' })).status).toBe(404);
    expect((await post(base, '/api/recheck', {})).status).toBe(400);
  });
});

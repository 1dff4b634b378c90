/**
 * Benchmark 4: public API, as real clients call it. Every request carries what a browser sends
 * (Accept-Encoding: gzip, deflate, br; an Origin; a browser User-Agent; keep-alive), on every
 * route the buyer page and integrators use: /api/status and /api/v2/status (a payout address with
 * 5 bindings, picked at random among 20,000; 100,000 bindings in the store), /api/config,
 * /api/health, POST /api/bind (a valid bind of a fresh payout address, from a pool of 900,000
 * addresses; and the 400 path, an invalid payout address). autocannon, 32 connections, throttle
 * off. The status routes' warm-up asks each of the 20,000 payout addresses once (the first-query
 * figures); the rounds then poll them at random, as buyer pages do. Baselines, in the same rounds:
 * a bare node:http server answering each route with the body and headers the daemon sent for it,
 * gzipped by the same rule, and for the valid bind after a bind's worth of synced LevelDB writes
 * with the store's group commit and checkpoint file (bench/lib/bare-api-server.cjs); and the
 * original Go teller's figures measured on this machine (issue 17), for the 1.5× target.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { copyDataDir, dataset } from './lib/dataset';
import { baseConfig, launchDaemon, mergeConfig, writeConfig } from './lib/daemon';
import { skyAddresses } from './lib/deposits';
import { benchTmp, REPO_ROOT } from './lib/fixtures';
import { emit, figure, progress, type Figure } from './lib/report';
import { median, prng, ratios } from './lib/stats';

const ID = 'api';
const CONNECTIONS = 32;
const DURATION_S = 3;
const ROUNDS = 3;
const P99_MAX_MS = 10;

/** What a browser on the buyer page sends (fetch from another origin, keep-alive). */
const CLIENT_HEADERS = {
  accept: 'application/json',
  'accept-encoding': 'gzip, deflate, br',
  origin: 'https://buyer.example',
  'user-agent':
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
};

/** The original teller's req/s on this machine (issue 17: autocannon, 32 connections, 10 s, 3 rounds). */
const ORIGINAL: Record<string, { low: number; high: number } | undefined> = {
  status: { low: 5_900, high: 7_000 },
  config: { low: 9_300, high: 14_000 },
  health: { low: 10_000, high: 11_500 },
  bind400: { low: 6_600, high: 7_700 },
};

interface Route {
  key: string;
  name: string;
  path: string;
  method: 'GET' | 'POST';
  /** Each request's target and body (autocannon builds each request anew through it). */
  next?: () => { path: string; body?: string };
  /**
   * A status route: its warm-up asks each payout address once, in order (what the buyer pages
   * polling them asked first), and is reported as the first-query figures; the rounds then poll.
   */
  firstQueries?: () => { path: string };
}

interface Load {
  rps: number;
  p99: number;
}

const BARE_SERVER = path.join(REPO_ROOT, 'bench', 'lib', 'bare-api-server.cjs');
const dist = (): string => process.env.BENCH_DIST ?? path.join(REPO_ROOT, 'dist');

function bareServer(specFile: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BARE_SERVER, specFile, dist()], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) =>
      resolve({ url: `http://127.0.0.1:${d.toString().trim()}`, child }),
    );
    child.once('exit', (c) => reject(new Error(`bare server exited ${c}`)));
  });
}

async function load(
  base: string,
  route: Route,
  run: { duration: number } | { amount: number; next: () => { path: string } } = { duration: DURATION_S },
): Promise<Load> {
  const headers =
    route.method === 'POST' ? { ...CLIENT_HEADERS, 'content-type': 'application/json' } : CLIENT_HEADERS;
  const next = 'next' in run ? run.next : route.next;
  const r = await autocannon({
    url: `${base}${route.path}`,
    connections: CONNECTIONS,
    ...('amount' in run ? { amount: run.amount } : { duration: run.duration }),
    headers,
    requests: next
      ? [{ method: route.method, setupRequest: (req) => ({ ...req, ...next() }) }]
      : [{ method: route.method }],
  });
  const bad = r.errors + r.timeouts + r['5xx'] + (route.key === 'bind400' ? 0 : r.non2xx);
  if (bad > 0) {
    throw new Error(
      `${route.name}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx, ${r['5xx']} 5xx of ${r.requests.total}`,
    );
  }
  return { rps: r.requests.average, p99: r.latency.p99 };
}

/** One realistic request to the daemon: status, headers to replay, decoded body. */
async function sample(
  base: string,
  route: Route,
): Promise<{ status: number; headers: string[]; body: string; gzipped: boolean }> {
  const req = route.next?.() ?? { path: route.path };
  const res = await fetch(`${base}${req.path}`, {
    method: route.method,
    headers:
      route.method === 'POST' ? { ...CLIENT_HEADERS, 'content-type': 'application/json' } : CLIENT_HEADERS,
    body: req.body,
  });
  const raw = Buffer.from(await res.arrayBuffer());
  // fetch decodes gzip itself; what went over the wire is told by Content-Encoding.
  const gzipped = res.headers.get('content-encoding') === 'gzip';
  const body =
    raw.length > 2 && raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString() : raw.toString();
  const skip = new Set([
    'date',
    'connection',
    'keep-alive',
    'transfer-encoding',
    'content-length',
    'content-encoding',
  ]);
  const headers: string[] = [];
  res.headers.forEach((value, name) => {
    if (!skip.has(name)) headers.push(name, value);
  });
  return { status: res.status, headers, body, gzipped };
}

async function main(): Promise<void> {
  const ds = await dataset();
  if (ds.buildSeconds) progress(ID, `dataset built in ${ds.buildSeconds.toFixed(1)} s`);
  const dataDir = copyDataDir(ds, 'api-data');
  const dir = path.join(benchTmp(), 'api');
  rmSync(path.join(dir, 'bare-db'), { recursive: true, force: true });
  const cfg = writeConfig(
    dir,
    mergeConfig(baseConfig(), {
      btc_addresses: ds.pool.file,
      eth_scanner: { enabled: false },
      web: { throttle_max: 60, throttle_duration: '0s' },
    }),
  );
  const daemon = await launchDaemon(cfg, dataDir);
  let bare: { url: string; child: ChildProcess } | undefined;
  try {
    const api = daemon.url('public');
    const rand = prng(99);
    const pick = () => ds.skyAddresses[Math.floor(rand() * ds.skyAddresses.length)];
    /** Each payout address once, in order (a pass for each status route). */
    const inOrder = (route: string) => {
      let i = 0;
      return () => ({ path: `${route}?skyaddr=${ds.skyAddresses[i++ % ds.skyAddresses.length]}` });
    };
    // Fresh payout addresses for valid binds, each bound at most once (max_bound_addrs is 5).
    const fresh = skyAddresses(40_000, 1234);
    let binds = 0;
    const routes: Route[] = [
      {
        key: 'status',
        name: 'GET /api/status (5 bindings, 5 deposits per address)',
        path: '/api/status',
        method: 'GET',
        next: () => ({ path: `/api/status?skyaddr=${pick()}` }),
        firstQueries: inOrder('/api/status'),
      },
      {
        key: 'v2status',
        name: 'GET /api/v2/status (same addresses, per-deposit detail)',
        path: '/api/v2/status',
        method: 'GET',
        next: () => ({ path: `/api/v2/status?skyaddr=${pick()}` }),
        firstQueries: inOrder('/api/v2/status'),
      },
      { key: 'config', name: 'GET /api/config', path: '/api/config', method: 'GET' },
      { key: 'health', name: 'GET /api/health', path: '/api/health', method: 'GET' },
      {
        key: 'bind',
        name: 'POST /api/bind, valid (a fresh payout address, BTC)',
        path: '/api/bind',
        method: 'POST',
        next: () => ({
          path: '/api/bind',
          body: JSON.stringify({ skyaddr: fresh[binds++ % fresh.length], coin_type: 'BTC' }),
        }),
      },
      {
        key: 'bind400',
        name: 'POST /api/bind, 400 (invalid payout address)',
        path: '/api/bind',
        method: 'POST',
        next: () => ({
          path: '/api/bind',
          body: JSON.stringify({ skyaddr: 'not-a-sky-address', coin_type: 'BTC' }),
        }),
      },
    ];
    const samples = new Map<string, Awaited<ReturnType<typeof sample>>>();
    for (const r of routes) samples.set(r.key, await sample(api, r));
    const statusSample = samples.get('status');
    if (!statusSample?.body.includes('"seq": 4'))
      throw new Error(`/api/status gave ${statusSample?.body ?? 'nothing'}`);
    if (samples.get('bind400')?.status !== 400) throw new Error('the 400 path did not answer 400');
    // The bare server answers a path with the sample of the route on it (bind: the valid one; the
    // 400 route's own bare server answers its sample below).
    const specFor = (keys: string[]): string => {
      const file = path.join(dir, `bare-${keys.join('-')}.json`);
      const spec = Object.fromEntries(
        keys.map((k) => {
          const route = routes.find((r) => r.key === k);
          const s = samples.get(k);
          if (!route || !s) throw new Error(`no sample for ${k}`);
          return [route.path, { status: s.status, headers: s.headers, body: s.body, durable: k === 'bind' }];
        }),
      );
      writeFileSync(file, JSON.stringify({ dbDir: path.join(dir, 'bare-db'), routes: spec }));
      return file;
    };
    bare = await bareServer(specFor(['status', 'v2status', 'config', 'health', 'bind']));
    const bare400 = await bareServer(specFor(['bind400']));
    const bareFor = (r: Route): string => (r.key === 'bind400' ? bare400.url : (bare?.url ?? ''));
    // BENCH_API_ROUTES=v2status,bind: load only these (to profile one route); the report says so.
    const only = process.env.BENCH_API_ROUTES?.split(',');
    const loaded = only ? routes.filter((r) => only.includes(r.key)) : routes;
    try {
      const firstRuns: Record<string, Load> = {};
      for (const r of loaded) {
        // Warm-up; for a status route, the pass of first queries.
        if (r.firstQueries) {
          const amount = ds.skyAddresses.length;
          firstRuns[r.key] = await load(api, r, { amount, next: r.firstQueries });
        } else await load(api, r, { duration: 1 });
        await load(bareFor(r), r, { duration: 1 });
      }
      const daemonRuns: Record<string, Load[]> = {};
      const bareRuns: Record<string, Load[]> = {};
      for (let i = 0; i < ROUNDS; i++) {
        for (let j = 0; j < loaded.length; j++) {
          const r = loaded[(i + j) % loaded.length];
          // Daemon and bare server alternate which goes first.
          const order = (i + j) % 2 === 0 ? (['daemon', 'bare'] as const) : (['bare', 'daemon'] as const);
          for (const who of order) {
            const out = who === 'daemon' ? daemonRuns : bareRuns;
            (out[r.key] ??= []).push(await load(who === 'daemon' ? api : bareFor(r), r));
          }
        }
        progress(
          ID,
          `round ${i + 1}: ${loaded.map((r) => `${r.key} ${Math.round(daemonRuns[r.key][i].rps)}/${Math.round(bareRuns[r.key][i].rps)}`).join(', ')} req/s (daemon/bare)`,
        );
      }
      const figures: Figure[] = [];
      for (const r of loaded) {
        const d = daemonRuns[r.key];
        const b = bareRuns[r.key];
        const rps = median(d.map((x) => x.rps));
        const bareRps = median(b.map((x) => x.rps));
        const s = samples.get(r.key);
        figures.push(
          figure({
            name: `${r.name}: req/s${s?.gzipped ? ' (gzipped)' : ''}`,
            value: rps,
            unit: 'req/s',
            baseline: {
              name:
                r.key === 'bind'
                  ? "bare node:http, same body and headers, after a bind's 4 puts in a synced LevelDB batch (group commit) and the store's checkpoint file advanced"
                  : 'bare node:http, same body and headers, same gzip rule',
              value: bareRps,
              unit: 'req/s',
            },
            ratio: median(
              ratios(
                d.map((x) => x.rps),
                b.map((x) => x.rps),
              ),
            ),
            ratioMeaning: 'daemon ÷ bare server, ratio of req/s in each round, median',
            ratioAtLeast: 0.35,
          }),
        );
        const original = ORIGINAL[r.key];
        if (original) {
          figures.push(
            figure({
              name: `${r.name}: vs the original teller`,
              value: rps,
              unit: 'req/s',
              baseline: {
                name: `original Go teller, ${original.low}–${original.high} req/s (issue 17; top of the range)`,
                value: original.high,
                unit: 'req/s',
              },
              ratio: rps / original.high,
              ratioMeaning: 'daemon req/s ÷ the top of the original teller’s range',
              ratioAtLeast: 1.5,
            }),
          );
        }
        // The bare server's p99 in the same rounds: how much of the daemon's is the machine's.
        const p99 = median(d.map((x) => x.p99));
        const bareP99 = median(b.map((x) => x.p99));
        figures.push(
          figure({
            name: `${r.name}: p99 latency`,
            value: p99,
            unit: 'ms',
            atMost: P99_MAX_MS,
            baseline: { name: 'the bare server above, same rounds', value: bareP99, unit: 'ms' },
            ratio: p99 / bareP99,
            ratioMeaning: 'daemon p99 ÷ bare server p99 (medians of the same rounds)',
          }),
        );
        const first = firstRuns[r.key];
        if (first) {
          figures.push(
            figure({
              name: `${r.name}: first query of each address (nothing cached yet), req/s`,
              value: first.rps,
              unit: 'req/s',
              baseline: { name: 'the bare server above', value: bareRps, unit: 'req/s' },
              ratio: first.rps / bareRps,
              ratioMeaning: 'daemon first-query req/s ÷ bare server req/s (median of its rounds)',
            }),
            figure({
              name: `${r.name}: first query of each address, p99 latency`,
              value: first.p99,
              unit: 'ms',
            }),
          );
        }
      }
      emit({
        id: ID,
        title: `Public API, realistic clients (autocannon, ${CONNECTIONS} connections, keep-alive, loopback)`,
        figures,
        notes: [
          `client headers on every request: ${Object.entries(CLIENT_HEADERS)
            .map(([k, v]) => `${k}: ${v}`)
            .join('; ')}`,
          'every route takes the one request path of the public API (src/http/api/route.ts); there is no other',
          `${ROUNDS} rounds of ${DURATION_S} s per route and server, order rotating; the bare server shares the 2 cores with autocannon as the daemon does`,
          `status routes: buyer pages poll their payout address, so the rounds ask addresses (at random among ${ds.skyAddresses.length}) that were asked before, as in a running daemon; the warm-up before them asks each address once, in order, and is reported as the first-query figures (no target: each reads its deposits from LevelDB, ~0.3 ms of CPU, so 32 of them queued take ~10 ms)`,
          `response bodies: ${routes.map((r) => `${r.key} ${Buffer.byteLength(samples.get(r.key)?.body ?? '')} B`).join(', ')}`,
        ],
        details: { daemon: daemonRuns, bare: bareRuns, connections: CONNECTIONS, duration_s: DURATION_S },
      });
    } finally {
      bare400.child.kill();
    }
  } finally {
    bare?.child.kill();
    await daemon.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

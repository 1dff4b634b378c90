/**
 * Benchmark 4: public API. Requests/s of /api/config and of /api/status (a payout address with 5
 * bindings, picked at random among 20,000; 100,000 bindings in the store) on loopback, autocannon
 * with 32 connections, throttling off; baseline, in the same rounds: a bare node:http server
 * answering /api/config's body as a fixed JSON response, loaded as each route is: one fixed URL
 * for /api/config, the same stream of random /api/status URLs for /api/status (autocannon builds
 * each of those requests anew, and on 2 shared cores that alone cost the bare server ~30% of its
 * requests/s). Servers run in their own processes; the load generator runs here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { copyDataDir, dataset } from './lib/dataset';
import { baseConfig, launchDaemon, mergeConfig, writeConfig } from './lib/daemon';
import { benchTmp, REPO_ROOT } from './lib/fixtures';
import { emit, figure, progress } from './lib/report';
import { median, prng, ratios } from './lib/stats';

const ID = 'api';
const CONNECTIONS = 32;
const DURATION_S = 3;
const ROUNDS = 4;

/**
 * A server in a child process answering `body` to every request: bare node:http (the baseline), or
 * an express 5 app with that one route and nothing else (how much of the gap express alone takes).
 */
function fixedServer(kind: 'bare' | 'express', body: string): Promise<{ url: string; child: ChildProcess }> {
  const code = `
    const body = Buffer.from(process.argv[1]);
    const answer = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    };
    let handler = answer;
    if (process.argv[2] === 'express') {
      const app = require('express')();
      app.disable('x-powered-by');
      app.get('/api/config', answer);
      handler = app;
    }
    const server = require('node:http').createServer(handler);
    server.keepAliveTimeout = 120000;
    server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));`;
  const child = spawn(process.execPath, ['-e', code, body, kind], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) =>
      resolve({ url: `http://127.0.0.1:${d.toString().trim()}`, child }),
    );
    child.once('exit', (c) => reject(new Error(`${kind} server exited ${c}`)));
  });
}

async function load(
  url: string,
  requests?: autocannon.RequestSpec[],
  duration = DURATION_S,
): Promise<number> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration, requests });
  if (r.errors || r.timeouts || r.non2xx) {
    throw new Error(`${url}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx of ${r['2xx']}`);
  }
  return r.requests.average;
}

async function main(): Promise<void> {
  const ds = await dataset();
  if (ds.buildSeconds) progress(ID, `dataset built in ${ds.buildSeconds.toFixed(1)} s`);
  const dataDir = copyDataDir(ds, 'api-data');
  const cfg = writeConfig(
    path.join(benchTmp(), 'api'),
    mergeConfig(baseConfig(), {
      btc_addresses: ds.pool.file,
      eth_scanner: { enabled: false },
      web: { throttle_max: 60, throttle_duration: '0s' },
    }),
  );
  const daemon = await launchDaemon(cfg, dataDir);
  const fixed: ChildProcess[] = [];
  try {
    const api = daemon.url('public');
    const configBody = await (await fetch(`${api}/api/config`)).text();
    const bare = await fixedServer('bare', configBody);
    const plainExpress = await fixedServer('express', configBody);
    fixed.push(bare.child, plainExpress.child);
    const rand = prng(99);
    const pick = () => ds.skyAddresses[Math.floor(rand() * ds.skyAddresses.length)];
    const sample = (await (await fetch(`${api}/api/status?skyaddr=${pick()}`)).json()) as {
      statuses?: unknown[];
    };
    if (sample.statuses?.length !== 5) throw new Error(`/api/status gave ${JSON.stringify(sample)}`);
    const statusRequests: autocannon.RequestSpec[] = [
      { method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/status?skyaddr=${pick()}` }) },
    ];
    const bareUrl = bare.url;
    const runs = {
      bare: () => load(bareUrl),
      bareStatus: () => load(bareUrl, statusRequests),
      express: () => load(`${plainExpress.url}/api/config`),
      config: () => load(`${api}/api/config`),
      status: () => load(api, statusRequests),
    };
    type Run = keyof typeof runs;
    const names = Object.keys(runs) as Run[];
    for (const url of [bareUrl, `${plainExpress.url}/api/config`, `${api}/api/config`])
      await load(url, undefined, 1); // warm-up
    await load(api, statusRequests, 1);
    const r = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<Run, number[]>;
    for (let i = 0; i < ROUNDS; i++) {
      for (let j = 0; j < names.length; j++) {
        const k = names[(i + j) % names.length];
        r[k].push(await runs[k]());
      }
      progress(ID, `round ${i + 1}: ${names.map((k) => `${k} ${Math.round(r[k][i])}`).join(', ')} req/s`);
    }
    const baseline = { name: 'bare node:http, fixed JSON body', value: median(r.bare), unit: 'req/s' };
    const statusBaseline = {
      name: 'bare node:http, fixed JSON body, the same random /api/status requests',
      value: median(r.bareStatus),
      unit: 'req/s',
    };
    const perRound = 'ratio of req/s in each round, median';
    emit({
      id: ID,
      title: 'Public API (100,000 bindings; autocannon, 32 connections, loopback)',
      figures: [
        figure({
          name: '/api/config',
          value: median(r.config),
          unit: 'req/s',
          baseline,
          ratio: median(ratios(r.config, r.bare)),
          ratioMeaning: `daemon ÷ bare server, ${perRound}`,
          ratioAtLeast: 0.5,
        }),
        figure({
          name: '/api/status (5 bindings, 5 deposits per address)',
          value: median(r.status),
          unit: 'req/s',
          baseline: statusBaseline,
          ratio: median(ratios(r.status, r.bareStatus)),
          ratioMeaning: `daemon ÷ bare server under the same requests, ${perRound}`,
          ratioAtLeast: 0.35,
        }),
        figure({
          name: 'for scale: /api/status against the bare server on one fixed URL',
          value: median(r.status),
          unit: 'req/s',
          baseline,
          ratio: median(ratios(r.status, r.bare)),
          ratioMeaning: `daemon /api/status ÷ bare server on one URL, ${perRound}`,
        }),
        figure({
          name: 'for scale: express 5 with only that route, same body',
          value: median(r.express),
          unit: 'req/s',
          baseline,
          ratio: median(ratios(r.express, r.bare)),
          ratioMeaning: `plain express ÷ bare server, ${perRound}`,
        }),
      ],
      notes: [
        `${ROUNDS} rounds of ${DURATION_S} s per server, order rotating; the bare server answers /api/config's ${configBody.length}-byte body; autocannon shares the 2 cores with the server`,
      ],
      details: { rounds: r, connections: CONNECTIONS, duration_s: DURATION_S },
    });
  } finally {
    for (const c of fixed) c.kill();
    await daemon.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

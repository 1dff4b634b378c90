// `npm run bench` (after `npm run build`): bundles bench/*.ts, runs each benchmark in its own
// process, then writes bench/results.json and the README's Benchmarks table.
//
//   node bench/run.mjs [--only id,id] [--skip id,id] [--no-readme] [--keep]
//
// Every benchmark reports its figures with a baseline measured in the same run (see bench/lib/report.ts),
// so a noisy, shared machine still gives comparable ratios.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Other engineers rebuild (and clean) dist/ while a run is under way: the run works on its own
// snapshot of the built daemon, next to its bundles, under node_modules/.cache (which lint and
// prettier skip, and from where node_modules still resolves).
const RUN_DIR = path.join(ROOT, 'node_modules', '.cache', 'teller-bench', `run-${process.pid}`);
const OUT_DIR = path.join(RUN_DIR, 'bench');
const DIST = path.join(RUN_DIR, 'dist');
const RESULTS = path.join(ROOT, 'bench', 'results.json');
const README = path.join(ROOT, 'README.md');
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

/** In run order; `budgetS` kills a benchmark that hangs (the whole run must stay under 10 minutes). */
const BENCHES = [
  { id: 'btc_scan', n: 1, file: 'btc-scan', budgetS: 150 },
  { id: 'eth_scan', n: 2, file: 'eth-scan', budgetS: 90 },
  { id: 'catch_up', n: 3, file: 'catch-up', budgetS: 150 },
  { id: 'api', n: 4, file: 'api', budgetS: 240 },
  { id: 'store', n: 5, file: 'store', budgetS: 240 },
  { id: 'startup', n: 6, file: 'startup', budgetS: 120 },
  { id: 'latency', n: 7, file: 'latency', budgetS: 120 },
  { id: 'evm_payout', n: 8, file: 'evm-payout', budgetS: 240 },
  // The first run on a machine builds its 5,000,000-binding store (over 10 minutes on 2 shared
  // cores) and keeps it under BENCH_CACHE; later runs reuse it (bench/lib/derived-store.ts).
  { id: 'scale_5m', n: 9, file: 'scale-5m', budgetS: 1800 },
];

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    skip: { type: 'string' },
    'no-readme': { type: 'boolean' },
    keep: { type: 'boolean' },
  },
});
const list = (s) => (s ? s.split(',').map((x) => x.trim()) : []);
const only = list(args.only);
const skip = list(args.skip);
const chosen = BENCHES.filter((b) => (only.length === 0 || only.includes(b.id)) && !skip.includes(b.id));

const t0 = performance.now();
const loadStart = os.loadavg();
// BENCH_TMP (kept afterwards) lets a developer reuse the generated pool and dataset between runs.
const keepTmp = Boolean(process.env.BENCH_TMP) || args.keep;
const tmp = process.env.BENCH_TMP ?? mkdtempSync(path.join(os.tmpdir(), 'teller-bench-'));
mkdirSync(tmp, { recursive: true });

rmSync(RUN_DIR, { recursive: true, force: true });
if (!existsSync(path.join(ROOT, 'dist', 'cli.js')))
  throw new Error('dist/cli.js is missing: run `npm run build` first');
cpSync(path.join(ROOT, 'dist'), DIST, {
  recursive: true,
  filter: (src) => !src.startsWith(path.join(ROOT, 'dist', 'bench')),
});
await build({
  entryPoints: chosen.map((b) => path.join(ROOT, 'bench', `${b.file}.ts`)),
  outdir: OUT_DIR,
  outExtension: { '.js': '.cjs' },
  // The test helpers find the repository from their own folder (`__dirname/../..`).
  define: { __dirname: JSON.stringify(path.join(ROOT, 'test', 'helpers')) },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});

function runOne(b) {
  const out = path.join(tmp, `${b.id}.json`);
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--enable-source-maps', path.join(OUT_DIR, `${b.file}.cjs`)],
      {
        cwd: ROOT,
        env: { ...process.env, BENCH_OUT: out, BENCH_TMP: tmp, BENCH_DIST: DIST },
        stdio: ['ignore', 'inherit', 'inherit'],
        // Its own process group, so that a timeout also ends the nodes and daemons it started.
        detached: true,
      },
    );
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid, 'SIGKILL');
    }, b.budgetS * 1000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      if (code === 0 && existsSync(out)) {
        resolve({ n: b.n, ...JSON.parse(readFileSync(out, 'utf8')) });
        return;
      }
      const why = timedOut ? `timed out after ${b.budgetS} s` : `exited with ${code ?? signal}`;
      console.error(`[${b.id}] FAILED: ${why}`);
      resolve({ n: b.n, id: b.id, error: why, seconds });
    });
  });
}

const results = [];
for (const b of chosen) {
  console.error(`\n=== ${b.n}. ${b.id} ===`);
  results.push(await runOne(b));
}
if (!keepTmp) rmSync(tmp, { recursive: true, force: true });
rmSync(RUN_DIR, { recursive: true, force: true });

const cpus = os.cpus();
const report = {
  generated_by: 'npm run bench',
  date: new Date().toISOString(),
  machine: {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  },
  node: process.version,
  load_average: { start: loadStart.map((x) => +x.toFixed(2)), end: os.loadavg().map((x) => +x.toFixed(2)) },
  total_seconds: +((performance.now() - t0) / 1000).toFixed(1),
  benchmarks: results,
};
const partial = chosen.length !== BENCHES.length;
writeFileSync(
  partial ? path.join(tmp + '-partial-results.json') : RESULTS,
  JSON.stringify(report, null, 2) + '\n',
);
if (partial)
  console.error(`\npartial run: results in ${tmp}-partial-results.json (bench/results.json untouched)`);
else console.error(`\nwrote ${path.relative(ROOT, RESULTS)}`);

// ---- README table ----

const num = (x) =>
  typeof x !== 'number'
    ? ''
    : Math.abs(x) >= 100
      ? Math.round(x).toLocaleString('en-US')
      : String(+x.toPrecision(3));
function targetText(f) {
  return f.targets
    .map(
      (t) =>
        `${t.on === 'ratio' ? 'ratio ' : ''}${t.op === '>=' ? '≥' : '≤'} ${num(t.target)}${t.on === 'ratio' ? '×' : ` ${f.unit}`} ${t.pass ? '✅' : '❌'}`,
    )
    .join('<br>');
}

function table(r) {
  const rows = [
    '| # | Benchmark | Figure | Value | Baseline (same run) | Ratio | Target |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const b of r.benchmarks) {
    if (b.error) {
      rows.push(`| ${b.n} | ${b.id} | — | failed: ${b.error} | | | |`);
      continue;
    }
    b.figures.forEach((f, i) => {
      const base = f.baseline ? `${num(f.baseline.value)} ${f.baseline.unit} (${f.baseline.name})` : '';
      const ratio = f.ratio === undefined ? '' : `${num(f.ratio)}×`;
      rows.push(
        `| ${i === 0 ? b.n : ''} | ${i === 0 ? b.title : ''} | ${f.name} | **${num(f.value)} ${f.unit}** | ${base} | ${ratio} | ${targetText(f)} |`,
      );
    });
  }
  return rows.join('\n');
}

function section(r) {
  const m = r.machine;
  const notes = r.benchmarks
    .filter((b) => !b.error && b.notes.length)
    .map((b) => `- **${b.n}. ${b.title}**: ${b.notes.join('; ')}`);
  return [
    START,
    `_Written by \`npm run bench\` (bench/run.mjs) on ${r.date.slice(0, 10)}: ${m.cpu}, ${m.cores} cores, ${m.memory_gb} GB, ${m.os}; Node ${r.node}; load average ${r.load_average.start[0]} at the start (a shared machine); the run took ${Math.round(r.total_seconds)} s. Raw figures, rounds and per-round ratios: [bench/results.json](bench/results.json)._`,
    '',
    'Each figure is a median over rounds; each ratio is the median of per-round ratios against a baseline run in the same process, alternating with it, so machine noise cancels.',
    '',
    table(r),
    '',
    ...notes,
    END,
  ].join('\n');
}

if (!args['no-readme'] && !partial) {
  const readme = readFileSync(README, 'utf8');
  const text = section(report);
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  const next =
    a >= 0 && b > a
      ? readme.slice(0, a) + text + readme.slice(b + END.length)
      : `${readme.replace(/\n*$/, '\n')}\n## Benchmarks\n\n\`npm run bench\` builds, runs every benchmark under \`bench/\` (under 10 minutes) and rewrites this table.\n\n${text}\n`;
  writeFileSync(README, next);
  console.error('README.md Benchmarks table updated');
}

const missed = results.flatMap((b) =>
  b.error
    ? [`${b.id}: ${b.error}`]
    : b.figures.flatMap((f) => f.targets.filter((t) => !t.pass).map(() => `${b.id}: ${f.name}`)),
);
console.error(
  `\n${results.length} benchmarks in ${Math.round(report.total_seconds)} s; ${missed.length ? `missed or failed: ${missed.join('; ')}` : 'every target met'}`,
);

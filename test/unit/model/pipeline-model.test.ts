import { PROPERTIES, type Property } from '../../model/invariants';
import { runSequence, type SequenceResult } from '../../model/run';

/**
 * The model-based test of the money path (issue 16): the real scanner engine with the real BTC and
 * ETH sources (over the model's chains), the exchange, DepositStore on LevelDB and the dummy
 * sender, driven through seeded random sequences of blocks, reorgs, rescans, restarts, kills and
 * outages (test/model/), then checked against the model.
 *
 *   MODEL_RUNS  sequences (default 10; `npm run soak`: 5000)
 *   MODEL_SEED  seed of the first sequence (sequence i uses MODEL_SEED + i)
 *   MODEL_STEPS most commands per sequence (default 40)
 *   MODEL_DEBUG=1 prints the daemon's warn/error log lines of each sequence
 *   MODEL_REPLAY=1 runs every sequence twice and reports a second run that differs from the first
 *               (its store calls, their fake times or its trace) as a violation: a seed that
 *               would not replay exactly
 *
 * A failing sequence prints its seed and the command replaying it; it is run again at once, and
 * the line says whether that run did the same (the same fingerprint) and found the same.
 */

const RUNS = Number(process.env.MODEL_RUNS ?? 10);
const SEED = Number(process.env.MODEL_SEED ?? 20261206);
const STEPS = Number(process.env.MODEL_STEPS ?? 40);
const REPLAY = process.env.MODEL_REPLAY === '1';

const results: SequenceResult[] = [];
const out = (line: string) => process.stdout.write(`${line}\n`);

function summary(ms: number): string {
  const violations = results.flatMap((r) => r.violations);
  const byProperty = new Map<string, number>();
  for (const v of violations) byProperty.set(v.property, (byProperty.get(v.property) ?? 0) + 1);
  const stats = new Map<string, number>();
  for (const r of results)
    for (const [k, n] of Object.entries(r.stats)) stats.set(k, (stats.get(k) ?? 0) + n);
  const sum = (f: (r: SequenceResult) => number) => results.reduce((n, r) => n + f(r), 0);
  return (
    `model: ${results.length} sequences, ${violations.length} violations ` +
    `in ${results.filter((r) => r.violations.length > 0).length} sequences` +
    (byProperty.size ? ` (${[...byProperty].map(([p, n]) => `${p} ${n}`).join(', ')})` : '') +
    `; seeds ${SEED}..${SEED + RUNS - 1}; ${sum((r) => r.records)} deposits recorded, ` +
    `${sum((r) => r.payouts)} payouts; ${[...stats].map(([k, n]) => `${n} ${k}`).join(', ')}; ${ms} ms`
  );
}

/** One sequence; a crash or hang is one more violation (the soak goes on with the next seed). */
const run = (seed: number): Promise<SequenceResult> =>
  runSequence(seed, STEPS).catch((err: unknown): SequenceResult => ({
    seed,
    violations: [{ property: 'harness', detail: err instanceof Error ? err.message : String(err) }],
    trace: [],
    records: 0,
    payouts: 0,
    stats: {},
    fingerprint: '',
  }));

const found = (r: SequenceResult) => r.violations.map((v) => `${v.property}: ${v.detail}`).join('; ');

/** Whether a second run of `r`'s seed does and finds the same. */
async function replays(r: SequenceResult): Promise<string> {
  const again = await run(r.seed);
  if (again.fingerprint === r.fingerprint && found(again) === found(r)) return 'the same';
  const [one, two] = [r.calls ?? [], again.calls ?? []];
  const at = one.findIndex((c, i) => c !== two[i]);
  const parted =
    at < 0
      ? ''
      : `; store call ${at} of ${one.length}: first run "${one[at]}", second "${two[at] ?? '(none)'}"`;
  return (
    `NOT the same: fingerprint ${again.fingerprint} (first run ${r.fingerprint})${parted}, ` +
    `${again.violations.length} violations${again.violations.length ? ` (${found(again)})` : ''}`
  );
}

describe('money pipeline against a model', () => {
  beforeAll(async () => {
    const started = Date.now();
    for (let i = 0; i < RUNS; i++) {
      const r = await run(SEED + i);
      results.push(r);
      if (results.length % 250 === 0) out(`model: ${results.length} of ${RUNS} sequences run`);
      if (REPLAY && r.violations.length === 0) {
        const again = await replays(r);
        if (again !== 'the same') r.violations.push({ property: 'harness', detail: `replay: ${again}` });
      }
      if (r.violations.length === 0) continue;
      const again = r.violations.some((v) => v.detail.startsWith('replay: ')) ? '' : await replays(r);
      out(
        `seed ${r.seed}: ${r.violations.length} violations; run again at once: ${again || 'see above'}; ` +
          `replay: MODEL_SEED=${r.seed} MODEL_RUNS=1 npx jest test/unit/model\n` +
          r.violations.map((v) => `  ${v.property}: ${v.detail}`).join('\n') +
          (process.env.MODEL_TRACE === '0' ? '' : `\n  trace:\n    ${r.trace.join('\n    ')}`),
      );
    }
    out(summary(Date.now() - started));
  }, 24 * 3600_000);

  const failing = (p: Property) =>
    results.flatMap((r) =>
      r.violations.filter((v) => v.property === p).map((v) => `seed ${r.seed}: ${v.detail}`),
    );

  for (const [p, text] of Object.entries(PROPERTIES) as [Property, string][]) {
    it(text, () => expect(failing(p)).toEqual([]));
  }
});

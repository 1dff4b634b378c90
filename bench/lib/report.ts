import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { round } from './stats';

/**
 * What each benchmark hands to bench/run.mjs: figures, each with the baseline measured in the same
 * run, their ratio, and the issue's targets (on the figure itself or on its ratio). The runner
 * passes BENCH_OUT, the file to write; run alone, a benchmark prints its result.
 */

export interface Target {
  on: 'value' | 'ratio';
  op: '>=' | '<=';
  target: number;
  pass: boolean;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number; unit: string };
  /** value / baseline.value, or as `ratioMeaning` says. */
  ratio?: number;
  ratioMeaning?: string;
  targets: Target[];
}

export interface BenchResult {
  id: string;
  title: string;
  figures: Figure[];
  notes: string[];
  details: Record<string, unknown>;
  seconds: number;
  loadavg: number[];
}

export const target = (on: Target['on'], op: Target['op'], t: number, actual: number): Target => ({
  on,
  op,
  target: t,
  pass: op === '>=' ? actual >= t : actual <= t,
});

export interface FigureInput {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number; unit: string };
  ratio?: number;
  ratioMeaning?: string;
  /** Target on the value. */
  atLeast?: number;
  atMost?: number;
  /** Target on the ratio. */
  ratioAtLeast?: number;
  ratioAtMost?: number;
}

export function figure(f: FigureInput): Figure {
  const targets: Target[] = [];
  if (f.atLeast !== undefined) targets.push(target('value', '>=', f.atLeast, f.value));
  if (f.atMost !== undefined) targets.push(target('value', '<=', f.atMost, f.value));
  if (f.ratio !== undefined && f.ratioAtLeast !== undefined)
    targets.push(target('ratio', '>=', f.ratioAtLeast, f.ratio));
  if (f.ratio !== undefined && f.ratioAtMost !== undefined)
    targets.push(target('ratio', '<=', f.ratioAtMost, f.ratio));
  return {
    name: f.name,
    value: round(f.value),
    unit: f.unit,
    baseline: f.baseline && { ...f.baseline, value: round(f.baseline.value) },
    ratio: f.ratio === undefined ? undefined : round(f.ratio),
    ratioMeaning: f.ratioMeaning,
    targets,
  };
}

const started = performance.now();

/** Writes the result where the runner wants it (BENCH_OUT), and a readable summary on stdout. */
export function emit(r: Omit<BenchResult, 'seconds' | 'loadavg'>): void {
  const full: BenchResult = {
    ...r,
    seconds: round((performance.now() - started) / 1000),
    loadavg: os.loadavg().map((x) => round(x)),
  };
  const out = process.env.BENCH_OUT;
  if (out) writeFileSync(out, JSON.stringify(full, null, 2));
  for (const f of full.figures) {
    const base = f.baseline
      ? `  baseline ${f.baseline.name} ${f.baseline.value} ${f.baseline.unit}, ratio ${f.ratio}`
      : '';
    const t = f.targets.map((x) => `${x.on} ${x.op} ${x.target}: ${x.pass ? 'pass' : 'MISS'}`).join(', ');
    console.log(`[${r.id}] ${f.name}: ${f.value} ${f.unit}${base}${t ? `  (${t})` : ''}`);
  }
  for (const n of full.notes) console.log(`[${r.id}] note: ${n}`);
}

/** Progress lines on stderr (the runner shows them live). */
export const progress = (id: string, msg: string): void => {
  process.stderr.write(`[${id}] ${msg}\n`);
};

/**
 * Timing helpers. The machine is shared and noisy, so every figure is a median over rounds, and
 * every ratio is taken between a candidate and its baseline measured in alternating rounds of the
 * same process: whatever slows one round slows both sides of that round's ratio.
 */

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const percentile = (xs: readonly number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const round = (x: number, digits = 3): number => {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** Math.max(0, digits - Math.ceil(Math.log10(Math.abs(x) || 1)));
  return Math.round(x * f) / f;
};

/** Runs `fn` (one operation per call) until `minMs` have passed and `minOps` ran; ops per second. */
export async function opsPerSecond(
  fn: () => unknown,
  opts: { minMs: number; minOps?: number },
): Promise<number> {
  const minOps = opts.minOps ?? 1;
  let ops = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < opts.minMs || ops < minOps) {
    const r = fn();
    if (r instanceof Promise) await r;
    ops++;
    elapsed = performance.now() - t0;
  }
  return (ops * 1000) / elapsed;
}

/** ops/s of each named function, one entry per round. */
export type Rounds<K extends string> = Record<K, number[]>;

/**
 * Runs the functions in turn for `rounds` rounds (the order rotates every round, so none always
 * runs on a warmer or colder cache); one warm-up round of each is discarded.
 */
export async function interleavedRounds<K extends string>(
  fns: Record<K, () => unknown>,
  opts: { rounds: number; minMs: number; minOps?: number },
): Promise<Rounds<K>> {
  const names = Object.keys(fns) as K[];
  const run = (k: K) => opsPerSecond(fns[k], opts);
  for (const k of names) await run(k);
  const out = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Rounds<K>;
  for (let i = 0; i < opts.rounds; i++) {
    gc();
    for (let j = 0; j < names.length; j++) {
      const k = names[(i + j) % names.length];
      out[k].push(await run(k));
    }
  }
  return out;
}

/** Per-round ratios a[i] / b[i] (the same round's noise cancels). */
export const ratios = (a: readonly number[], b: readonly number[]): number[] => a.map((x, i) => x / b[i]);

/** A full GC between rounds when node runs with --expose-gc (bench/run.mjs passes it). */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) g();
}

/** Seeded PRNG (mulberry32): fixtures are the same bytes on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` pseudo-random bytes from `rand`. */
export function randomBytesFrom(rand: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (rand() * 256) | 0;
  return b;
}

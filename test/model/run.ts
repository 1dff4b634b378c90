import { rmSync } from 'node:fs';
import { finish, step } from './commands';
import { RATE_CHOICES, World } from './world';
import { check, observe, tally, type Violation } from './invariants';
import { Rng } from './rng';

/**
 * One model-based sequence: a world from `seed`, the daemon started, `steps` random commands,
 * then everything settled and the invariants checked. The caller installs jest's fake timers.
 */

export interface SequenceResult {
  seed: number;
  violations: Violation[];
  trace: string[];
  records: number;
  payouts: number;
  stats: Record<string, number>;
}

export async function runSequence(seed: number, steps: number): Promise<SequenceResult> {
  const world = new World(new Rng(seed));
  // Back-off jitter and other Math.random draws in the daemon come from the seed too.
  const jitter = new Rng(seed ^ 0x5eed);
  const random = Math.random;
  Math.random = () => jitter.next();
  world.clock.install();
  try {
    world.note(`confirmations ${JSON.stringify(world.confirmations)}`);
    await world.start({ BTC: RATE_CHOICES.BTC[0], ETH: RATE_CHOICES.ETH[0], TOK: RATE_CHOICES.TOK[0] });
    const n = world.rng.int(Math.ceil(steps / 2), steps);
    for (let i = 0; i < n; i++) world.note(await step(world));
    await finish(world);
    const observed = await observe(world);
    if (process.env.MODEL_DEBUG) {
      for (const l of world.lines) console.log(JSON.stringify(l).slice(0, 400));
    }
    return {
      seed,
      violations: check(world, observed),
      trace: world.trace,
      stats: world.stats,
      ...tally(observed),
    };
  } catch (err) {
    const stack = err instanceof Error ? err.stack : String(err);
    throw new Error(
      `seed ${seed} crashed in "${world.current}": ${stack}\n  trace:\n    ${world.trace.join('\n    ')}`,
      { cause: err },
    );
  } finally {
    if (world.daemon) await world.stop('killed');
    world.clock.uninstall();
    Math.random = random;
    rmSync(world.dir, { recursive: true, force: true });
  }
}

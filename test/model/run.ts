import { createHash } from 'node:crypto';
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
  /**
   * What the sequence did: its trace and every store call the daemon made, in order, with the fake
   * time of each. Two runs of one seed agree on it when the replay is exact.
   */
  fingerprint: string;
  /** The store calls (World.calls), kept when MODEL_REPLAY=1 to show where two runs part. */
  calls?: string[];
}

/** The fingerprint of a sequence: its store calls (World.calls) and its trace. */
function fingerprint(world: World): string {
  return createHash('sha256')
    .update(world.calls.join('\n'))
    .update(world.trace.join('\n'))
    .digest('hex')
    .slice(0, 16);
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
      fingerprint: fingerprint(world),
      calls: process.env.MODEL_REPLAY === '1' ? world.calls : undefined,
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

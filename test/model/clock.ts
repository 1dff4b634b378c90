import type { StoreGate } from './gate';

/**
 * Time for the model test: jest's fake clock (timers and Date) moves only when the daemon is idle,
 * i.e. no store call of the live gate has real I/O in flight. Everything the daemon does is then
 * a function of the command sequence: timers fire in fake-time order, I/O completes in between.
 */

const STEP_MS = 25;
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

export class Clock {
  /** The gate of the daemon now running (null while it is down). */
  gate: StoreGate | null = null;

  install(): void {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'], now: 1_800_000_000_000 });
  }

  uninstall(): void {
    jest.clearAllTimers();
    jest.useRealTimers();
  }

  /** Lets real I/O and the promise chains after it run until nothing is in flight. */
  async drain(gate: StoreGate | null = this.gate): Promise<void> {
    for (let quiet = 0, turns = 0; quiet < 2; turns++) {
      await turn();
      quiet = gate?.busy ? 0 : quiet + 1;
      if (turns > 200_000) throw new Error('the daemon never went idle');
    }
  }

  /** Moves the fake clock `ms` on in small steps, idle between steps. */
  async advance(ms: number): Promise<void> {
    const end = Date.now() + ms;
    await this.drain();
    // A killed daemon runs no further: its timers are cleared by the kill.
    while (Date.now() < end && !this.gate?.dead) {
      jest.advanceTimersByTime(Math.min(STEP_MS, end - Date.now()));
      await this.drain();
    }
  }

  /** Runs the world (I/O, then fake time) until `p` settles. */
  async until<T>(p: Promise<T>, limitMs = 600_000): Promise<T> {
    let settled = false;
    p.then(
      () => (settled = true),
      () => (settled = true),
    );
    const end = Date.now() + limitMs;
    await this.drain();
    while (!settled) {
      if (Date.now() > end) throw new Error('operation never finished');
      // Time moves only for the daemon's timers: I/O outside the gate completes in real time.
      if (jest.getTimerCount() > 0) jest.advanceTimersByTime(STEP_MS);
      await this.drain();
    }
    return p;
  }
}

import { Mutex } from '../util/mutex';

/**
 * The scanner's poll loop: poll, sleep, poll, one loop per scanner. A poll and an exclusive task
 * (a rescan) never overlap: the task asks the poll in flight to stop between batches (`pausing`),
 * waits for it, runs, and wakes the loop to poll at once. Stopping aborts the sleep and waits for
 * the loop to end, after which nothing runs.
 */
export class PollLoop {
  private loop: Promise<void> | null = null;
  private readonly exclusive = new Mutex();
  /** Tasks waiting for `exclusive`: a long catch-up poll yields to them between batches. */
  private waiting = 0;
  /** Ends the loop's current sleep early (set while it sleeps). */
  private wake: (() => void) | null = null;

  /** `poll` resolves to the delay before the next poll. */
  constructor(private readonly poll: (signal: AbortSignal) => Promise<number>) {}

  start(signal: AbortSignal): void {
    this.loop = this.run(signal);
  }

  /** Resolves once the loop has ended (after its signal was aborted). */
  async ended(): Promise<void> {
    await this.loop;
    this.loop = null;
  }

  /** True while a task waits: a poll stops between batches. */
  get pausing(): boolean {
    return this.waiting > 0;
  }

  /** Runs `task` between two polls, then wakes the loop to poll at once. */
  async between<T>(task: () => Promise<T>): Promise<T> {
    this.waiting++;
    let result: T;
    try {
      result = await this.exclusive.run(task);
    } finally {
      this.waiting--;
    }
    this.wake?.();
    return result;
  }

  /** The only caller of poll(), so there is never a second one. */
  private async run(signal: AbortSignal): Promise<void> {
    let delay = 0;
    while (!signal.aborted) {
      await this.sleep(delay, signal);
      delay = await this.exclusive.run(() => (signal.aborted ? Promise.resolve(0) : this.poll(signal)));
    }
  }

  /** Waits `ms`, or less if the loop stops or a task wakes it. */
  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
      this.wake = done;
    });
  }
}

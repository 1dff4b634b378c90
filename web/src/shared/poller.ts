/**
 * Calls `tick` every `intervalMs` with a re-armed timer (never two in flight), paused while the
 * tab is hidden and resumed (with an immediate tick) when it shows again.
 */
export class Poller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private inFlight = false;
  private readonly onVisibility = (): void => {
    if (!this.running) return;
    if (document.hidden) this.clear();
    else this.now();
  };

  constructor(
    private readonly tick: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (!this.running) {
      this.running = true;
      document.addEventListener('visibilitychange', this.onVisibility);
    }
    this.now();
  }

  stop(): void {
    this.running = false;
    this.clear();
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  /** Runs a tick now (or right after the one in flight) and re-arms the timer. */
  now(): void {
    this.clear();
    if (this.inFlight) {
      this.arm(0);
      return;
    }
    this.inFlight = true;
    this.tick()
      .catch((err: unknown) => console.warn('poll failed', err))
      .finally(() => {
        this.inFlight = false;
        if (this.running && !document.hidden) this.arm(this.intervalMs);
      });
  }

  private arm(ms: number): void {
    this.clear();
    this.timer = setTimeout(() => this.now(), ms);
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Drain protection for every pool kind (issue 19): per client, at most `perHour` binds in any
 * fixed hour and `perDay` in any fixed day (windows start at the client's first bind, as the
 * request throttle's do); for everyone together, binds pause while more than `globalPerHour` were
 * made in the last hour (a sliding hour of one-minute buckets). 0 turns a cap off. A bind counts
 * when it is decided and is given back if it fails, so concurrent binds cannot overshoot a cap.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BUCKET = 60_000;

export interface BindLimitsConfig {
  perHour: number;
  perDay: number;
  globalPerHour: number;
}

interface ClientWindows {
  hourEnds: number;
  hour: number;
  dayEnds: number;
  day: number;
}

/** Binds per one-minute bucket over the last hour. */
export class RecentCount {
  private readonly buckets = new Map<number, number>();

  add(now: number, n = 1): void {
    const b = Math.floor(now / BUCKET);
    this.buckets.set(b, (this.buckets.get(b) ?? 0) + n);
    if (this.buckets.size > 70) this.prune(now);
  }

  /** Binds in the last hour. */
  count(now: number): number {
    this.prune(now);
    let n = 0;
    for (const v of this.buckets.values()) n += v;
    return n;
  }

  private prune(now: number): void {
    const oldest = Math.floor((now - HOUR) / BUCKET);
    for (const b of this.buckets.keys()) if (b <= oldest) this.buckets.delete(b);
  }
}

export type BindRefusal = 'client_hour' | 'client_day' | 'global';

export class BindLimits {
  private clients = new Map<string, ClientWindows>();
  /** Clients seen in the previous day (dropped a day after their last bind, without a timer). */
  private previous = new Map<string, ClientWindows>();
  private rotateAt = 0;
  private readonly recent = new RecentCount();

  constructor(
    private readonly cfg: BindLimitsConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** Binds in the last hour, everyone together. */
  lastHour(): number {
    return this.recent.count(this.now());
  }

  /** Whether binds are paused (the global rate is above its cap). */
  paused(): boolean {
    return this.cfg.globalPerHour > 0 && this.lastHour() >= this.cfg.globalPerHour;
  }

  /**
   * Counts a bind by `client` if no cap refuses it; returns why one does. A counted bind that then
   * fails is handed back with `giveBack`.
   */
  take(client: string): BindRefusal | undefined {
    const now = this.now();
    if (this.cfg.globalPerHour > 0 && this.recent.count(now) >= this.cfg.globalPerHour) return 'global';
    if (this.cfg.perHour > 0 || this.cfg.perDay > 0) {
      const w = this.windows(client, now);
      if (this.cfg.perHour > 0 && w.hour >= this.cfg.perHour) return 'client_hour';
      if (this.cfg.perDay > 0 && w.day >= this.cfg.perDay) return 'client_day';
      w.hour++;
      w.day++;
    }
    this.recent.add(now);
    return undefined;
  }

  giveBack(client: string): void {
    const now = this.now();
    this.recent.add(now, -1);
    const w = this.clients.get(client);
    if (w) {
      w.hour = Math.max(0, w.hour - 1);
      w.day = Math.max(0, w.day - 1);
    }
  }

  private windows(client: string, now: number): ClientWindows {
    if (now >= this.rotateAt) {
      this.previous = this.clients;
      this.clients = new Map();
      this.rotateAt = now + DAY;
    }
    let w = this.clients.get(client);
    if (w === undefined) {
      w = this.previous.get(client) ?? { hourEnds: 0, hour: 0, dayEnds: 0, day: 0 };
      this.previous.delete(client);
      this.clients.set(client, w);
    }
    if (w.hourEnds <= now) {
      w.hour = 0;
      w.hourEnds = now + HOUR;
    }
    if (w.dayEnds <= now) {
      w.day = 0;
      w.dayEnds = now + DAY;
    }
    return w;
  }
}

import type { Logger } from '../util/logger';

/** Behind by more than this many blocks counts as catching up (and is logged as such). */
export const CATCH_UP_THRESHOLD_BLOCKS = 10;

/**
 * Catch-up progress for operators: one info line when a catch-up starts, one every `intervalMs`
 * while it lasts (height, tip, blocks/s, ETA), one when it ends.
 */
export class CatchUpProgress {
  private active = false;
  private startHeight = 0;
  private startedAt = 0;
  private loggedAt = 0;

  constructor(
    private readonly log: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called with the last scanned height and the tip after each batch. */
  update(height: number, tip: number): void {
    const behind = tip - height;
    const t = this.now();
    if (!this.active) {
      if (behind <= CATCH_UP_THRESHOLD_BLOCKS) return;
      this.active = true;
      this.startHeight = height;
      this.startedAt = t;
      this.loggedAt = t;
      this.log.info({ height, tip, behind }, 'scanner catching up');
      return;
    }
    if (behind <= 0) {
      const seconds = (t - this.startedAt) / 1000;
      this.log.info({ height, tip, blocks: height - this.startHeight, seconds }, 'scanner caught up');
      this.active = false;
      return;
    }
    if (t - this.loggedAt < this.intervalMs) return;
    this.loggedAt = t;
    const elapsedS = Math.max((t - this.startedAt) / 1000, 0.001);
    const blocksPerSec = (height - this.startHeight) / elapsedS;
    const etaSec = blocksPerSec > 0 ? Math.round(behind / blocksPerSec) : null;
    this.log.info(
      { height, tip, behind, blocksPerSec: Math.round(blocksPerSec * 10) / 10, etaSec },
      'scanner catching up',
    );
  }
}

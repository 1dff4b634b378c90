import { depositIdOf } from '../core/deposit';
import type { Logger } from '../util/logger';
import { depositFields, type HandedDeposit, type ScanState } from './engine-state';
import type { RewindHandler, RewoundState } from './types';

/**
 * Handed-over deposits that a rewind (a reorg, or a rescan) took back: the scanner no longer
 * knows them to be on the chain. Seen deposits it took back are among them: the exchange may have
 * recorded one whose handed marker was lost (engine-state.ts Rewound.unmarked).
 *
 * The exchange is told at once (`RewindHandler`): it holds the payout of one not paid yet, or says
 * it was paid. The call is repeated for every recheck entry at each start (it is idempotent), so
 * that teller dying between the rewind and the call, or an offline `teller rescan`, leaves no
 * payout unheld. A deposit the scan finds again is handed over again once confirmed (the exchange
 * then releases it). One the scan passes without finding it is not on the chain: an `error` log
 * and the scanner's alert, a loss if it was paid (a reorg deeper than the confirmations).
 */
export class RewoundDeposits {
  /** Ids of recheck entries the exchange has not answered for in this run. */
  private readonly unheld = new Set<string>();
  handler: RewindHandler | null = null;

  constructor(
    private readonly state: ScanState,
    private readonly log: Logger,
    private readonly required: number,
  ) {}

  /** Queues entries for the exchange: every recheck entry at start, those a rewind just took back. */
  toHold(entries: HandedDeposit[]): void {
    for (const h of entries) this.unheld.add(depositIdOf(h.deposit));
  }

  /** Asks the exchange to hold every queued entry; one that fails is asked again at the next poll. */
  async hold(): Promise<void> {
    if (this.unheld.size === 0) return;
    for (const h of this.state.rechecking()) {
      const id = depositIdOf(h.deposit);
      if (!this.unheld.has(id)) continue;
      let state: RewoundState | 'unknown';
      try {
        state = await this.ask(h);
      } catch (err) {
        this.log.warn({ ...depositFields(h), err }, 'rewound deposit: hold failed; retrying');
        continue;
      }
      this.unheld.delete(id);
      const fields = { ...depositFields(h), state };
      if (state === 'held') {
        this.log.warn(
          fields,
          'handed-over deposit taken back by a rewind: payout held until it is found again',
        );
      } else if (state === 'none') {
        this.log.info(fields, 'handed-over deposit taken back by a rewind: nothing was paid');
      } else {
        this.log.warn(
          fields,
          'handed-over deposit taken back by a rewind, possibly paid: it must be found again',
        );
      }
    }
  }

  /**
   * What the exchange did with the entry's deposit. Without a handler, one known to be handed over
   * is `unknown` (alerted as possibly paid); a seen one taken back (`at` 0) is taken as not.
   */
  private async ask(h: HandedDeposit): Promise<RewoundState | 'unknown'> {
    if (this.handler) return this.handler(h.deposit);
    return h.at === 0 ? 'none' : 'unknown';
  }

  /** Entries the scan found again: they are handed over again once confirmed. */
  refound(entries: HandedDeposit[]): void {
    for (const h of entries) {
      this.unheld.delete(depositIdOf(h.deposit));
      this.log.info(depositFields(h), 'rewound deposit found again on the chain');
    }
  }

  /**
   * Resolves the entries the scan went past without finding them: they are not on the chain.
   * Returns the alert to raise ('' if none).
   */
  async resolvePassed(): Promise<string> {
    let alert = '';
    for (const h of this.state.passedRechecks()) {
      let state: RewoundState | 'unknown';
      try {
        state = await this.ask(h);
      } catch (err) {
        this.log.warn({ ...depositFields(h), err }, 'rewound deposit: hold failed; retrying');
        continue;
      }
      // Logged before the entry is dropped: a crash in between re-raises it at the next start
      // rather than losing it.
      if (state === 'none') {
        this.log.info(depositFields(h), 'handed-over deposit not found again; nothing was paid for it');
      } else {
        const outcome = {
          paid: 'it was paid: a loss',
          held: 'its payout is held until it is seen again',
          unknown: 'check whether it was paid',
        }[state];
        alert =
          `${this.state.chain} deposit ${depositIdOf(h.deposit)} (block ${h.deposit.height}, handed over at ` +
          `${this.required} confirmations) is no longer on the chain: ${outcome}`;
        this.log.error(
          { ...depositFields(h), state },
          'handed-over deposit no longer on the chain: a reorg deeper than the confirmations',
        );
      }
      await this.state.dropRecheck(h);
      this.unheld.delete(depositIdOf(h.deposit));
    }
    return alert;
  }
}

import { InsufficientBalanceError, SenderError } from '../chains/errors';
import type { Config } from '../config/types';
import { depositIdOf, type ScannedDeposit, type StoredStatus } from '../core/deposit';
import type { ReceiveOutcome, RewoundState } from '../scanner/types';
import type { Sender } from '../sender/types';
import { backoffDelayMs } from '../util/backoff';
import { errorMessage } from '../util/errors';
import type { Logger } from '../util/logger';
import { KeyedMutex } from '../util/mutex';
import type { DepositCoin } from './coins';
import type { DepositStore } from './deposit-store';
import { freezeSeenTerms, recordNew } from './deposit-intake';
import { AWAITING_APPROVAL, ExchangeError, REWOUND_ERROR } from './errors';
import { PayoutSteps, type StepOutcome } from './payout-steps';
import type { DepositRecord } from './types';
import { recordOf } from './wrong-asset';

/** Drives the passthrough statuses (issue: passthrough); the exchange calls it for those records. */
export interface PassthroughProcessor {
  step(rec: DepositRecord): Promise<StepOutcome>;
  /** The last step's error message, '' after one that went through (teller's Processor.Status). */
  lastError(): string;
}

export interface ExchangeOptions {
  config: Config;
  deposits: DepositStore;
  sender: Sender;
  coins: Map<string, DepositCoin>;
  log: Logger;
  passthrough?: PassthroughProcessor;
  /** How often a "still sold out" summary is logged while sold out (default 5 minutes). */
  soldOutSummaryMs?: number;
}

const SOLD_OUT_SUMMARY_MS = 5 * 60_000;

const BACKOFF_START_MS = 250;
const UNFINISHED: StoredStatus[] = [
  'waiting_decide',
  'waiting_passthrough',
  'waiting_passthrough_order_complete',
  'waiting_send',
  'waiting_confirm',
];

/**
 * The deposit state machine. The store is the queue: every unfinished deposit is scheduled from
 * its stored status at start, and each step runs under that deposit's lock, reads the record
 * fresh, acts, and writes the next status in one batch. Deposits are independent: one stuck
 * payout never holds up another (teller sent strictly one at a time).
 */
export class Exchange {
  private readonly locks = new KeyedMutex();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly attempts = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private readonly payout: PayoutSteps;
  private stopped = false;
  /** The sold-out state last logged, and the summary timer that runs while it lasts. */
  private loggedSoldOut = false;
  private soldOutSince = 0;
  private soldOutTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ExchangeOptions) {
    this.payout = new PayoutSteps(opts);
  }

  /** The sender's last RPC-class error ('' once a payout goes through again), as teller's health. */
  get senderError(): string {
    return this.payout.senderError;
  }

  /** The hot wallet could not cover a payout and has not since: the service is "sold out". */
  get soldOut(): boolean {
    return this.payout.soldOut;
  }

  /**
   * /api/health's processor_error: the passthrough processor's last error. Direct buys have no
   * processor step that can fail apart from the store (whose errors stop the deposit), so '' there.
   */
  get processorError(): string {
    return this.opts.passthrough?.lastError() ?? '';
  }

  async start(): Promise<void> {
    let resumed = 0;
    for (const status of UNFINISHED) {
      for (const id of await this.opts.deposits.idsWithStatus(status)) {
        this.schedule(id);
        resumed++;
      }
    }
    if (!this.opts.config.sky_exchanger.send_enabled) {
      this.opts.log.warn('sky_exchanger.send_enabled is false: deposits will wait in waiting_send');
    }
    this.opts.log.info({ resumed }, 'exchange started');
  }

  /**
   * A scanner saw these deposits in a block, before their confirmations (and again for the ones it
   * still holds at start): freezes each one's rate, payout decimals and buy method, once, before
   * the scanner stores the sighting. A deposit seen again (replay, reorg, rescan, restart) keeps the
   * terms of its first sighting.
   */
  async seen(deposits: ScannedDeposit[]): Promise<void> {
    if (this.stopped) throw new ExchangeError('stopped', 'exchange is stopping');
    return freezeSeenTerms(this.opts, deposits);
  }

  /**
   * Records a confirmed deposit once (idempotent: a replay of the same txid:n changes nothing) and
   * schedules it, at the terms frozen when it was first seen (`seen`); a deposit nobody saw before
   * (dummy scanner, or seen by a build that froze nothing) gets them now.
   */
  async receive(d: ScannedDeposit): Promise<ReceiveOutcome> {
    if (this.stopped) throw new ExchangeError('stopped', 'exchange is stopping');
    const id = depositIdOf(d);
    if (d.value === 0n) {
      // teller never records one (`DepositValue is zero`, teller-core §5.4); nor does Teller, but
      // it does not hand it back to be replayed for ever either.
      this.opts.log.info(
        { depositId: id, address: d.address, coin: d.coin_type },
        'deposit value is zero: not recorded',
      );
      return { kind: 'zero_value' };
    }
    // A deposit held by a rewind and now handed over again (found again, confirmed) resumes.
    let released = '';
    const outcome = await this.locks.run(id, async (): Promise<ReceiveOutcome> => {
      const known = await recordOf(this.opts.deposits, d, id);
      if (known) {
        if (known.error === REWOUND_ERROR) released = await this.release(known);
        else this.opts.log.debug({ depositId: id, status: known.status }, 'deposit already recorded');
        return { kind: 'duplicate', status: known.status };
      }
      return recordNew(this.opts, d, id);
    });
    if (outcome.kind === 'recorded') this.schedule(id);
    if (released !== '') this.schedule(released);
    return outcome;
  }

  /**
   * A rewind (a reorg or a rescan) took back the block of this handed-over deposit: the scanner no
   * longer knows it to be on the chain. One not paid yet is held (`error` = REWOUND_ERROR, shown by
   * the admin API) until the scanner hands it over again; once a payout is signed it is `paid`.
   * Idempotent: the scanner asks again at every start and when the scan passes the deposit's height.
   */
  async rewound(d: ScannedDeposit): Promise<RewoundState> {
    const id = depositIdOf(d);
    return this.locks.run(id, async () => {
      const rec = await recordOf(this.opts.deposits, d, id);
      if (!rec || (rec.status === 'done' && rec.txid === '')) return 'none';
      if (rec.status === 'waiting_confirm' || rec.status === 'done') return 'paid';
      // Already waiting for an operator (a wrong asset, a permanent failure): held by that error.
      // Replacing it with the rewind's would let finding the deposit again lift it unseen.
      if (rec.error !== '' && rec.error !== REWOUND_ERROR) return 'held';
      if (rec.error !== REWOUND_ERROR) {
        await this.opts.deposits.update(
          rec,
          { error: REWOUND_ERROR, last_error: rec.last_error },
          REWOUND_ERROR,
        );
        this.opts.log.warn(
          { depositId: id, status: rec.status },
          'deposit taken back by a rewind: payout held',
        );
      }
      return 'held';
    });
  }

  /** Lifts a rewind's hold: the scanner found the deposit again and it is confirmed. */
  private async release(rec: DepositRecord): Promise<string> {
    await this.opts.deposits.update(
      rec,
      { error: '' },
      'found again on the chain and confirmed: hold lifted',
    );
    this.opts.log.info({ depositId: rec.deposit_id, status: rec.status }, 'rewound deposit confirmed again');
    return rec.deposit_id;
  }

  /** Runs the deposit's next step after `delayMs` (replacing an earlier timer). */
  schedule(id: string, delayMs = 0): void {
    if (this.stopped) return;
    const old = this.timers.get(id);
    if (old) clearTimeout(old);
    const timer = setTimeout(() => {
      this.timers.delete(id);
      const run = this.locks.run(id, () => this.step(id)).finally(() => this.running.delete(run));
      this.running.add(run);
    }, delayMs);
    this.timers.set(id, timer);
  }

  /** Wakes every deposit waiting to be sent (funds came back, or sending was re-enabled). */
  async wakeWaitingSend(): Promise<void> {
    for (const id of await this.opts.deposits.idsWithStatus('waiting_send')) this.schedule(id);
  }

  /** Admin: clears a deposit's error and runs it again. */
  async retry(id: string): Promise<DepositRecord> {
    const rec = await this.locks.run(id, async () => {
      const current = await this.opts.deposits.get(id);
      if (!current) throw new ExchangeError('not_found', `deposit ${id} not found`);
      if (current.error === REWOUND_ERROR) {
        throw new ExchangeError(
          'not_retryable',
          `deposit ${id} is not on the chain since a reorg or a rescan; it is paid once the scanner finds it again`,
        );
      }
      if (current.status === 'done') {
        throw new ExchangeError(
          'not_retryable',
          `deposit ${id} is done${current.error ? `: ${current.error}` : ''}`,
        );
      }
      this.attempts.delete(id);
      return this.opts.deposits.update(current, { error: '', last_error: '' }, 'retry requested by admin');
    });
    this.schedule(id);
    return rec;
  }

  /** Admin: lets a payout held above `payout.approval_above` go. */
  async approve(id: string): Promise<DepositRecord> {
    const rec = await this.locks.run(id, async () => {
      const current = await this.opts.deposits.get(id);
      if (!current) throw new ExchangeError('not_found', `deposit ${id} not found`);
      if (current.status !== 'waiting_send' || current.last_error !== AWAITING_APPROVAL) {
        throw new ExchangeError('not_retryable', `deposit ${id} is not waiting for an approval`);
      }
      return this.opts.deposits.update(
        current,
        { approved: true, last_error: '' },
        'payout approved by admin',
      );
    });
    this.schedule(id);
    return rec;
  }

  /** Runs `fn` under the deposit's lock, as its own steps run (admin actions on a deposit). */
  withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(id, fn);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.soldOutTimer);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  private async step(id: string): Promise<void> {
    const rec = await this.opts.deposits.get(id);
    if (!rec || rec.status === 'done' || rec.error) return;
    let outcome: StepOutcome;
    try {
      outcome = await this.advance(rec);
    } catch (err) {
      outcome = await this.failed(rec, err).catch((recordErr: unknown): StepOutcome => {
        // Not even the failure could be written (the store failed too): try the step again later.
        this.opts.log.warn(
          { depositId: id, err, recordErr },
          'deposit step failed and the failure could not be recorded; will retry',
        );
        return { kind: 'retry' };
      });
    }
    this.logSoldOutChange();
    if (outcome.kind === 'next') {
      this.attempts.delete(id);
      this.schedule(id);
    } else if (outcome.kind === 'wait') {
      this.attempts.delete(id);
      this.schedule(id, outcome.ms);
    } else if (outcome.kind === 'retry') {
      const n = (this.attempts.get(id) ?? 0) + 1;
      this.attempts.set(id, n);
      const cap = Math.max(this.opts.config.sky_exchanger.tx_confirmation_check_wait_ms, BACKOFF_START_MS);
      this.schedule(id, backoffDelayMs(n - 1, BACKOFF_START_MS, cap));
    }
  }

  private async advance(rec: DepositRecord): Promise<StepOutcome> {
    switch (rec.status) {
      case 'waiting_decide': {
        const next = rec.buy_method === 'passthrough' ? 'waiting_passthrough' : 'waiting_send';
        await this.opts.deposits.transition(rec, { status: next }, `buy method ${rec.buy_method}`);
        this.opts.log.info({ depositId: rec.deposit_id, status: next }, 'deposit decided');
        return { kind: 'next' };
      }
      case 'waiting_passthrough':
      case 'waiting_passthrough_order_complete':
        if (!this.opts.passthrough) {
          throw new ExchangeError(
            'no_passthrough',
            'passthrough deposit but no passthrough exchange is configured',
          );
        }
        return this.opts.passthrough.step(rec);
      case 'waiting_send':
        return this.payout.send(rec);
      case 'waiting_confirm':
        return this.payout.confirm(rec);
      case 'done':
        return { kind: 'idle' };
    }
  }

  /**
   * Sold out is one state of the whole service: a warning when it starts, a summary every
   * soldOutSummaryMs while it lasts, an info line when payouts go through again.
   */
  private logSoldOutChange(): void {
    const soldOut = this.payout.soldOut;
    if (soldOut === this.loggedSoldOut || this.stopped) return;
    this.loggedSoldOut = soldOut;
    const log = this.opts.log;
    if (!soldOut) {
      clearInterval(this.soldOutTimer);
      this.soldOutTimer = undefined;
      log.info({ soldOutMs: Date.now() - this.soldOutSince }, 'no longer sold out: payouts resume');
      return;
    }
    this.soldOutSince = Date.now();
    log.warn({ err: this.payout.senderError }, 'sold out: payouts wait until the hot wallet is refilled');
    this.soldOutTimer = setInterval(() => {
      this.opts.deposits.idsWithStatus('waiting_send').then(
        (ids) =>
          log.warn(
            { waiting: ids.length, soldOutMs: Date.now() - this.soldOutSince, err: this.payout.senderError },
            'still sold out',
          ),
        (err: unknown) => log.error({ err }, 'sold-out summary failed'),
      );
    }, this.opts.soldOutSummaryMs ?? SOLD_OUT_SUMMARY_MS);
    this.soldOutTimer.unref();
  }

  /** Retryable failures are recorded and retried with backoff; permanent ones set `error`. */
  private async failed(rec: DepositRecord, err: unknown): Promise<StepOutcome> {
    const message = errorMessage(err);
    const retryable = (err instanceof SenderError || err instanceof ExchangeError) && err.retryable;
    const log = this.opts.log.child({ depositId: rec.deposit_id, status: rec.status });
    const current = (await this.opts.deposits.get(rec.deposit_id)) ?? rec;
    if (retryable) {
      // Once per change of the deposit's error: a retry every tx_confirmation_check_wait that
      // fails the same way is a debug line (sold out has its own summary, logSoldOutChange).
      const repeated = current.last_error === message || err instanceof InsufficientBalanceError;
      if (repeated) log.debug({ err }, 'deposit step failed, will retry');
      else log.warn({ err }, 'deposit step failed, will retry');
      if (current.last_error !== message) {
        await this.opts.deposits.update(
          current,
          { last_error: message, attempts: current.attempts + 1 },
          `retryable: ${message}`,
        );
      }
      return { kind: 'retry' };
    }
    log.error({ err }, 'deposit step failed permanently: an operator must look at it');
    await this.opts.deposits.update(current, { error: message, last_error: message }, `error: ${message}`);
    return { kind: 'idle' };
  }
}

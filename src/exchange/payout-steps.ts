import type { Config } from '../config/types';
import type { PreparedPayout, Sender } from '../sender/types';
import { InsufficientBalanceError, SenderError } from '../chains/errors';
import { errorMessage } from '../util/errors';
import type { Logger } from '../util/logger';
import { depositToPayout, parseUnits, truncateUnits } from '../core/amounts';
import type { DepositCoin } from './coins';
import type { DepositStore } from './deposit-store';
import { AWAITING_APPROVAL, ExchangeError, ZERO_SEND_ERROR } from './errors';
import type { DepositRecord } from './types';

/** What a step asks for next: run again now, wait, retry with backoff, or nothing (done/errored). */
export type StepOutcome =
  { kind: 'next' } | { kind: 'wait'; ms: number } | { kind: 'retry' } | { kind: 'idle' };

interface PayoutStepsOptions {
  config: Config;
  deposits: DepositStore;
  sender: Sender;
  coins: Map<string, DepositCoin>;
  log: Logger;
}

/**
 * waiting_send and waiting_confirm. Exactly once: the signed payout is written with the move to
 * waiting_confirm *before* it is broadcast; from then on only those bytes are broadcast (again, if
 * the node lost them), and the deposit is never signed for a second time.
 */
export class PayoutSteps {
  senderError = '';
  soldOut = false;

  constructor(private readonly opts: PayoutStepsOptions) {}

  /** Payout base units for a deposit, with its frozen rate and decimals. */
  amountFor(rec: DepositRecord): bigint {
    const payoutDecimals = this.opts.sender.decimals;
    if (rec.buy_method === 'passthrough') {
      // teller sent sky_bought unrounded, which Skycoin rejects above 3 decimals (spec §9.15).
      return truncateUnits(rec.passthrough.sky_bought, payoutDecimals, rec.max_decimals);
    }
    const coin = this.opts.coins.get(rec.coin_type);
    if (!coin) throw new ExchangeError('unknown_coin', `unsupported coin type ${rec.coin_type}`);
    return depositToPayout(
      rec.deposit_value,
      coin.decimals,
      rec.conversion_rate,
      rec.max_decimals,
      payoutDecimals,
    );
  }

  async send(rec: DepositRecord): Promise<StepOutcome> {
    if (!this.opts.config.sky_exchanger.send_enabled) return { kind: 'idle' };
    const log = this.opts.log.child({ depositId: rec.deposit_id });
    const amount = this.amountFor(rec);
    if (amount === 0n) {
      await this.opts.deposits.transition(rec, { status: 'done', error: ZERO_SEND_ERROR }, ZERO_SEND_ERROR);
      log.warn({ value: String(rec.deposit_value) }, 'payout rounds to zero: deposit done without a payout');
      return { kind: 'idle' };
    }
    const cap = parseUnits(this.opts.config.payout.approval_above, this.opts.sender.decimals);
    if (cap > 0n && amount > cap && !rec.approved) {
      if (rec.last_error !== AWAITING_APPROVAL) {
        await this.opts.deposits.update(rec, { last_error: AWAITING_APPROVAL }, AWAITING_APPROVAL);
        log.warn({ amount: String(amount), cap: String(cap) }, 'payout held for admin approval');
      }
      return { kind: 'idle' };
    }
    // A payout stored by an earlier run that died before the status moved is reused, never re-signed.
    let payout = await this.opts.deposits.getPayout(rec.deposit_id);
    if (!payout) {
      payout = await this.rpc(() => this.opts.sender.prepare(rec.deposit_id, rec.sky_address, amount), true);
    }
    await this.opts.deposits.transition(
      rec,
      { status: 'waiting_confirm', txid: payout.txid, sky_sent: payout.amount, last_error: '' },
      `payout ${payout.txid} signed`,
      [{ type: 'put', space: 'payouts', key: rec.deposit_id, value: payout }],
    );
    log.info(
      { txid: payout.txid, amount: String(payout.amount), to: rec.sky_address },
      'payout signed and stored',
    );
    return { kind: 'next' };
  }

  async confirm(rec: DepositRecord): Promise<StepOutcome> {
    const log = this.opts.log.child({ depositId: rec.deposit_id, txid: rec.txid });
    const payout = await this.opts.deposits.getPayout(rec.deposit_id);
    if (!payout)
      throw new ExchangeError(
        'payout_missing',
        `deposit ${rec.deposit_id} is waiting_confirm without a stored payout`,
      );
    if (payout.broadcasts === 0) {
      await this.broadcast(payout);
      log.info({ amount: String(payout.amount), to: payout.to }, 'payout broadcast');
    }
    const state = await this.rpc(() => this.opts.sender.check(payout));
    if (state === 'confirmed') {
      await this.opts.deposits.transition(
        rec,
        { status: 'done', last_error: '' },
        `payout ${payout.txid} confirmed`,
      );
      log.info('payout confirmed: deposit done');
      return { kind: 'idle' };
    }
    if (state === 'unknown') {
      // Dropped from the mempool or reorged out: the same signed bytes go out again.
      log.warn('payout unknown to the node: broadcasting the stored transaction again');
      await this.broadcast(payout);
    } else if (this.opts.sender.replacement) {
      const bumped = await this.rpc(() => this.opts.sender.replacement?.(payout) ?? Promise.resolve(null));
      if (bumped) {
        // Stored before it is broadcast, like the first version.
        await this.opts.deposits.update(
          rec,
          { txid: bumped.txid },
          `payout replaced by ${bumped.txid} (fee bump)`,
          [{ type: 'put', space: 'payouts', key: rec.deposit_id, value: bumped }],
        );
        await this.broadcast(bumped);
        log.warn({ replacement: bumped.txid }, 'payout stuck: fee-bumped replacement broadcast');
      }
    }
    return { kind: 'wait', ms: Math.max(this.opts.config.sky_exchanger.tx_confirmation_check_wait_ms, 50) };
  }

  private async broadcast(payout: PreparedPayout): Promise<void> {
    await this.rpc(() => this.opts.sender.broadcast(payout), true);
    const updated: PreparedPayout = {
      ...payout,
      broadcast_at: Date.now(),
      broadcasts: payout.broadcasts + 1,
    };
    await this.opts.deposits.putPayout(updated);
  }

  /**
   * Tracks the sender's health the way teller's /api/health shows it. Only a payout that went
   * through (`pays`: prepare, broadcast) clears it: another payout's confirmation check says
   * nothing about whether the wallet can pay.
   */
  private async rpc<T>(call: () => Promise<T>, pays = false): Promise<T> {
    try {
      const result = await call();
      if (pays) {
        this.senderError = '';
        this.soldOut = false;
      }
      return result;
    } catch (err) {
      if (err instanceof SenderError && err.retryable) {
        this.senderError = errorMessage(err);
        this.soldOut = err instanceof InsufficientBalanceError;
      }
      throw err;
    }
  }
}

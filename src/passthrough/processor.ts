import { truncateUnits } from '../core/amounts';
import type { PassthroughProcessor } from '../exchange/exchange';
import type { StepOutcome } from '../exchange/payout-steps';
import type { DepositRecord } from '../exchange/types';
import { retryPassthrough, markHandled } from './admin';
import { clientOrderIdFor } from './client-order-id';
import {
  checkSameOrder,
  passthroughContext,
  withOrder,
  type PassthroughContext,
  type PassthroughOptions,
} from './context';
import {
  BelowMinimumError,
  DuplicateOrderError,
  ExchangeUnavailableError,
  InsufficientFundsError,
  PassthroughError,
  PassthroughStateError,
  RateLimitedError,
} from './errors';
import { getLedger, ledgerOf, newLedger, putLedger } from './ledger';
import { settle } from './settle';
import type { ExchangeOrder, MarketInfo, PassthroughLedger } from './types';
import { decimalToUnits, unitsToDecimal } from './units';
import { backoffDelayMs } from '../util/backoff';
import { errorMessage } from '../util/errors';

export type { PassthroughOptions } from './context';

/** The processor the exchange drives, plus the admin API's resolutions of failed orders. */
export interface PassthroughService extends PassthroughProcessor {
  /** Clears a failed order's error; an order that never executed is resubmitted under a new client order id. */
  retryPassthrough(depositId: string): Promise<DepositRecord>;
  /** The operator settled the deposit by hand: done, with `handled manually: <note>` as its error. */
  markHandled(depositId: string, note: string): Promise<DepositRecord>;
  /** The processor's own record of the deposit's order (admin detail view). */
  ledger(depositId: string): Promise<PassthroughLedger | undefined>;
}

/** teller's `last_error` text while the exchange account cannot pay (spec §5.8). */
export const INSUFFICIENT_BALANCE_TEXT = 'exchange balance is insufficient';
const BACKOFF_START_MS = 250;
const MIN_POLL_MS = 20;
/** Decimals an exchange amount is compared with zero at (any dust counts as bought). */
const EXACT_DECIMALS = 18;

export function createPassthroughProcessor(opts: PassthroughOptions): PassthroughService {
  const ctx = passthroughContext(opts);
  const processor = new Processor(ctx);
  return {
    step: (rec) => processor.step(rec),
    retryPassthrough: (id) => retryPassthrough(ctx, id),
    markHandled: (id, note) => markHandled(ctx, id, note),
    ledger: (id) => getLedger(ctx.store, id),
    lastError: () => processor.lastError,
  };
}

/**
 * waiting_passthrough → waiting_passthrough_order_complete → waiting_send. One step per call;
 * the exchange holds the deposit's lock and reads the record fresh. The order is requested
 * (client order id and amount written) before anything is sent, the send time is written before
 * the request, and an order is placed again only when a lookup by client id proves the earlier
 * request can no longer execute: a crash or a lost response never buys twice.
 */
class Processor {
  private readonly failures = new Map<string, number>();
  /** The last step's error, '' after a step that went through: /api/health's processor_error. */
  lastError = '';

  constructor(private readonly ctx: PassthroughContext) {}

  async step(rec: DepositRecord): Promise<StepOutcome> {
    try {
      const outcome = rec.status === 'waiting_passthrough' ? await this.place(rec) : await this.poll(rec);
      this.failures.delete(rec.deposit_id);
      this.lastError = '';
      return outcome;
    } catch (err) {
      this.lastError = errorMessage(err);
      return this.failed(rec, err);
    }
  }

  /** waiting_passthrough: request the order, then place it (or find it again). */
  private async place(rec: DepositRecord): Promise<StepOutcome> {
    const { client, symbol } = this.ctx;
    const market = await this.market(rec);
    if (rec.passthrough.order.customer_id === '') return this.request(rec, market);
    const decimals = this.ctx.depositDecimals(rec.coin_type);
    const requested = decimalToUnits(rec.passthrough.requested_amount, decimals);
    const ledger = await ledgerOf(this.ctx.store, rec, requested);
    const cid = rec.passthrough.order.customer_id;
    if (ledger.submitted_at > 0) {
      const found = await client.fetchOrderByClientId(cid, symbol);
      if (found) return this.placed(rec, found, 'found by its client order id after an unanswered request');
      const age = this.ctx.now() - ledger.submitted_at;
      if (age < client.requestExpiryMs) {
        this.log(rec).info(
          { clientOrderId: cid, ageMs: age },
          'order not found yet: waiting until the earlier request expires',
        );
        return { kind: 'wait', ms: client.requestExpiryMs - age };
      }
    }
    const free = decimalToUnits(await client.balance(market.quote), decimals, 'down');
    if (free < requested)
      throw new InsufficientFundsError(
        `exchange balance ${unitsToDecimal(free, decimals)} ${market.quote} is insufficient`,
      );
    const sent = { ...ledger, submitted_at: this.ctx.now(), submissions: ledger.submissions + 1 };
    await this.ctx.store.write([putLedger(sent)]);
    let order: ExchangeOrder;
    try {
      order = await client.marketBuy({
        clientOrderId: cid,
        symbol,
        spendAmount: rec.passthrough.requested_amount,
      });
    } catch (err) {
      if (!(err instanceof DuplicateOrderError)) throw err;
      const found = await client.fetchOrderByClientId(cid, symbol);
      if (!found)
        throw new ExchangeUnavailableError(`client order id ${cid} is in use but its order is not found`);
      order = found;
    }
    return this.placed(rec, order, 'placed');
  }

  /** Writes the client order id and the amount to spend: the intent, durable before any request. */
  private async request(rec: DepositRecord, market: MarketInfo): Promise<StepOutcome> {
    const decimals = this.ctx.depositDecimals(rec.coin_type);
    const requested = truncateUnits(rec.deposit_value, decimals, Math.min(market.costDecimals, decimals));
    const remainder = rec.deposit_value - requested;
    const minimum = this.minimum(market, decimals);
    if (requested === 0n || requested < minimum) {
      throw new BelowMinimumError(
        `deposit below the exchange minimum order of ${unitsToDecimal(minimum, decimals)} ${market.quote}`,
      );
    }
    const cid = clientOrderIdFor(rec.deposit_id);
    const amount = unitsToDecimal(requested, decimals);
    const kept =
      remainder > 0n
        ? `; ${unitsToDecimal(remainder, decimals)} ${market.quote} below the exchange's precision is not spent`
        : '';
    await this.ctx.deposits.transition(
      rec,
      {
        status: 'waiting_passthrough',
        last_error: '',
        passthrough: {
          ...rec.passthrough,
          exchange_name: this.ctx.client.name,
          requested_amount: amount,
          order: { ...rec.passthrough.order, customer_id: cid },
        },
      },
      `order requested: spend ${amount} ${market.quote} on ${this.ctx.client.name} ${market.symbol}, client order id ${cid}${kept}`,
      [putLedger(newLedger(rec.deposit_id, cid, requested, remainder))],
    );
    this.log(rec).info(
      { clientOrderId: cid, amount, remainder: String(remainder) },
      'passthrough order requested',
    );
    return { kind: 'next' };
  }

  private async placed(rec: DepositRecord, order: ExchangeOrder, how: string): Promise<StepOutcome> {
    checkSameOrder(rec, order);
    await this.ctx.deposits.transition(
      rec,
      {
        status: 'waiting_passthrough_order_complete',
        last_error: '',
        passthrough: withOrder(rec.passthrough, order, false),
      },
      `order ${order.id} ${how}: ${order.status}`,
    );
    this.log(rec).info(
      { orderId: order.id, clientOrderId: order.clientOrderId, status: order.status },
      `passthrough order ${how}`,
    );
    return { kind: 'next' };
  }

  /** waiting_passthrough_order_complete: poll until the order is final, then settle it. */
  private async poll(rec: DepositRecord): Promise<StepOutcome> {
    const orderId = rec.passthrough.order.order_id;
    if (orderId === '')
      throw new PassthroughStateError(`deposit ${rec.deposit_id} has no order id to follow`);
    const order = await this.ctx.client.fetchOrder(orderId, this.ctx.symbol);
    checkSameOrder(rec, order);
    if (order.status === 'open') {
      const seen = rec.passthrough.order;
      if (seen.status !== 'open' || seen.completed_amount !== order.filled || rec.last_error !== '') {
        await this.ctx.deposits.update(
          rec,
          { last_error: '', passthrough: withOrder(rec.passthrough, order, false) },
          `order ${order.id} open: ${order.filled} bought so far`,
        );
      }
      return {
        kind: 'wait',
        ms: Math.max(this.ctx.config.sky_exchanger.c2cx.check_order_wait_ms, MIN_POLL_MS),
      };
    }
    if (decimalToUnits(order.filled, EXACT_DECIMALS, 'up') === 0n) return this.boughtNothing(rec, order);
    const market = await this.market(rec);
    const decimals = this.ctx.depositDecimals(rec.coin_type);
    const requested = decimalToUnits(rec.passthrough.requested_amount, decimals);
    const s = settle(order, market, requested, decimals, this.ctx.payoutDecimals);
    const ledger = await ledgerOf(this.ctx.store, rec, requested);
    const fmt = (v: bigint): string => unitsToDecimal(v, this.ctx.payoutDecimals);
    const unspent = s.unspent > 0n ? `, ${unitsToDecimal(s.unspent, decimals)} ${market.quote} unspent` : '';
    await this.ctx.deposits.transition(
      rec,
      {
        status: 'waiting_send',
        last_error: '',
        passthrough: {
          ...withOrder(rec.passthrough, order, true),
          sky_bought: s.bought,
          deposit_value_spent: s.spent,
        },
      },
      `order ${order.id} ${order.status}: bought ${fmt(s.bought)} ${market.base} after a fee of ${fmt(s.fee)} (${s.feeSource}), spent ${unitsToDecimal(s.spent, decimals)} ${market.quote}${unspent}`,
      [putLedger({ ...ledger, unspent: s.unspent, fee: s.fee, fee_source: s.feeSource })],
    );
    this.log(rec).info(
      {
        orderId: order.id,
        status: order.status,
        bought: String(s.bought),
        spent: String(s.spent),
        unspent: String(s.unspent),
      },
      'passthrough order complete',
    );
    return { kind: 'next' };
  }

  /** A final order that bought nothing (canceled, rejected, expired): the deposit's error. */
  private async boughtNothing(rec: DepositRecord, order: ExchangeOrder): Promise<StepOutcome> {
    const message = `order ${order.id} ${order.status} on ${this.ctx.client.name} without buying anything`;
    await this.ctx.deposits.update(
      rec,
      { error: message, last_error: message, passthrough: withOrder(rec.passthrough, order, true) },
      `error: ${message}`,
    );
    this.log(rec).error(
      { orderId: order.id, status: order.status },
      'passthrough order failed: an operator must retry or resolve it',
    );
    return { kind: 'idle' };
  }

  private async market(rec: DepositRecord): Promise<MarketInfo> {
    const market = await this.ctx.client.market(this.ctx.symbol);
    if (market.quote !== rec.coin_type) {
      throw new PassthroughStateError(
        `unsupported coin type ${rec.coin_type}: the passthrough market ${market.symbol} spends ${market.quote}`,
        'unsupported_coin',
      );
    }
    return market;
  }

  /** The market's minimum order value, and teller's btc_minimum_volume for BTC, in deposit units. */
  private minimum(market: MarketInfo, decimals: number): bigint {
    const own = decimalToUnits(market.minCost, decimals, 'up');
    if (market.quote !== 'BTC') return own;
    const teller = decimalToUnits(this.ctx.config.sky_exchanger.c2cx.btc_minimum_volume, decimals, 'up');
    return teller > own ? teller : own;
  }

  /** Retryable exchange errors wait here (backoff, or the rate-limit wait); the rest go to the exchange. */
  private async failed(rec: DepositRecord, err: unknown): Promise<StepOutcome> {
    const id = rec.deposit_id;
    if (!(err instanceof PassthroughError) || !err.retryable) {
      this.failures.delete(id);
      throw err;
    }
    const message = err instanceof InsufficientFundsError ? INSUFFICIENT_BALANCE_TEXT : err.message;
    const current = (await this.ctx.deposits.get(id)) ?? rec;
    if (current.last_error !== message) {
      await this.ctx.deposits.update(
        current,
        { last_error: message, attempts: current.attempts + 1 },
        `retryable: ${message}`,
      );
    }
    const n = (this.failures.get(id) ?? 0) + 1;
    this.failures.set(id, n);
    const c2cx = this.ctx.config.sky_exchanger.c2cx;
    const cap = Math.max(c2cx.request_failure_wait_ms, MIN_POLL_MS);
    const ms =
      err instanceof RateLimitedError
        ? Math.max(c2cx.ratelimit_wait_ms, MIN_POLL_MS)
        : backoffDelayMs(n - 1, BACKOFF_START_MS, cap);
    this.log(rec).warn({ err, code: err.code, waitMs: ms }, 'exchange request failed, will retry');
    return { kind: 'wait', ms };
  }

  private log(rec: DepositRecord) {
    return this.ctx.log.child({ depositId: rec.deposit_id, status: rec.status });
  }
}

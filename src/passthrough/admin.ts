import type { DepositRecord } from '../exchange/types';
import { emptyPassthrough } from '../exchange/types';
import { clientOrderIdFor } from './client-order-id';
import { PASSTHROUGH_STATUSES, withOrder, type PassthroughContext } from './context';
import { PassthroughStateError } from './errors';
import { ledgerOf, putLedger } from './ledger';
import type { ExchangeOrder } from './types';
import { decimalToUnits } from './units';

/**
 * The admin API's resolutions of a failed passthrough order. Both act only on a deposit whose
 * `error` is set: the state machine never steps such a deposit, so no step races them. Every
 * change is one DepositStore transition with its event (the audit trail of who did what).
 */

/** Error text of a deposit an operator settled by hand. */
export const HANDLED_PREFIX = 'handled manually: ';

async function failedDeposit(ctx: PassthroughContext, id: string): Promise<DepositRecord> {
  const rec = await ctx.deposits.get(id);
  if (!rec) throw new PassthroughStateError(`deposit ${id} not found`, 'not_found');
  if (!PASSTHROUGH_STATUSES.includes(rec.status)) {
    throw new PassthroughStateError(
      `deposit ${id} is ${rec.status}, not waiting for a passthrough order`,
      'not_retryable',
    );
  }
  if (rec.error === '')
    throw new PassthroughStateError(`deposit ${id} has no failed order to resolve`, 'not_retryable');
  return rec;
}

/** The order filled something, or may still: it must be followed, never bought again. */
const executed = (o: ExchangeOrder): boolean =>
  o.status === 'open' || decimalToUnits(o.filled, 18, 'up') > 0n;

/**
 * Retries a failed passthrough deposit. If its order exists and executed (or is still open), the
 * deposit follows that order again. If no order was ever executed (rejected, canceled or expired
 * empty, or never placed), a new client order id `<deposit id>#<attempt>` is derived, the old one
 * kept in the ledger, and the order is requested afresh. The caller then schedules the deposit
 * (Exchange.schedule). Throws PassthroughError: not_found, not_retryable, or an exchange error
 * when the exchange cannot be asked whether the old order executed.
 */
export function retryPassthrough(ctx: PassthroughContext, id: string): Promise<DepositRecord> {
  return ctx.locks.run(id, async () => {
    const rec = await failedDeposit(ctx, id);
    const { customer_id: cid, order_id: orderId } = rec.passthrough.order;
    const note = 'passthrough retry requested by admin';
    if (cid === '')
      return ctx.deposits.update(rec, { error: '', last_error: '' }, `${note}: order requested again`);
    const order =
      orderId !== ''
        ? await ctx.client.fetchOrder(orderId, ctx.symbol)
        : await ctx.client.fetchOrderByClientId(cid, ctx.symbol);
    if (order && executed(order)) {
      const passthrough = withOrder(rec.passthrough, order, false);
      return ctx.deposits.transition(
        rec,
        { status: 'waiting_passthrough_order_complete', error: '', last_error: '', passthrough },
        `${note}: following order ${order.id} (${order.status}, ${order.filled} bought)`,
      );
    }
    const decimals = ctx.depositDecimals(rec.coin_type);
    const ledger = await ledgerOf(ctx.store, rec, decimalToUnits(rec.passthrough.requested_amount, decimals));
    const attempt = ledger.attempt + 1;
    const fresh = clientOrderIdFor(id, attempt);
    const previousOrders = order ? [...ledger.previous_order_ids, order.id] : ledger.previous_order_ids;
    const updated = await ctx.deposits.transition(
      rec,
      {
        status: 'waiting_passthrough',
        error: '',
        last_error: '',
        passthrough: { ...rec.passthrough, order: { ...emptyPassthrough().order, customer_id: fresh } },
      },
      `${note}: ${order ? `order ${order.id} ${order.status}` : `no order under ${cid}`}, nothing bought; resubmitting as client order id ${fresh} (attempt ${attempt})`,
      [
        putLedger({
          ...ledger,
          attempt,
          client_order_id: fresh,
          previous_client_order_ids: [...ledger.previous_client_order_ids, cid],
          previous_order_ids: previousOrders,
          submitted_at: 0,
          submissions: 0,
        }),
      ],
    );
    ctx.log.info(
      { depositId: id, clientOrderId: fresh, previous: cid, attempt },
      'passthrough order resubmitted by admin',
    );
    return updated;
  });
}

/**
 * The operator settled a failed passthrough deposit outside the daemon (refund, manual buy and
 * send): it becomes done, keeping `handled manually: <note>` as its error so it stays visible;
 * the event records the note and the error it replaced. Throws not_found, not_retryable, or
 * note_required.
 */
export function markHandled(ctx: PassthroughContext, id: string, note: string): Promise<DepositRecord> {
  return ctx.locks.run(id, async () => {
    const text = note.trim();
    if (text === '')
      throw new PassthroughStateError(
        'a note saying how the deposit was handled is required',
        'note_required',
      );
    const rec = await failedDeposit(ctx, id);
    const decimals = ctx.depositDecimals(rec.coin_type);
    const requested =
      rec.passthrough.requested_amount === ''
        ? 0n
        : decimalToUnits(rec.passthrough.requested_amount, decimals);
    const ledger = await ledgerOf(ctx.store, rec, requested);
    const updated = await ctx.deposits.transition(
      rec,
      { status: 'done', error: `${HANDLED_PREFIX}${text}`, last_error: '' },
      `handled manually by admin: ${text} (was: ${rec.error})`,
      [putLedger({ ...ledger, handled_note: text })],
    );
    ctx.log.warn(
      { depositId: id, note: text, previousError: rec.error },
      'passthrough deposit marked as handled manually',
    );
    return updated;
  });
}

import type { ExchangeOrder, MarketInfo } from './types';
import { decimalToUnits, mulRate, rescale } from './units';

/** What a finished order bought and spent, in base units, with the fee taken off. */
export interface Settlement {
  /** Payout base units the deposit receives: filled − fee, truncated. */
  bought: bigint;
  /** Payout base units deducted as the fee (rounded up). */
  fee: bigint;
  /** 'exchange' when the order reported its fee; 'config' when the configured rate was applied. */
  feeSource: 'exchange' | 'config';
  /** Deposit base units the order spent (rounded up, at most `requested`). */
  spent: bigint;
  /** Deposit base units the order did not spend (a partial fill). */
  unspent: bigint;
}

/** Exchanges report up to 18 decimals; the subtraction is exact at this scale. */
const EXACT_DECIMALS = 18;

/**
 * Settles a finished order. Only fees charged in the coin bought reduce what the buyer gets; a fee
 * paid in another coin (BNB on Binance, or extra quote) costs the operator, not the buyer. All
 * rounding is in the operator's favour: the amount bought down, the fee and the spend up.
 */
export function settle(
  order: ExchangeOrder,
  market: MarketInfo,
  requested: bigint,
  depositDecimals: number,
  payoutDecimals: number,
): Settlement {
  const scale = Math.max(payoutDecimals, EXACT_DECIMALS);
  const filled = decimalToUnits(order.filled, scale, 'down');
  const feeExact =
    order.fees === undefined
      ? mulRate(filled, market.fee, 'up')
      : order.fees
          .filter((f) => f.currency === market.base)
          .reduce((sum, f) => sum + decimalToUnits(f.cost, scale, 'up'), 0n);
  const net = filled > feeExact ? filled - feeExact : 0n;
  const cost = decimalToUnits(order.cost, depositDecimals, 'up');
  const spent = cost < requested ? cost : requested;
  return {
    bought: rescale(net, scale, payoutDecimals, 'down'),
    fee: rescale(feeExact, scale, payoutDecimals, 'up'),
    feeSource: order.fees === undefined ? 'config' : 'exchange',
    spent,
    unspent: requested - spent,
  };
}

import { AmountError } from '../core/amounts';
import { PassthroughStateError } from './errors';
import type { ExchangeOrder, OrderStatus } from './types';
import { decimalToUnits, divRound, mulRate, unitsToDecimal } from './units';

/**
 * The simulated exchange's records and its fill arithmetic, kept apart from the class that
 * stores and serves them. Base (payout) amounts use 8 decimals; quote amounts the deposit coin's.
 */
export const SIM_MODES = ['fill', 'hold', 'partial', 'reject', 'lose', 'offline'] as const;
export type SimMode = (typeof SIM_MODES)[number];
export const isSimMode = (s: string): s is SimMode => (SIM_MODES as readonly string[]).includes(s);

export const BASE_DECIMALS = 8;
const PRICE_DECIMALS = 8;
const ONE = 10n ** BigInt(PRICE_DECIMALS);

export interface SimSettings {
  /** Base coins per quote coin (payout coins per deposit coin). */
  price: string;
  mode: SimMode;
  /** Fraction filled in `partial` mode. */
  ratio: string;
  /** Base units (8 decimals) and quote units (the quote coin's decimals). */
  base_balance: bigint;
  quote_balance: bigint;
  next_id: number;
}

/** A simulated order; amounts in base units (8 decimals) and quote units. */
export interface SimOrder {
  id: string;
  client_order_id: string;
  symbol: string;
  status: OrderStatus;
  spend: bigint;
  filled: bigint;
  cost: bigint;
  fee: bigint;
  created_at: number;
  updated_at: number;
}

export interface Fill {
  filled: bigint;
  cost: bigint;
  fee: bigint;
}

/**
 * A market buy spending at most `spend` quote units at `price`: the amount is truncated to
 * `amountDecimals`, the cost is what that amount costs (rounded up, never above `spend`), and
 * the fee is taken from the amount bought (rounded up), as exchanges charge a buyer.
 */
export function fillAt(
  spend: bigint,
  price: string,
  quoteDecimals: number,
  amountDecimals: number,
  fee: string,
): Fill {
  const p = decimalToUnits(price, PRICE_DECIMALS);
  const quoteScale = 10n ** BigInt(quoteDecimals);
  const step = 10n ** BigInt(BASE_DECIMALS - Math.min(amountDecimals, BASE_DECIMALS));
  const filled = ((spend * p) / quoteScale / step) * step;
  if (filled === 0n) return { filled: 0n, cost: 0n, fee: 0n };
  const cost = divRound(filled * quoteScale, p, 'up');
  return { filled, cost: cost < spend ? cost : spend, fee: mulRate(filled, fee, 'up') };
}

/** The order as the ExchangeClient reports it; `raw` is the simulated exchange's own JSON. */
export function orderView(o: SimOrder, base: string, quoteDecimals: number): ExchangeOrder {
  // Average price in the market's convention: quote coins per base coin, 8 decimals.
  const average =
    o.filled === 0n
      ? ''
      : unitsToDecimal(
          divRound(
            o.cost * 10n ** BigInt(BASE_DECIMALS * 2),
            o.filled * 10n ** BigInt(quoteDecimals),
            'down',
          ),
          BASE_DECIMALS,
        );
  const raw = {
    id: o.id,
    client_order_id: o.client_order_id,
    symbol: o.symbol,
    status: o.status,
    spend: unitsToDecimal(o.spend, quoteDecimals),
    filled: unitsToDecimal(o.filled, BASE_DECIMALS),
    cost: unitsToDecimal(o.cost, quoteDecimals),
    fee: unitsToDecimal(o.fee, BASE_DECIMALS),
    fee_currency: base,
    average,
    created_at: o.created_at,
    updated_at: o.updated_at,
  };
  return {
    id: o.id,
    clientOrderId: o.client_order_id,
    symbol: o.symbol,
    status: o.status,
    filled: raw.filled,
    cost: raw.cost,
    average,
    fees: [{ cost: raw.fee, currency: base }],
    timestamp: o.created_at,
    raw: JSON.stringify(raw),
  };
}

function positiveFraction(text: string, what: string): bigint {
  try {
    const units = decimalToUnits(text, PRICE_DECIMALS);
    if (units > 0n) return units;
  } catch (err) {
    if (!(err instanceof AmountError)) throw err;
  }
  throw new PassthroughStateError(`invalid ${what} ${JSON.stringify(text)}`, 'sim_invalid');
}

/** A price > 0 with at most 8 decimals (more are cut), normalised. */
export function checkPrice(price: string): string {
  return unitsToDecimal(positiveFraction(price, 'price'), PRICE_DECIMALS);
}

/** A ratio in (0, 1], normalised. */
export function checkRatio(ratio: string): string {
  const units = positiveFraction(ratio, 'ratio');
  if (units > ONE)
    throw new PassthroughStateError('ratio must be greater than 0 and at most 1', 'sim_invalid');
  return unitsToDecimal(units, PRICE_DECIMALS);
}

/** A balance: a decimal ≥ 0. */
export function checkAmount(amount: string, decimals: number): bigint {
  try {
    return decimalToUnits(amount, decimals);
  } catch (err) {
    if (err instanceof AmountError)
      throw new PassthroughStateError(`invalid amount ${JSON.stringify(amount)}`, 'sim_invalid');
    throw err;
  }
}

export const isWhole = (ratio: string): boolean => decimalToUnits(ratio, PRICE_DECIMALS) === ONE;

/**
 * The one module that owns money conversion and rounding (teller's `calculate.go` and
 * `mathutil`, spec §5.5). Amounts are bigint base units (satoshi, wei, droplet, token unit);
 * a rate is an exact decimal. All rounding truncates, in the operator's favour, as teller does.
 * big.js appears only at the rate boundary (`parseRate`); the arithmetic itself is bigint.
 */
import Big from 'big.js';

import { TellerError } from '../util/errors';

/** A rate string teller's ParseRate would refuse (`can't convert ...`, `rate must be ...`). */
export class RateError extends TellerError {
  constructor(message: string) {
    super('rate_invalid', message);
  }
}

/** An amount or a conversion argument out of range (negative value, bad decimals). */
export class AmountError extends TellerError {
  constructor(message: string) {
    super('amount_invalid', message);
  }
}

/** value = coef × 10^exp, exactly. */
interface Decimal {
  coef: bigint;
  exp: number;
}

/** Decimals printed by teller's SkyAmountToString, used for `fixed_exchange_rate`. */
export const SKY_DISPLAY_DECIMALS = 6;
/** Digits a fraction rate keeps, as Go's `big.Rat.FloatString(8)` (rounded half away from zero). */
const FRACTION_RATE_DECIMALS = 8;
/** Exponents beyond this are surely typos, and 10^n of them would be a very large bigint. */
const MAX_RATE_EXPONENT = 1000;
const INT32_MAX = 2 ** 31 - 1;

const MANTISSA = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const EXPONENT = /^[+-]?\d+$/;
const FRACTION = /^([+-]?(?:\d+\.?\d*|\.\d+))\/(\d+)$/;

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** A plain decimal (`-1.5`, `.5`, `5.`) without exponent, as an exact Decimal. */
function plainDecimal(s: string): Decimal {
  const sign = s.startsWith('-') ? -1n : 1n;
  const body = s.replace(/^[+-]/, '');
  const [int = '', frac = ''] = body.split('.');
  return { coef: sign * BigInt(`${int}${frac}` || '0'), exp: -frac.length };
}

/**
 * shopspring/decimal's NewFromString grammar and error texts, minus its accidents (`.+5`).
 * Returns the error message instead of throwing so that ParseRate can try a fraction next.
 */
function parseDecimal(input: string): Decimal | string {
  let value = input;
  let exp = 0;
  const e = value.search(/[eE]/);
  if (e !== -1) {
    const expText = value.slice(e + 1);
    if (!EXPONENT.test(expText)) return `can't convert ${value} to decimal: exponent is not numeric`;
    exp = Number(expText);
    if (Math.abs(exp) > INT32_MAX) return `can't convert ${value} to decimal: fractional part too long`;
    value = value.slice(0, e);
  }
  if (value.split('.').length > 2) return `can't convert ${value} to decimal: too many .s`;
  if (!MANTISSA.test(value)) return `can't convert ${value} to decimal`;
  const d = plainDecimal(value);
  return { coef: d.coef, exp: d.exp + exp };
}

/** `a/b` (big.Rat syntax, plus a decimal numerator), rounded to 8 places half away from zero. */
function parseFraction(s: string): Decimal | undefined {
  const m = FRACTION.exec(s);
  if (!m) return undefined;
  const [, numText = '', denText = ''] = m;
  const num = plainDecimal(numText);
  const den = BigInt(denText) * pow10(-num.exp);
  if (den === 0n) return undefined;
  const scaled = num.coef * pow10(FRACTION_RATE_DECIMALS);
  const abs = scaled < 0n ? -scaled : scaled;
  const rounded = (abs * 2n + den) / (2n * den);
  return { coef: scaled < 0n ? -rounded : rounded, exp: -FRACTION_RATE_DECIMALS };
}

/** Teller's ParseRate as an exact Decimal; throws RateError with teller's texts. */
function parseRateDecimal(s: string): Decimal {
  let d = parseDecimal(s);
  if (typeof d === 'string') {
    const fraction = parseFraction(s);
    if (!fraction) throw new RateError(d);
    d = fraction;
  }
  if (d.coef <= 0n) throw new RateError('rate must be greater than zero');
  // Normalise so that the exponent reflects the value, then bound it.
  while (d.coef % 10n === 0n) d = { coef: d.coef / 10n, exp: d.exp + 1 };
  if (Math.abs(d.exp) > MAX_RATE_EXPONENT)
    throw new RateError(`can't convert ${s} to decimal: exponent out of range`);
  return d;
}

/**
 * Teller's ParseRate: a decimal (`500`, `0.5`, `.5`, `5.`, `1e3`, `1.5e-2`) or a fraction `a/b`
 * rounded to 8 decimals (`2/3` → 0.66666667). Rejects spaces, `1,000`, `""`, hex, and values ≤ 0.
 */
export function parseRate(s: string): Big {
  const d = parseRateDecimal(s);
  return new Big(`${d.coef}e${d.exp}`);
}

/**
 * The problem with `rate` as the value of config key `key` (`<key> invalid: <teller's text>`), or
 * undefined: the config check and a rate set at run time (src/exchange/rates.ts) say the same.
 */
export function rateProblem(key: string, rate: string): string | undefined {
  try {
    parseRate(rate);
    return undefined;
  } catch (err) {
    if (err instanceof RateError) return `${key} invalid: ${err.message}`;
    throw err;
  }
}

function checkDecimals(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new AmountError(`${name} must be a non-negative integer`);
}

/** Truncates base units of a coin with `decimals` decimals to `keep` decimals (floor, v ≥ 0). */
export function truncateUnits(v: bigint, decimals: number, keep: number): bigint {
  checkDecimals('decimals', decimals);
  if (!Number.isInteger(keep) || keep < 0) throw new AmountError("maxDecimals can't be negative");
  if (keep >= decimals) return v;
  const step = pow10(decimals - keep);
  return (v / step) * step;
}

/**
 * Teller's CalculateBtcSkyValue / CalculateEthSkyValue, exact: payout coins =
 * value / 10^depositDecimals × rate, truncated to maxDecimals, in payout base units.
 */
export function depositToPayout(
  value: bigint,
  depositDecimals: number,
  rate: string,
  maxDecimals: number,
  payoutDecimals: number,
): bigint {
  if (value < 0n) throw new AmountError('deposit value must be greater than or equal to 0');
  checkDecimals('depositDecimals', depositDecimals);
  checkDecimals('payoutDecimals', payoutDecimals);
  if (!Number.isInteger(maxDecimals) || maxDecimals < 0)
    throw new AmountError("maxDecimals can't be negative");
  if (maxDecimals > payoutDecimals) {
    throw new AmountError(
      `maxDecimals ${maxDecimals} is larger than the payout coin's ${payoutDecimals} decimals`,
    );
  }
  const r = parseRateDecimal(rate);
  // payout in units of 10^-maxDecimals coins = value × coef × 10^(exp + maxDecimals - depositDecimals)
  const shift = r.exp + maxDecimals - depositDecimals;
  const product = value * r.coef;
  const steps = shift >= 0 ? product * pow10(shift) : product / pow10(-shift);
  return steps * pow10(payoutDecimals - maxDecimals);
}

/**
 * Base units as a decimal string with exactly `fixed` decimals, as Go's BtcAmountToString (8),
 * EthAmountToString (18) and SkyAmountToString (6). Digits beyond `fixed` are truncated.
 */
export function formatUnits(v: bigint, decimals: number, fixed: number = decimals): string {
  if (v < 0n) throw new AmountError('amount is negative');
  checkDecimals('decimals', decimals);
  checkDecimals('fixed', fixed);
  const whole = v / pow10(decimals);
  const frac = (v % pow10(decimals)).toString().padStart(decimals, '0');
  const shown = fixed <= decimals ? frac.slice(0, fixed) : frac.padEnd(fixed, '0');
  return fixed === 0 ? whole.toString() : `${whole}.${shown}`;
}

const UNITS_TEXT = /^(\d+)(?:\.(\d+))?$/;

/** A non-negative decimal string (`"1"`, `"0.005"`) as base units; more decimals than fit is an error. */
export function parseUnits(s: string, decimals: number): bigint {
  checkDecimals('decimals', decimals);
  const m = UNITS_TEXT.exec(s);
  if (!m) throw new AmountError(`invalid amount ${JSON.stringify(s)}`);
  const [, int = '', frac = ''] = m;
  if (frac.replace(/0+$/, '').length > decimals) {
    throw new AmountError(`amount ${s} has more than ${decimals} decimal places`);
  }
  return BigInt(int) * pow10(decimals) + BigInt(frac.padEnd(decimals, '0').slice(0, decimals) || '0');
}

/**
 * `/api/config` `fixed_exchange_rate`: payout coins for exactly one deposit coin, truncated to
 * maxDecimals, printed with 6 decimals (teller: `"1/3"`, max_decimals 2 → `"0.330000"`), or
 * with maxDecimals decimals when that is more (EVM payouts).
 */
export function rateForOneCoin(
  rate: string,
  depositDecimals: number,
  maxDecimals: number,
  payoutDecimals: number,
): string {
  checkDecimals('depositDecimals', depositDecimals);
  const payout = depositToPayout(pow10(depositDecimals), depositDecimals, rate, maxDecimals, payoutDecimals);
  return formatUnits(payout, payoutDecimals, Math.max(SKY_DISPLAY_DECIMALS, maxDecimals));
}

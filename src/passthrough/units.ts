/**
 * Decimal strings from exchanges ↔ bigint base units, with the rounding direction explicit.
 * Exchanges report amounts with more or fewer decimals than our coins have (Binance pads to 8,
 * ccxt may print `1e-8`), so unlike amounts.ts's parseUnits these never refuse extra digits:
 * the caller says which way they round. Everything is exact bigint arithmetic.
 */
import { AmountError, formatUnits } from '../core/amounts';

export type Rounding = 'down' | 'up';

const DECIMAL = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const MAX_EXPONENT = 400;
/** Finest tick size understood (ccxt markets go to 1e-18 at most). */
const MAX_STEP_DECIMALS = 30;
/** Decimals a fee rate is read with. */
const RATE_DECIMALS = 18;

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** a / b for a, b ≥ 0, rounded as asked. */
export function divRound(a: bigint, b: bigint, rounding: Rounding): bigint {
  if (b <= 0n) throw new AmountError('division by zero');
  const q = a / b;
  return rounding === 'up' && q * b !== a ? q + 1n : q;
}

/** `"0.01"`, `"12"`, `".5"`, `"1e-8"` as units of 10^-decimals (v ≥ 0), rounded as asked. */
export function decimalToUnits(s: string, decimals: number, rounding: Rounding = 'down'): bigint {
  const m = DECIMAL.exec(s.trim());
  const [, int = '', frac = '', expText = '0'] = m ?? [];
  if (!m || (int === '' && frac === '')) throw new AmountError(`invalid decimal ${JSON.stringify(s)}`);
  const exp = Number(expText);
  if (Math.abs(exp) > MAX_EXPONENT) throw new AmountError(`decimal ${JSON.stringify(s)} is out of range`);
  const coef = BigInt(`${int}${frac}` || '0');
  // value = coef × 10^(exp − frac.length); in units: × 10^decimals.
  const shift = exp - frac.length + decimals;
  return shift >= 0 ? coef * pow10(shift) : divRound(coef, pow10(-shift), rounding);
}

/** Units as the shortest decimal string: 1000000n, 8 → `"0.01"`; 0n → `"0"`. */
export function unitsToDecimal(v: bigint, decimals: number): string {
  const text = formatUnits(v, decimals);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** Decimals of a tick size: `0.0001` → 4, `1` → 0, `1e-8` → 8 (a tick like 0.5 counts as 1). */
export function stepDecimals(step: string): number {
  const units = decimalToUnits(step, MAX_STEP_DECIMALS);
  if (units === 0n) throw new AmountError(`invalid tick size ${JSON.stringify(step)}`);
  let decimals = MAX_STEP_DECIMALS;
  let v = units;
  while (decimals > 0 && v % 10n === 0n) {
    v /= 10n;
    decimals--;
  }
  return decimals;
}

/** `v × rate` for a decimal fraction `rate` (a fee), rounded as asked. */
export function mulRate(v: bigint, rate: string, rounding: Rounding): bigint {
  const scaled = decimalToUnits(rate, RATE_DECIMALS, 'up');
  return divRound(v * scaled, pow10(RATE_DECIMALS), rounding);
}

/** Changes the scale of `v` from `from` to `to` decimals, rounded as asked. */
export function rescale(v: bigint, from: number, to: number, rounding: Rounding): bigint {
  return to >= from ? v * pow10(to - from) : divRound(v, pow10(from - to), rounding);
}

/**
 * Exact decimal arithmetic on strings for display (rates, amounts): value = int / 10^scale.
 * Amounts never pass through JS numbers.
 */

export interface Dec {
  int: bigint;
  scale: number;
}

const DEC_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Parses `500`, `500.000000`, `0.005`, `5e2`, `.5`; null if not a decimal. */
export function parseDec(s: string): Dec | null {
  const m = DEC_RE.exec(s.trim());
  if (m === null) return null;
  const [, sign, whole, frac = '', exp = '0'] = m;
  if (whole === '' && frac === '') return null;
  let digits = `${whole}${frac}`.replace(/^0+(?=\d)/, '');
  let scale = frac.length - Number(exp);
  if (!Number.isSafeInteger(scale) || Math.abs(scale) > 100) return null;
  if (scale < 0) {
    digits += '0'.repeat(-scale);
    scale = 0;
  }
  const int = BigInt(digits === '' ? '0' : digits);
  return { int: sign === '-' ? -int : int, scale };
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

function rescale(d: Dec, scale: number): bigint {
  return scale >= d.scale ? d.int * pow10(scale - d.scale) : d.int / pow10(d.scale - scale);
}

export const mul = (a: Dec, b: Dec): Dec => ({ int: a.int * b.int, scale: a.scale + b.scale });

/** a / b truncated to `scale` decimals; null when b is zero. */
export function div(a: Dec, b: Dec, scale: number): Dec | null {
  if (b.int === 0n) return null;
  // a.int/10^a.s ÷ b.int/10^b.s = (a.int · 10^(scale + b.s - a.s)) / b.int / 10^scale
  const shift = scale + b.scale - a.scale;
  const num = shift >= 0 ? a.int * pow10(shift) : a.int / pow10(-shift);
  return { int: num / b.int, scale };
}

/** Truncates (towards zero) to at most `decimals` places, as teller rounds payouts. */
export const truncate = (d: Dec, decimals: number): Dec =>
  d.scale <= decimals ? d : { int: rescale(d, decimals), scale: decimals };

export const isZero = (d: Dec): boolean => d.int === 0n;

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareDec(a: Dec, b: Dec): number {
  const scale = Math.max(a.scale, b.scale);
  const x = a.int * 10n ** BigInt(scale - a.scale);
  const y = b.int * 10n ** BigInt(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface DecFormat {
  group: string;
  point: string;
}

export const PLAIN: DecFormat = { group: '', point: '.' };

/** Plain decimal text without trailing fractional zeros; grouped thousands when `fmt.group` is set. */
export function formatDec(d: Dec, fmt: DecFormat = PLAIN): string {
  const neg = d.int < 0n;
  let digits = (neg ? -d.int : d.int).toString().padStart(d.scale + 1, '0');
  let frac = d.scale > 0 ? digits.slice(digits.length - d.scale) : '';
  digits = d.scale > 0 ? digits.slice(0, digits.length - d.scale) : digits;
  frac = frac.replace(/0+$/, '');
  const whole = fmt.group === '' ? digits : digits.replace(/\B(?=(\d{3})+(?!\d))/g, fmt.group);
  return `${neg ? '-' : ''}${whole}${frac === '' ? '' : fmt.point + frac}`;
}

/**
 * 1/rate for display: up to 8 decimals, or as many as needed (up to 18) to show a non-zero
 * value. `1 SKY = 0.002 BTC` for a rate of 500.
 */
export function inverse(rate: Dec): Dec | null {
  const one: Dec = { int: 1n, scale: 0 };
  const fine = div(one, rate, 18);
  if (fine === null) return null;
  const short = truncate(fine, 8);
  return isZero(short) ? fine : short;
}

/** Formats a decimal string, or returns it unchanged if it does not parse. */
export function formatDecString(s: string, fmt: DecFormat = PLAIN): string {
  const d = parseDec(s);
  return d === null ? s : formatDec(d, fmt);
}

/** An integer count of base units (satoshi, droplets…) as coins. */
export const fromBaseUnits = (units: bigint, decimals: number): Dec => ({ int: units, scale: decimals });

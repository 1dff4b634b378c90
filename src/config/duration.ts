/**
 * Go `time.Duration` strings, exactly as Go parses and prints them: the config keeps teller's
 * duration syntax (`scan_period = "20s"`), and `/api/health` `uptime` and the
 * `X-Rate-Limit-Duration` header must print what Go's `Duration.String()` prints. Internally
 * everything is integer nanoseconds (bigint), like Go's int64.
 */

const NS_PER_MS = 1_000_000;
const MAX_NS = (1n << 63n) - 1n;
/** Go refuses magnitudes above 1<<63 before applying the sign. */
const MAX_MAGNITUDE = 1n << 63n;

/** Go's unitMap: `µs` is U+00B5 (micro sign), `μs` U+03BC (Greek mu); both are accepted. */
const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n],
  ['\u03bcs', 1_000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

/** Go's time.quote: ASCII printable kept (with `"` and `\` escaped), other bytes as `\xNN`. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x80 || cp < 0x20) {
      for (const byte of Buffer.from(ch, 'utf8')) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    } else {
      out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
    }
  }
  return `${out}"`;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Parses a Go duration (`"1h2m3.5s"`, `"-300ms"`, `"0"`) into nanoseconds, with Go's errors. */
export function parseGoDurationNs(input: string): bigint {
  const invalid = (): Error => new Error(`time: invalid duration ${goQuote(input)}`);
  let s = input;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    let i = 0;
    while (isDigit(s[i])) i++;
    const intDigits = s.slice(0, i);
    let fracDigits = '';
    s = s.slice(i);
    let hasFrac = false;
    if (s.startsWith('.')) {
      let j = 1;
      while (isDigit(s[j])) j++;
      fracDigits = s.slice(1, j);
      hasFrac = j > 1;
      s = s.slice(j);
    }
    if (intDigits === '' && !hasFrac) throw invalid();
    let u = 0;
    while (u < s.length && s[u] !== '.' && !isDigit(s[u])) u++;
    if (u === 0) throw new Error(`time: missing unit in duration ${goQuote(input)}`);
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = UNITS.get(unitName);
    if (unit === undefined) {
      throw new Error(`time: unknown unit ${goQuote(unitName)} in duration ${goQuote(input)}`);
    }
    const whole = intDigits === '' ? 0n : BigInt(intDigits);
    if (whole > MAX_MAGNITUDE / unit) throw invalid();
    let v = whole * unit;
    if (fracDigits !== '') v += fractionNs(fracDigits, unit);
    if (v > MAX_MAGNITUDE) throw invalid();
    total += v;
    if (total > MAX_MAGNITUDE) throw invalid();
  }
  if (neg) return -total;
  if (total > MAX_NS) throw invalid();
  return total;
}

/**
 * Go adds `uint64(float64(f) * (float64(unit) / scale))`, where `f` holds the fraction digits
 * that fit in an int64 (later digits are dropped). Reproduced with the same float steps so that
 * results match Go to the nanosecond.
 */
function fractionNs(digits: string, unit: bigint): bigint {
  let f = 0n;
  let scale = 1;
  for (const d of digits) {
    const next = f * 10n + BigInt(d);
    if (next > MAX_NS) break;
    f = next;
    scale *= 10;
  }
  if (f === 0n) return 0n;
  return BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
}

/** Parses a Go duration into milliseconds (fractional for sub-millisecond parts). */
export function parseGoDuration(s: string): number {
  return Number(parseGoDurationNs(s)) / NS_PER_MS;
}

/** Go's fmtFrac: `.ddd` of v / 10^prec with trailing zeros (and a bare point) removed. */
function fmtFrac(v: bigint, prec: number): { frac: string; rest: bigint } {
  const scale = 10n ** BigInt(prec);
  const digits = (v % scale).toString().padStart(prec, '0').replace(/0+$/, '');
  return { frac: digits === '' ? '' : `.${digits}`, rest: v / scale };
}

/** Go's `time.Duration.String()` for a nanosecond count, e.g. `1m0s`, `1.5s`, `999.999ms`, `1µs`. */
export function formatGoDurationNs(ns: bigint): string {
  const neg = ns < 0n;
  const u = neg ? -ns : ns;
  let out: string;
  if (u === 0n) return '0s';
  if (u < 1_000_000_000n) {
    const [prec, unit] = u < 1_000n ? [0, 'ns'] : u < 1_000_000n ? [3, '\u00b5s'] : [6, 'ms'];
    const { frac, rest } = fmtFrac(u, prec);
    out = `${rest}${frac}${unit}`;
  } else {
    const { frac, rest: secs } = fmtFrac(u, 9);
    out = `${secs % 60n}${frac}s`;
    const mins = secs / 60n;
    if (mins > 0n) {
      out = `${mins % 60n}m${out}`;
      const hours = mins / 60n;
      if (hours > 0n) out = `${hours}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** Go's `time.Duration.String()` for a duration in milliseconds (rounded to the nanosecond). */
export function formatGoDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`not a finite duration: ${ms}`);
  return formatGoDurationNs(BigInt(Math.round(ms * NS_PER_MS)));
}

import fc from 'fast-check';

import {
  formatGoDuration,
  formatGoDurationNs,
  parseGoDuration,
  parseGoDurationNs,
} from '../../../src/config/duration';

const S = 1_000_000_000n;
const MIN = 60n * S;
const H = 60n * MIN;
const MAX = (1n << 63n) - 1n;

// Go's own time.ParseDuration test table (time_test.go), plus teller's config values.
const valid: [string, bigint][] = [
  ['0', 0n],
  ['-0', 0n],
  ['+0', 0n],
  ['5s', 5n * S],
  ['30s', 30n * S],
  ['1478s', 1478n * S],
  ['-5s', -5n * S],
  ['+5s', 5n * S],
  ['5.0s', 5n * S],
  ['5.6s', 5600_000_000n],
  ['5.s', 5n * S],
  ['.5s', 500_000_000n],
  ['1.004s', 1_004_000_000n],
  ['1.0040s', 1_004_000_000n],
  ['100.00100s', 100_001_000_000n],
  ['10ns', 10n],
  ['11us', 11_000n],
  ['12\u00b5s', 12_000n],
  ['12\u03bcs', 12_000n],
  ['2us', 2_000n],
  ['13ms', 13_000_000n],
  ['300ms', 300_000_000n],
  ['15m', 15n * MIN],
  ['16h', 16n * H],
  ['1.5h', 90n * MIN],
  ['3h30m', 3n * H + 30n * MIN],
  ['1m30s', 90n * S],
  ['10.5s4m', 4n * MIN + 10_500_000_000n],
  ['-2m3.4s', -(2n * MIN + 3_400_000_000n)],
  ['1h2m3s4ms5us6ns', H + 2n * MIN + 3n * S + 4_000_000n + 5_000n + 6n],
  ['39h9m14.425s', 39n * H + 9n * MIN + 14_425_000_000n],
  ['52763797000ns', 52763797000n],
  ['0.3333333333333333333h', 20n * MIN],
  ['9007199254740993ns', 9007199254740993n],
  ['9223372036854775807ns', MAX],
  ['9223372036854775.807us', MAX],
  ['9223372036s854ms775us807ns', MAX],
  ['-9223372036854775808ns', -MAX - 1n],
  ['-2562047h47m16.854775808s', -MAX - 1n],
  ['0.100000000000000000000h', 6n * MIN],
  ['0.830103483285477580700h', 49n * MIN + 48n * S + 372539827n],
];

const invalid: [string, string][] = [
  ['', 'time: invalid duration ""'],
  ['3', 'time: missing unit in duration "3"'],
  ['20', 'time: missing unit in duration "20"'],
  ['-', 'time: invalid duration "-"'],
  ['s', 'time: invalid duration "s"'],
  ['.', 'time: invalid duration "."'],
  ['-.', 'time: invalid duration "-."'],
  ['.s', 'time: invalid duration ".s"'],
  ['+.s', 'time: invalid duration "+.s"'],
  [' 5s', 'time: invalid duration " 5s"'],
  ['5 s', 'time: unknown unit " s" in duration "5 s"'],
  ['1d', 'time: unknown unit "d" in duration "1d"'],
  ['1S', 'time: unknown unit "S" in duration "1S"'],
  ['\ufffd', 'time: invalid duration "\\xef\\xbf\\xbd"'],
  ['"5s', 'time: invalid duration "\\"5s"'],
  ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
  ['9223372036854775.808us', 'time: invalid duration "9223372036854775.808us"'],
  ['9223372036854ms775us808ns', 'time: invalid duration "9223372036854ms775us808ns"'],
  ['-9223372036854775809ns', 'time: invalid duration "-9223372036854775809ns"'],
  ['3000000h', 'time: invalid duration "3000000h"'],
];

// Go's Duration.String() table, plus the spec's examples (teller-http §1.4).
const formats: [bigint, string][] = [
  [0n, '0s'],
  [1n, '1ns'],
  [1100n, '1.1\u00b5s'],
  [1000n, '1\u00b5s'],
  [2200_000n, '2.2ms'],
  [999_999_000n, '999.999ms'],
  [3300_000_000n, '3.3s'],
  [1500_000_000n, '1.5s'],
  [29634225147n, '29.634225147s'],
  [4n * MIN + 5n * S, '4m5s'],
  [4n * MIN + 5001_000_000n, '4m5.001s'],
  [MIN, '1m0s'],
  [5n * MIN + 32n * S + 1n, '5m32.000000001s'],
  [H, '1h0m0s'],
  [72n * H + 3n * MIN + 500_000_000n, '72h3m0.5s'],
  [5n * H + 6n * MIN + 7001_000_000n, '5h6m7.001s'],
  [8n * MIN + 1n, '8m0.000000001s'],
  [MAX, '2562047h47m16.854775807s'],
  [-MAX - 1n, '-2562047h47m16.854775808s'],
  [-1500_000_000n, '-1.5s'],
];

describe('parseGoDurationNs', () => {
  it.each(valid)('%j → %d ns', (s, ns) => {
    expect(parseGoDurationNs(s)).toBe(ns);
  });

  it.each(invalid)('%j is refused: %s', (s, message) => {
    expect(() => parseGoDurationNs(s)).toThrow(new Error(message));
  });
});

describe('parseGoDuration (ms)', () => {
  it.each([
    ['20s', 20_000],
    ['1m', 60_000],
    ['300ms', 300],
    ['2us', 0.002],
    ['10ns', 0.00001],
    ['0', 0],
    ['-1.5s', -1500],
  ])('%j → %d ms', (s, ms) => {
    expect(parseGoDuration(s)).toBeCloseTo(ms, 12);
  });
});

describe('formatGoDurationNs', () => {
  it.each(formats)('%d ns → %j', (ns, s) => {
    expect(formatGoDurationNs(ns)).toBe(s);
  });

  it('round-trips through parseGoDurationNs', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -MAX - 1n, max: MAX }), (ns) => {
        expect(parseGoDurationNs(formatGoDurationNs(ns))).toBe(ns);
      }),
    );
  });
});

describe('formatGoDuration (ms)', () => {
  it.each([
    [0, '0s'],
    [1500, '1.5s'],
    [60_000, '1m0s'],
    [3_600_000, '1h0m0s'],
    [999.999, '999.999ms'],
    [0.001, '1\u00b5s'],
    [29634.225147, '29.634225147s'],
    [0.000001, '1ns'],
  ])('%d ms → %j', (ms, s) => {
    expect(formatGoDuration(ms)).toBe(s);
  });

  it('refuses NaN and infinities', () => {
    expect(() => formatGoDuration(Number.NaN)).toThrow(RangeError);
    expect(() => formatGoDuration(Infinity)).toThrow(RangeError);
  });
});

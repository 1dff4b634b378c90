import {
  decimalToUnits,
  mulRate,
  rescale,
  stepDecimals,
  unitsToDecimal,
} from '../../../src/passthrough/units';

describe('decimalToUnits', () => {
  const valid: [string, number, 'down' | 'up', bigint][] = [
    ['0.01', 8, 'down', 1_000_000n],
    ['0.01000000', 8, 'down', 1_000_000n],
    ['12', 6, 'down', 12_000_000n],
    ['.5', 2, 'down', 50n],
    ['5.', 2, 'down', 500n],
    ['1e-8', 8, 'down', 1n],
    ['1.5E-7', 8, 'down', 15n],
    ['2e3', 0, 'down', 2000n],
    ['0.123456789', 8, 'down', 12_345_678n],
    ['0.123456789', 8, 'up', 12_345_679n],
    ['0.12345678', 8, 'up', 12_345_678n],
    ['0.00000000', 8, 'up', 0n],
    ['0.3328668', 6, 'down', 332_866n],
  ];
  test.each(valid)('%s with %i decimals, %s → %s', (s, d, r, want) => {
    expect(decimalToUnits(s, d, r)).toBe(want);
  });
  test.each(['', '-1', 'abc', '1,5', '0x10', '.', 'e5', '1e999'])('refuses %j', (s) => {
    expect(() => decimalToUnits(s, 8)).toThrow();
  });
});

test.each([
  [1_000_000n, 8, '0.01'],
  [0n, 8, '0'],
  [123n, 0, '123'],
  [6_163_830n, 6, '6.16383'],
  [100_000_000n, 8, '1'],
])('unitsToDecimal(%s, %i) = %s', (v, d, want) => {
  expect(unitsToDecimal(v, d)).toBe(want);
});

test.each([
  ['0.0001', 4],
  ['0.00001000', 5],
  ['1', 0],
  ['10', 0],
  ['1e-8', 8],
  ['0.5', 1],
])('stepDecimals(%s) = %i', (step, want) => {
  expect(stepDecimals(step)).toBe(want);
});

test('stepDecimals refuses a zero tick', () => {
  expect(() => stepDecimals('0')).toThrow('invalid tick size');
});

test.each([
  [5_000_000n, '0.001', 'up', 5_000n],
  [6_170_000n, '0.001', 'up', 6_170n],
  [1n, '0.001', 'up', 1n],
  [1n, '0.001', 'down', 0n],
  [999n, '0.5', 'down', 499n],
] as const)('mulRate(%s, %s, %s) = %s', (v, rate, r, want) => {
  expect(mulRate(v, rate, r)).toBe(want);
});

test.each([
  [123_456_789n, 18, 6, 'down', 0n],
  [1_500_000_000_000n, 18, 6, 'down', 1n],
  [1_500_000_000_000n, 18, 6, 'up', 2n],
  [5n, 6, 8, 'down', 500n],
] as const)('rescale(%s, %i → %i, %s) = %s', (v, from, to, r, want) => {
  expect(rescale(v, from, to, r)).toBe(want);
});

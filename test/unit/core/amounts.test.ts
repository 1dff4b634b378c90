import Big from 'big.js';
import fc from 'fast-check';

import {
  AmountError,
  depositToPayout,
  formatUnits,
  parseRate,
  parseUnits,
  RateError,
  rateForOneCoin,
  truncateUnits,
} from '../../../src/core/amounts';

const BTC = 8;
const ETH = 18;
const SKY = 6;
const WEI_PER_GWEI = 10n ** 9n;

describe('parseRate', () => {
  const valid: [string, string][] = [
    ['500', '500'],
    ['0.5', '0.5'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['+5', '5'],
    ['1e3', '1000'],
    ['1E3', '1000'],
    ['1e+3', '1000'],
    ['1.5e-2', '0.015'],
    ['0.0001', '0.0001'],
    ['500.000', '500'],
    ['1/2', '0.5'],
    ['1/3', '0.33333333'],
    ['2/3', '0.66666667'],
    ['1/10', '0.1'],
    ['1/200000000', '0.00000001'],
    ['1/150000000', '0.00000001'],
    ['1.5/3', '0.5'],
    ['10/4', '2.5'],
  ];
  // teller's calculate_test.go / mathutil_test.go texts
  const invalid: [string, string][] = [
    ['', "can't convert  to decimal"],
    ['bad', "can't convert bad to decimal"],
    ['12k', "can't convert 12k to decimal"],
    ['1b', "can't convert 1b to decimal"],
    ['0.1b', "can't convert 0.1b to decimal"],
    ['invalidrate', "can't convert invalidrate to decimal: exponent is not numeric"],
    ['1e', "can't convert 1e to decimal: exponent is not numeric"],
    ['1.2.3', "can't convert 1.2.3 to decimal: too many .s"],
    [' 500', "can't convert  500 to decimal"],
    ['500 ', "can't convert 500  to decimal"],
    ['1,000', "can't convert 1,000 to decimal"],
    ['1_000', "can't convert 1_000 to decimal"],
    ['0x10', "can't convert 0x10 to decimal"],
    ['.', "can't convert . to decimal"],
    ['-', "can't convert - to decimal"],
    ['1/0', "can't convert 1/0 to decimal"],
    ['3/0', "can't convert 3/0 to decimal"],
    ['1/-3', "can't convert 1/-3 to decimal"],
    ['1/3.5', "can't convert 1/3.5 to decimal"],
    ['1/', "can't convert 1/ to decimal"],
    ['0', 'rate must be greater than zero'],
    ['0.000', 'rate must be greater than zero'],
    ['-1', 'rate must be greater than zero'],
    ['-1/3', 'rate must be greater than zero'],
    ['1/300000001', 'rate must be greater than zero'],
    ['1e99999999999', "can't convert 1e99999999999 to decimal: fractional part too long"],
    ['1e2000', "can't convert 1e2000 to decimal: exponent out of range"],
  ];

  it.each(valid)('%j → %s', (s, value) => {
    const rate = parseRate(s);
    expect(rate).toBeInstanceOf(Big);
    expect(rate.toFixed()).toBe(value);
  });

  it.each(invalid)('%j is refused: %s', (s, message) => {
    expect(() => parseRate(s)).toThrow(new RateError(message));
  });

  it('raises RateError with code rate_invalid', () => {
    expect(() => parseRate('x')).toThrow(
      expect.objectContaining({ code: 'rate_invalid', name: 'RateError' }),
    );
  });
});

describe('depositToPayout', () => {
  // teller's TestCalculateSkyValue: [satoshis, rate, maxDecimals, droplets]
  const btcSky: [bigint, string, number, bigint][] = [
    [0n, '1', 0, 0n],
    [100_000_000n, '1', 0, 1_000_000n],
    [100_000_000n, '500', 0, 500_000_000n],
    [100_000_000n, '500', 3, 500_000_000n],
    [1n, '500', 3, 0n],
    [10_000_000_000n, '500', 0, 50_000_000_000n],
    [200_000n, '500', 0, 1_000_000n],
    [100_000_000n, '1/2', 0, 0n],
    [1_234_500_000_000n, '1/2', 0, 6_172_000_000n],
    [100_000_000n, '0.0001', 0, 0n],
    [12_345_678n, '512', 0, 63_000_000n],
    [123_456_789n, '10000', 0, 12_345_000_000n],
    [8_765_432_190_000n, '2/3', 0, 58_436_000_000n],
    [100_000_000n, '1/2', 1, 500_000n],
    [1_234_500_000_000n, '1/2', 1, 6_172_500_000n],
    [12_345_678n, '512', 1, 63_200_000n],
    [123_456_789n, '10000', 1, 12_345_600_000n],
    [8_765_432_190_000n, '2/3', 1, 58_436_200_000n],
    [123_456_789n, '10000', 2, 12_345_670_000n],
    [8_765_432_190_000n, '2/3', 2, 58_436_210_000n],
    [12_345_678n, '512', 3, 63_209_000n],
    [123_456_789n, '10000', 3, 12_345_678_000n],
    [8_765_432_190_000n, '2/3', 3, 58_436_214_000n],
    [100_000_000n, '0.0001', 4, 100n],
  ];

  it.each(btcSky)('BTC→SKY: %d sat at %s, max %d → %d droplets', (sat, rate, max, droplets) => {
    expect(depositToPayout(sat, BTC, rate, max, SKY)).toBe(droplets);
  });

  // teller's TestCalculateEthSkyValue: [wei, rate, maxDecimals, droplets]
  const ethSky: [bigint, string, number, bigint][] = [
    [0n, '1', 0, 0n],
    [1000n, '0.001', 0, 0n],
    [10n ** 18n, '1', 0, 1_000_000n],
    [10n ** 18n, '500', 0, 500_000_000n],
    [100n * 10n ** 18n, '500', 0, 50_000_000_000n],
    [2n * 10n ** 15n, '500', 0, 1_000_000n],
    [10n ** 18n, '1/2', 0, 0n],
    [11345n * 10n ** 13n, '100', 0, 11_000_000n],
    [2245236n * 10n ** 14n, '200', 0, 44_904_000_000n],
    [2245236n * 10n ** 14n, '1568', 0, 352_053_000_000n],
    [2245236n * 10n ** 14n, '0.15', 0, 33_000_000n],
    [2245236n * 10n ** 14n, '2/3', 0, 149_000_000n],
    [1_234_567_891n * WEI_PER_GWEI, '100', 3, 123_456_000n],
    [1n, '100', 3, 0n],
  ];

  it.each(ethSky)('ETH→SKY: %d wei at %s, max %d → %d droplets', (wei, rate, max, droplets) => {
    expect(depositToPayout(wei, ETH, rate, max, SKY)).toBe(droplets);
  });

  it('pays ETH in wei, truncated to max_decimals', () => {
    // 0.12345678 BTC at 15.5 ETH/BTC = 1.91358009 ETH; max 6 → 1.913580 ETH
    expect(depositToPayout(12_345_678n, BTC, '15.5', 6, ETH)).toBe(1_913_580n * 10n ** 12n);
    expect(depositToPayout(12_345_678n, BTC, '15.5', 18, ETH)).toBe(1_913_580_090n * 10n ** 9n);
  });

  it.each([
    [-1n, '1', 0, SKY, AmountError, 'deposit value must be greater than or equal to 0'],
    [1n, '1', -1, SKY, AmountError, "maxDecimals can't be negative"],
    [1n, '1', 7, SKY, AmountError, "maxDecimals 7 is larger than the payout coin's 6 decimals"],
    [1n, '-1', 0, SKY, RateError, 'rate must be greater than zero'],
    [1n, '0', 0, SKY, RateError, 'rate must be greater than zero'],
    [1n, 'invalidrate', 0, SKY, RateError, "can't convert invalidrate to decimal: exponent is not numeric"],
    [1n, '12k', 0, SKY, RateError, "can't convert 12k to decimal"],
    [1n, '', 0, SKY, RateError, "can't convert  to decimal"],
  ])(
    'value %d rate %j max %d payout decimals %d: %p %s',
    (value, rate, max, payoutDecimals, cls, message) => {
      const call = (): bigint => depositToPayout(value, BTC, rate, max, payoutDecimals);
      expect(call).toThrow(cls);
      expect(call).toThrow(new Error(message));
    },
  );

  const rateArb = fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 10 ** 7 }), fc.integer({ min: 0, max: 8 })).map(([n, d]) => {
      const s = n.toString().padStart(d + 1, '0');
      return d === 0 ? s : `${s.slice(0, -d)}.${s.slice(-d)}`;
    }),
    fc
      .tuple(fc.integer({ min: 1, max: 10 ** 6 }), fc.integer({ min: 1, max: 10 ** 6 }))
      .map(([a, b]) => `${a}/${b}`),
  );
  const caseArb = fc.record({
    value: fc.bigInt({ min: 0n, max: 10n ** 24n }),
    rate: rateArb.filter((r) => parseRate(r).gt(0)),
    depositDecimals: fc.constantFrom(0, 6, 8, 18),
    payoutDecimals: fc.constantFrom(0, 6, 8, 18),
    maxFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  });

  it('never pays more than value × rate, and pays it within one step of max_decimals', () => {
    fc.assert(
      fc.property(caseArb, ({ value, rate, depositDecimals, payoutDecimals, maxFraction }) => {
        const max = Math.floor(maxFraction * payoutDecimals);
        const paid = depositToPayout(value, depositDecimals, rate, max, payoutDecimals);
        const exact = new Big(value.toString())
          .div(new Big(10).pow(depositDecimals))
          .times(parseRate(rate))
          .times(new Big(10).pow(payoutDecimals));
        const paidBig = new Big(paid.toString());
        expect(paidBig.lte(exact)).toBe(true);
        expect(exact.minus(paidBig).lt(new Big(10).pow(payoutDecimals - max))).toBe(true);
      }),
    );
  });

  it('is monotone non-decreasing in the deposit', () => {
    fc.assert(
      fc.property(caseArb, fc.bigInt({ min: 0n, max: 10n ** 12n }), (c, extra) => {
        const max = Math.floor(c.maxFraction * c.payoutDecimals);
        const a = depositToPayout(c.value, c.depositDecimals, c.rate, max, c.payoutDecimals);
        const b = depositToPayout(c.value + extra, c.depositDecimals, c.rate, max, c.payoutDecimals);
        expect(b >= a).toBe(true);
      }),
    );
  });

  it('returns a multiple of 10^(payoutDecimals - maxDecimals)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const max = Math.floor(c.maxFraction * c.payoutDecimals);
        const paid = depositToPayout(c.value, c.depositDecimals, c.rate, max, c.payoutDecimals);
        expect(paid % 10n ** BigInt(c.payoutDecimals - max)).toBe(0n);
      }),
    );
  });
});

describe('truncateUnits', () => {
  it.each([
    [63_209_999n, 6, 3, 63_209_000n],
    [63_209_999n, 6, 0, 63_000_000n],
    [63_209_999n, 6, 6, 63_209_999n],
    [63_209_999n, 6, 9, 63_209_999n],
    [0n, 18, 3, 0n],
  ])('%d with %d decimals kept to %d → %d', (v, decimals, keep, out) => {
    expect(truncateUnits(v, decimals, keep)).toBe(out);
  });

  it('refuses negative decimals', () => {
    expect(() => truncateUnits(1n, 6, -1)).toThrow(AmountError);
    expect(() => truncateUnits(1n, -6, 1)).toThrow(AmountError);
  });
});

describe('formatUnits', () => {
  it.each([
    [100_250_000n, BTC, undefined, '1.00250000'],
    [0n, BTC, undefined, '0.00000000'],
    [1n, BTC, undefined, '0.00000001'],
    [1_234_567_891n * WEI_PER_GWEI, ETH, undefined, '1.234567891000000000'],
    [1_234_567_891n, ETH, undefined, '0.000000001234567891'],
    [100_000_000n, SKY, undefined, '100.000000'],
    [330_000n, SKY, undefined, '0.330000'],
    [123_456_789n, SKY, 3, '123.456'],
    [123_456_789n, SKY, 0, '123'],
    [5n, 0, undefined, '5'],
    [5n, 0, 2, '5.00'],
    [1n, 2, 4, '0.0100'],
  ])('%d with %d decimals, fixed %s → %j', (v, decimals, fixed, out) => {
    expect(formatUnits(v, decimals, fixed)).toBe(out);
  });

  it('refuses negative amounts', () => {
    expect(() => formatUnits(-1n, SKY)).toThrow(new AmountError('amount is negative'));
  });

  it('round-trips with parseUnits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.constantFrom(0, 6, 8, 18), (v, d) => {
        expect(parseUnits(formatUnits(v, d), d)).toBe(v);
      }),
    );
  });
});

describe('parseUnits', () => {
  it.each([
    ['1', BTC, 100_000_000n],
    ['0.005', BTC, 500_000n],
    ['1.5', SKY, 1_500_000n],
    ['0.000001', SKY, 1n],
    ['1.2500000', SKY, 1_250_000n],
    ['00012', 0, 12n],
    ['7.000', 0, 7n],
    ['1.234567891', ETH, 1_234_567_891_000_000_000n],
  ])('%j with %d decimals → %d', (s, decimals, v) => {
    expect(parseUnits(s, decimals)).toBe(v);
  });

  it.each([
    ['', BTC],
    ['-1', BTC],
    ['+1', BTC],
    ['.5', BTC],
    ['5.', BTC],
    ['1e3', BTC],
    [' 1', BTC],
    ['1,5', BTC],
    ['0x10', BTC],
    ['0.0000001', SKY],
    ['1.5', 0],
  ])('%j with %d decimals is refused', (s, decimals) => {
    expect(() => parseUnits(s, decimals)).toThrow(AmountError);
  });
});

describe('rateForOneCoin', () => {
  it.each([
    ['500', BTC, 3, SKY, '500.000000'],
    ['100', ETH, 3, SKY, '100.000000'],
    ['1/3', BTC, 2, SKY, '0.330000'],
    ['1/3', BTC, 3, SKY, '0.333000'],
    ['2/3', BTC, 0, SKY, '0.000000'],
    ['512.98765', BTC, 3, SKY, '512.987000'],
    ['0.0123456789', BTC, 8, ETH, '0.01234567'],
    ['15', BTC, 3, ETH, '15.000000'],
  ])('%j (deposit %d dp, max %d, payout %d dp) → %j', (rate, dd, max, pd, out) => {
    expect(rateForOneCoin(rate, dd, max, pd)).toBe(out);
  });
});

import Big from 'big.js';
import fc from 'fast-check';
import { depositToPayout } from '../../../src/core/amounts';
import {
  evaluate,
  MARKET_RATE_DECIMALS,
  median,
  rateWithSpread,
  type GuardLimits,
  type Quote,
} from '../../../src/rates/pricing';

/**
 * The maths of market rates (issue 20, src/rates/pricing.ts): median, spread and rounding in the
 * operator's favour, and the guard rails; property tests with fast-check, then table cases.
 */

const LIMITS: GuardLimits = {
  maxAgeMs: 60_000,
  maxDisagreementPercent: '2',
  maxMovePercent: '5',
  moveWindowMs: 600_000,
};
const NOW = 1_800_000_000_000;

/** A positive decimal price with up to 12 decimals, 1e-6 .. 1e7. */
const price = fc
  .tuple(fc.bigInt({ min: 1n, max: 10_000_000_000_000_000_000n }), fc.integer({ min: 6, max: 12 }))
  .map(([coef, dp]) => new Big(`${coef}e-${dp}`));
const spread = fc.integer({ min: 0, max: 9_999 }).map((bp) => new Big(bp).div(100).toFixed());
const quote = (p: Big, source = 's', at = NOW): Quote => ({ source, price: p, at });

describe('rateWithSpread', () => {
  it('never above price × (1 − spread), and less than 1e-8 below it', () => {
    fc.assert(
      fc.property(price, spread, (p, s) => {
        const exact = p.times(new Big(100).minus(s)).div(100);
        const rate = new Big(rateWithSpread(p, s));
        expect(rate.lte(exact)).toBe(true);
        expect(exact.minus(rate).lt(new Big(`1e-${MARKET_RATE_DECIMALS}`))).toBe(true);
        expect(rate.toFixed().split('.')[1]?.length ?? 0).toBeLessThanOrEqual(MARKET_RATE_DECIMALS);
      }),
    );
  });

  it('a deposit is never paid more than value × price × (1 − spread), after max_decimals truncation', () => {
    fc.assert(
      fc.property(
        price,
        spread,
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 6 }),
        (p, s, sat, maxDecimals) => {
          const rate = rateWithSpread(p, s);
          if (new Big(rate).lte(0)) return;
          const paid = depositToPayout(sat, 8, rate, maxDecimals, 6);
          // In droplets: sat / 1e8 × price × (1 − s/100) × 1e6.
          const bound = new Big(sat.toString()).times(p).times(new Big(100).minus(s)).div(100).div(100);
          expect(new Big(paid.toString()).lte(bound)).toBe(true);
        },
      ),
    );
  });
});

describe('median', () => {
  it('lies between the lowest and the highest, ignores order, and is the middle of an odd count', () => {
    fc.assert(
      fc.property(fc.array(price, { minLength: 1, maxLength: 9 }), (values) => {
        const m = median(values);
        const sorted = [...values].sort((a, b) => a.cmp(b));
        expect(m.gte(sorted[0]) && m.lte(sorted[sorted.length - 1])).toBe(true);
        expect(median([...values].reverse()).eq(m)).toBe(true);
        if (values.length % 2 === 1) expect(m.eq(sorted[(values.length - 1) / 2])).toBe(true);
      }),
    );
  });

  it('one wild source among three does not move it past the other two', () => {
    fc.assert(
      fc.property(price, price, price, (a, b, wild) => {
        const m = median([a, b, wild]);
        const [lo, hi] = a.lt(b) ? [a, b] : [b, a];
        expect(m.gte(lo) && m.lte(hi)).toBe(true);
      }),
    );
  });

  it('table', () => {
    expect(median([new Big(3)]).toFixed()).toBe('3');
    expect(median([new Big(1), new Big(4)]).toFixed()).toBe('2.5');
    expect(median([new Big(9), new Big(1), new Big(5)]).toFixed()).toBe('5');
    expect(() => median([])).toThrow();
  });
});

describe('guards', () => {
  it('a fresh, agreeing, steady market gives the rate; otherwise exactly one guard trips and no rate', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(price, fc.integer({ min: 0, max: 120_000 })), { minLength: 1, maxLength: 5 }),
        fc.array(price, { maxLength: 4 }),
        spread,
        (raw, earlier, s) => {
          const quotes = raw.map(([p, age], i) => quote(p, `s${i}`, NOW - age));
          const history = earlier.map((m, i) => ({ at: NOW - 1000 * (i + 1), median: m }));
          const r = evaluate('BTC', quotes, history, NOW, LIMITS, s);
          expect(r.rate === undefined).toBe(r.trip !== undefined);
          const fresh = quotes.filter((q) => NOW - q.at <= LIMITS.maxAgeMs);
          expect(r.fresh).toEqual(fresh);
          if (fresh.length === 0) expect(r.trip?.guard).toBe('stale');
          if (r.rate !== undefined && r.median) {
            expect(new Big(r.rate).lte(r.median)).toBe(true);
            const prices = fresh.map((q) => q.price);
            const lo = prices.reduce((a, b) => (a.lt(b) ? a : b));
            const hi = prices.reduce((a, b) => (a.gt(b) ? a : b));
            expect(hi.minus(lo).times(100).div(r.median).lte(LIMITS.maxDisagreementPercent)).toBe(true);
          }
        },
      ),
    );
  });

  const p = (n: string) => new Big(n);
  it.each([
    [
      'all stale',
      [quote(p('100'), 'a', NOW - 61_000)],
      [],
      'stale',
      'no BTC price younger than 60s from its sources',
    ],
    [
      'sources 3% apart',
      [quote(p('100'), 'a'), quote(p('103'), 'b')],
      [],
      'disagree',
      'BTC price sources disagree by 2.96% (limit 2%)',
    ],
    [
      'moved 6% in the window',
      [quote(p('106'), 'a')],
      [{ at: NOW - 300_000, median: p('100') }],
      'moved',
      'BTC price moved 6% within 600s (limit 5%)',
    ],
    ['rounds to 0', [quote(p('0.000000001'), 'a')], [], 'zero', 'BTC market rate rounds to 0'],
  ] as const)('%s', (_name, quotes, history, guard, reason) => {
    const r = evaluate('BTC', quotes, history, NOW, LIMITS, '0');
    expect(r.trip).toEqual({ guard, reason });
    expect(r.rate).toBeUndefined();
  });

  it('a stale source is left out; a move older than the window no longer counts; 0 turns a guard off', () => {
    const r = evaluate(
      'BTC',
      [quote(p('100'), 'a'), quote(p('150'), 'b', NOW - 61_000)],
      [],
      NOW,
      LIMITS,
      '1',
    );
    expect(r.rate).toBe('99');
    const old = evaluate(
      'BTC',
      [quote(p('110'), 'a')],
      [{ at: NOW - 601_000, median: p('100') }],
      NOW,
      LIMITS,
      '0',
    );
    expect(old.rate).toBe('110');
    const off = { ...LIMITS, maxDisagreementPercent: '0', maxMovePercent: '0' };
    const r2 = evaluate(
      'BTC',
      [quote(p('100'), 'a'), quote(p('200'), 'b')],
      [{ at: NOW, median: p('1') }],
      NOW,
      off,
      '0',
    );
    expect(r2.rate).toBe('150');
  });

  it('spread and rounding: 8 decimals, rounded down (table)', () => {
    expect(rateWithSpread(p('1'), '0')).toBe('1');
    expect(rateWithSpread(p('0.333333339'), '0')).toBe('0.33333333');
    expect(rateWithSpread(p('500'), '2')).toBe('490');
    expect(rateWithSpread(p('123.456789129'), '0.5')).toBe('122.83950518');
  });
});

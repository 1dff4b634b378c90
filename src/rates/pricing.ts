import Big from 'big.js';

/**
 * The maths of market-following rates (issue 20), pure: the median of the sources' prices, the
 * spread and rounding in the operator's favour, and the guard rails. A price here is what the
 * operator could buy back the payout coin at, in payout coins per deposit coin (the rate's unit).
 * The payout for a deposit is then truncated to sky_exchanger.max_decimals by core/amounts.ts.
 */

/** Rounding down everywhere: a rate never ends up above the exact value (operator's favour). */
const D = Big();
D.DP = 40;
D.RM = Big.roundDown;

/** Decimals a market rate keeps (rounded down): as many as a fraction rate (`a/b`) in teller. */
export const MARKET_RATE_DECIMALS = 8;

export interface Quote {
  source: string;
  /** Payout coins per deposit coin, > 0. */
  price: Big;
  /** Unix ms of the price. */
  at: number;
}

export interface GuardLimits {
  maxAgeMs: number;
  /** Percent of the median; 0 = unchecked. */
  maxDisagreementPercent: string;
  /** Percent; 0 = unchecked. */
  maxMovePercent: string;
  moveWindowMs: number;
}

export type GuardName = 'stale' | 'disagree' | 'moved' | 'zero';

export interface GuardTrip {
  guard: GuardName;
  /** For the buyer and the operator: why binds pause. */
  reason: string;
}

export interface Sample {
  at: number;
  median: Big;
}

export interface Evaluation {
  /** The quotes young enough to use. */
  fresh: Quote[];
  median?: Big;
  /** The rate to use (string, MARKET_RATE_DECIMALS at most); absent when a guard tripped. */
  rate?: string;
  trip?: GuardTrip;
}

/** The median (the mean of the middle two for an even count); throws for none. */
export function median(values: readonly Big[]): Big {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a.cmp(b));
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : new D(sorted[mid - 1]).plus(sorted[mid]).div(2);
}

/** price × (1 − spread/100), rounded down to MARKET_RATE_DECIMALS, as a plain decimal string. */
export function rateWithSpread(price: Big, spreadPercent: string): string {
  const kept = new D(price).times(new D(100).minus(spreadPercent)).div(100);
  return kept.round(MARKET_RATE_DECIMALS, Big.roundDown).toFixed();
}

const pct = (x: Big): string => x.round(2, Big.roundHalfUp).toFixed();

/** (max − min) / base, in percent. */
const spreadOf = (values: readonly Big[], base: Big): Big => {
  const sorted = [...values].sort((a, b) => a.cmp(b));
  return new D(sorted[sorted.length - 1]).minus(sorted[0]).times(100).div(base);
};

/**
 * The rate from `quotes` at `now`, or the guard that stops it: no fresh price (each is older than
 * maxAge), sources apart by more than maxDisagreement% of their median, a median that moved more
 * than maxMove% within the window (`history`: earlier medians, any age), or a rate that rounds to 0.
 */
export function evaluate(
  coin: string,
  quotes: readonly Quote[],
  history: readonly Sample[],
  now: number,
  limits: GuardLimits,
  spreadPercent: string,
): Evaluation {
  const fresh = quotes.filter((q) => now - q.at <= limits.maxAgeMs && q.price.gt(0));
  if (fresh.length === 0) {
    return {
      fresh,
      trip: {
        guard: 'stale',
        reason: `no ${coin} price younger than ${Math.round(limits.maxAgeMs / 1000)}s from its sources`,
      },
    };
  }
  const prices = fresh.map((q) => q.price);
  const mid = median(prices);
  const apart = spreadOf(prices, mid);
  if (new D(limits.maxDisagreementPercent).gt(0) && apart.gt(limits.maxDisagreementPercent)) {
    return {
      fresh,
      median: mid,
      trip: {
        guard: 'disagree',
        reason: `${coin} price sources disagree by ${pct(apart)}% (limit ${limits.maxDisagreementPercent}%)`,
      },
    };
  }
  const recent = history.filter((s) => now - s.at <= limits.moveWindowMs).map((s) => s.median);
  if (new D(limits.maxMovePercent).gt(0) && recent.length > 0) {
    const all = [...recent, mid];
    const low = all.reduce((a, b) => (a.lt(b) ? a : b));
    const moved = spreadOf(all, low);
    if (moved.gt(limits.maxMovePercent)) {
      return {
        fresh,
        median: mid,
        trip: {
          guard: 'moved',
          reason:
            `${coin} price moved ${pct(moved)}% within ${Math.round(limits.moveWindowMs / 1000)}s ` +
            `(limit ${limits.maxMovePercent}%)`,
        },
      };
    }
  }
  const rate = rateWithSpread(mid, spreadPercent);
  if (new D(rate).lte(0)) {
    return { fresh, median: mid, trip: { guard: 'zero', reason: `${coin} market rate rounds to 0` } };
  }
  return { fresh, median: mid, rate };
}

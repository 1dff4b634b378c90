import type Big from 'big.js';
import type { MarketRateConfig } from '../config/types';
import type { RateBook } from '../exchange/rates';
import { errorMessage } from '../util/errors';
import type { Logger } from '../util/logger';
import { evaluate, type GuardName, type Quote, type Sample } from './pricing';
import type { PriceSource } from './sources';

/**
 * Market-following rates (issue 20): per `[[market_rates]]` coin, polls its sources every
 * poll_interval (a re-armed timer with an in-flight guard), takes the median, keeps the spread and
 * rounds down (pricing.ts), and hands the rate to the RateBook, from where /api/config, binds and
 * first sightings read it. A guard that trips (no fresh price, sources apart, a sharp move) pauses
 * the coin's binds with the reason, keeps the last good rate for deposits to addresses already
 * bound (paid at their first sighting's rate, as always), raises one alert, and counts the trip;
 * the next good evaluation lifts the pause, with a "resolved" message.
 */

/** What the feed reports to metrics and alerts (src/ops/rate-metrics.ts; the notifier). */
export interface FeedObserver {
  sourceAge(coin: string, source: string, seconds: number): void;
  trip(coin: string, guard: GuardName): void;
  alert(message: string): void;
}

/**
 * Rate changes the dashboard's history keeps per coin: changes, not polls, so a fast poll_interval
 * does not crowd a steady rate's past out of the chart.
 */
export const HISTORY_CHANGES = 200;

export interface CoinMarketStatus {
  coin: string;
  sources: string[];
  spread_percent: string;
  /** The last median price ('' before the first), payout coins per deposit coin. */
  last_price: string;
  rate: string;
  /** Unix seconds of the last good price (0 before the first). */
  updated_at: number;
  /** 'ok', or the guard that pauses binds. */
  guard: 'ok' | GuardName | 'waiting';
  paused: string;
  /** Each source's last price and its age in seconds, or its error. */
  quotes: { source: string; price: string; age_seconds: number; error: string }[];
  /** [Unix seconds, rate] of the rate's last changes (the first good price counts), oldest first. */
  history: [number, string][];
}

interface CoinFeed {
  cfg: MarketRateConfig;
  sources: readonly PriceSource[];
  samples: Sample[];
  history: [number, string][];
  lastPrice?: Big;
  lastGood: number;
  guard: CoinMarketStatus['guard'];
  quotes: CoinMarketStatus['quotes'];
  timer?: NodeJS.Timeout;
  inFlight?: Promise<void>;
}

export class MarketFeed {
  private readonly coins = new Map<string, CoinFeed>();
  private observer: FeedObserver = {
    sourceAge: () => undefined,
    trip: () => undefined,
    alert: () => undefined,
  };
  private stopped = false;

  constructor(
    configs: readonly MarketRateConfig[],
    /** Per coin, its sources in config order. */
    sources: ReadonlyMap<string, readonly PriceSource[]>,
    private readonly rates: RateBook,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    for (const cfg of configs) {
      this.coins.set(cfg.coin, {
        cfg,
        sources: [...(sources.get(cfg.coin) ?? [])],
        samples: [],
        history: [],
        lastGood: 0,
        guard: 'waiting',
        quotes: [],
      });
    }
  }

  /** Metrics and alerts (the operator's tools are made after the feed). */
  observe(observer: FeedObserver): void {
    this.observer = observer;
  }

  /** Polls every coin now, then every poll_interval. */
  start(): void {
    for (const coin of this.coins.keys()) this.schedule(coin, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const f of this.coins.values()) clearTimeout(f.timer);
    await Promise.allSettled([...this.coins.values()].map((f) => f.inFlight));
  }

  private schedule(coin: string, delayMs: number): void {
    const f = this.coins.get(coin);
    if (!f || this.stopped) return;
    f.timer = setTimeout(() => {
      void this.poll(coin).finally(() => this.schedule(coin, f.cfg.poll_interval_ms));
    }, delayMs);
    f.timer.unref();
  }

  /** One poll of `coin`'s sources (the timer's, or a test's); concurrent calls share one. */
  poll(coin: string): Promise<void> {
    const f = this.coins.get(coin);
    if (!f) return Promise.resolve();
    f.inFlight ??= this.pollNow(coin, f).finally(() => {
      f.inFlight = undefined;
    });
    return f.inFlight;
  }

  private async pollNow(coin: string, f: CoinFeed): Promise<void> {
    const answers = await Promise.allSettled(f.sources.map((s) => s.quote(coin)));
    const now = this.now();
    const quotes: Quote[] = [];
    f.quotes = answers.map((a, i) => {
      const source = f.sources[i].name;
      if (a.status === 'rejected') {
        this.log.warn({ coin, source, err: a.reason as unknown }, 'market price unavailable');
        return { source, price: '', age_seconds: -1, error: errorMessage(a.reason) };
      }
      quotes.push(a.value);
      const age = Math.max(0, (now - a.value.at) / 1000);
      this.observer.sourceAge(coin, source, age);
      return { source, price: a.value.price.toFixed(), age_seconds: Math.round(age), error: '' };
    });
    const { cfg } = f;
    const limits = {
      maxAgeMs: cfg.max_age_ms,
      maxDisagreementPercent: cfg.max_disagreement_percent,
      maxMovePercent: cfg.max_move_percent,
      moveWindowMs: cfg.move_window_ms,
    };
    const result = evaluate(coin, quotes, f.samples, now, limits, cfg.spread_percent);
    if (result.median) {
      f.lastPrice = result.median;
      f.samples = [
        ...f.samples.filter((s) => now - s.at <= cfg.move_window_ms),
        { at: now, median: result.median },
      ];
    }
    if (result.trip) {
      const { guard, reason } = result.trip;
      if (f.guard !== guard) {
        this.observer.trip(coin, guard);
        this.log.error({ coin, guard, reason }, 'market rate guard tripped: binds paused');
        this.observer.alert(`${coin} binds paused: ${reason}`);
      }
      f.guard = guard;
      this.rates.setPaused(coin, reason);
      return;
    }
    if (result.rate === undefined) return;
    if (f.guard !== 'ok' && f.guard !== 'waiting') {
      this.log.info({ coin, rate: result.rate }, 'market rate guard cleared: binds resume');
      this.observer.alert(`${coin} binds resumed at rate ${result.rate} (resolved)`);
    }
    f.guard = 'ok';
    f.lastGood = now;
    if (f.history.at(-1)?.[1] !== result.rate) {
      f.history = [...f.history, [Math.floor(now / 1000), result.rate] as [number, string]].slice(
        -HISTORY_CHANGES,
      );
    }
    const previous = this.rates.state(coin)?.rate;
    this.rates.setMarket(coin, result.rate, now);
    if (previous !== result.rate) this.log.info({ coin, rate: result.rate, previous }, 'market rate');
  }

  status(): CoinMarketStatus[] {
    return [...this.coins.values()].map((f) => {
      const state = this.rates.state(f.cfg.coin);
      return {
        coin: f.cfg.coin,
        sources: f.cfg.sources,
        spread_percent: f.cfg.spread_percent,
        last_price: f.lastPrice?.toFixed() ?? '',
        rate: state?.rate ?? '',
        updated_at: Math.floor(f.lastGood / 1000),
        guard: f.guard,
        paused: state?.paused ?? '',
        quotes: f.quotes,
        history: f.history,
      };
    });
  }
}

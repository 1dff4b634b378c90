import { Counter, Gauge, type Registry } from 'prom-client';
import { parseRate } from '../core/amounts';
import type { RateBook } from '../exchange/rates';
import type { FeedObserver } from '../rates';
import type { Notifier } from './notifier';

/**
 * Rate metrics (issue 20): `teller_rate{coin,source}` (payout coins per deposit coin, read at scrape
 * time; a float, for graphs, never for money), `teller_rate_source_age_seconds{coin,source}` (the
 * age of each market source's last price), `teller_rate_guard_trips_total{coin,guard}`, and
 * `teller_rate_paused{coin}` (1 while a guard pauses the coin's binds). The observer also sends
 * the feed's alerts through the notifier.
 */
export function rateGauges(registry: Registry, rates: RateBook): void {
  const registers = [registry];
  const rate = new Gauge({
    name: 'teller_rate',
    help: 'Current rate per deposit coin (payout coins per 1 deposit coin) and where it comes from',
    labelNames: ['coin', 'source'],
    registers,
    collect() {
      rate.reset();
      for (const s of rates.list()) {
        if (s.rate !== '') rate.set({ coin: s.coin, source: s.source }, parseRate(s.rate).toNumber());
      }
    },
  });
  const paused = new Gauge({
    name: 'teller_rate_paused',
    help: "Market rates: 1 while a guard pauses the coin's binds",
    labelNames: ['coin'],
    registers,
    collect() {
      for (const s of rates.list()) if (s.source === 'market') paused.set({ coin: s.coin }, s.paused ? 1 : 0);
    },
  });
}

/** What the market feed reports: source ages, guard trips (metrics) and alerts (the notifier). */
export function rateObserver(registry: Registry, notifier: Notifier): FeedObserver {
  const registers = [registry];
  const age = new Gauge({
    name: 'teller_rate_source_age_seconds',
    help: "Market rates: age of each source's last price",
    labelNames: ['coin', 'source'],
    registers,
  });
  const trips = new Counter({
    name: 'teller_rate_guard_trips_total',
    help: 'Market rates: guard trips that paused binds (stale, disagree, moved, zero)',
    labelNames: ['coin', 'guard'],
    registers,
  });
  return {
    sourceAge: (coin, source, seconds) => age.set({ coin, source }, seconds),
    trip: (coin, guard) => trips.inc({ coin, guard }),
    alert: (message) => notifier.notify(`ALERT: ${message}`),
  };
}

import type { Op } from '../store/store';
import type { Logger } from '../util/logger';
import { rateProblem } from '../core/amounts';
import type { DepositCoin } from './coins';
import type { DepositStore } from './deposit-store';
import { ExchangeError } from './errors';

/**
 * Each deposit coin's current rate (issue 20). A coin starts at its config value; an operator may
 * set another at run time (admin API POST /api/rates/<coin>, or `teller rates set` on a stopped
 * daemon). A rate set so is validated as the config value is (the same problem text), kept in the
 * store's `meta` under `rate_override:<COIN>` with the config value it was set against, and written
 * to the audit log (an operator event `rate:<COIN>` with the old and new value), in one batch.
 * It outlives restarts until the config value itself changes: at start a stored rate whose config
 * value differs from the config's is dropped, logged and audited (the config wins).
 * Deposits take the rate in force when first seen (Exchange.seen), so a change never reprices one.
 */

export type RateSource = 'config' | 'operator' | 'market';

/** A rate set at run time, as stored. */
export interface RateOverride {
  rate: string;
  /** The config value in force when it was set: a different one at start means the config changed. */
  config_rate: string;
  /** Unix seconds. */
  set_at: number;
  by: string;
}

/** A coin's rate now, as the admin API and /api/config show it. */
export interface RateState {
  coin: string;
  rate: string;
  source: RateSource;
  /** The config's value for the coin. */
  config_rate: string;
  /** Unix seconds the rate took effect (the daemon's start for a config rate; a market rate: its last price). */
  updated_at: number;
  /** Market rates: why binds of the coin pause ('' when they do not). */
  paused: string;
}

export interface RateChange extends RateState {
  previous: string;
}

const overrideKey = (coin: string): string => `rate_override:${coin}`;
const nowSec = (): number => Math.floor(Date.now() / 1000);

export class RateBook {
  private readonly states = new Map<string, RateState>();
  private changes = 0;
  /** Sets run one at a time, so that each audit entry's old value is the one it replaced. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly deposits: DepositStore,
    private readonly coins: ReadonlyMap<string, DepositCoin>,
    private readonly log: Logger,
  ) {}

  /** Reads the rates set at run time; one made against another config value is dropped. */
  static async open(
    deposits: DepositStore,
    coins: ReadonlyMap<string, DepositCoin>,
    log: Logger,
    /** Coins whose rate follows the market ([[market_rates]]): a stored rate of theirs is dropped. */
    marketCoins: ReadonlySet<string> = new Set(),
  ): Promise<RateBook> {
    const book = new RateBook(deposits, coins, log);
    const startedAt = nowSec();
    for (const coin of coins.values()) {
      const configRate = coin.rate;
      const market = marketCoins.has(coin.symbol);
      const state: RateState = {
        coin: coin.symbol,
        rate: configRate,
        source: market ? 'market' : 'config',
        config_rate: configRate,
        updated_at: startedAt,
        paused: market ? `waiting for the first ${coin.symbol} market price` : '',
      };
      book.states.set(coin.symbol, state);
      const stored = await deposits.operatorRecord<RateOverride>(overrideKey(coin.symbol));
      if (stored === undefined) continue;
      if (stored.config_rate === configRate && !market) {
        Object.assign(state, { rate: stored.rate, source: 'operator', updated_at: stored.set_at });
        coin.rate = stored.rate;
        log.info(
          { coin: coin.symbol, rate: stored.rate, configRate, by: stored.by },
          'rate set at run time kept',
        );
        continue;
      }
      const why = market
        ? `[[market_rates]] lists ${coin.symbol}: the market wins`
        : `${coin.rateKey} changed from ${stored.config_rate}: the config wins`;
      log.warn({ coin: coin.symbol, rate: stored.rate, setAgainst: stored.config_rate, configRate }, why);
      await deposits.recordOperatorEvent(
        `rate:${coin.symbol}`,
        `rate of ${coin.symbol}: ${stored.rate} -> ${market ? 'market' : configRate} at start (${why})`,
        [{ type: 'del', space: 'meta', key: overrideKey(coin.symbol) }],
      );
    }
    return book;
  }

  /** Grows with every change: a cache of anything derived from the rates compares it. */
  get version(): number {
    return this.changes;
  }

  state(coin: string): RateState | undefined {
    const s = this.states.get(coin);
    return s && { ...s };
  }

  list(): RateState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  /** True when every coin is at its config rate (/api/config then stays teller's body). */
  allFromConfig(): boolean {
    return [...this.states.values()].every((s) => s.source === 'config');
  }

  /**
   * Sets `coin`'s rate (ExchangeError `not_found` for an unknown coin, `rate_invalid` with the
   * config check's text). Setting the config's own value drops the stored one.
   */
  set(coin: string, rate: string, by: string): Promise<RateChange> {
    const run = this.queue.then(() => this.apply(coin, rate, by));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply(symbol: string, rate: string, by: string): Promise<RateChange> {
    const coin = this.coins.get(symbol);
    const state = this.states.get(symbol);
    if (!coin || !state) throw new ExchangeError('not_found', `unknown coin ${symbol}`);
    if (state.source === 'market') {
      throw new ExchangeError(
        'not_retryable',
        `${symbol} follows the market ([[market_rates]]): its rate is not set by hand`,
      );
    }
    const problem = rateProblem(coin.rateKey, rate);
    if (problem !== undefined) throw new ExchangeError('rate_invalid', problem);
    const previous = state.rate;
    const back = rate === state.config_rate;
    const setAt = nowSec();
    const op: Op = back
      ? { type: 'del', space: 'meta', key: overrideKey(symbol) }
      : {
          type: 'put',
          space: 'meta',
          key: overrideKey(symbol),
          value: { rate, config_rate: state.config_rate, set_at: setAt, by } satisfies RateOverride,
        };
    const note = `rate of ${symbol} set by ${by}: ${previous} -> ${rate} (config ${coin.rateKey} = ${state.config_rate})`;
    await this.deposits.recordOperatorEvent(`rate:${symbol}`, note, [op]);
    Object.assign(state, { rate, source: back ? 'config' : 'operator', updated_at: setAt });
    coin.rate = rate;
    this.changes++;
    this.log.info({ coin: symbol, previous, rate, by }, 'rate set at run time');
    return { ...state, previous };
  }

  /**
   * A market rate (src/rates/market-feed.ts), as of `at` (Unix ms): not audited (it changes with
   * every price) and not stored; a restart waits for the next price. Lifts a pause.
   */
  setMarket(symbol: string, rate: string, at: number): void {
    const coin = this.coins.get(symbol);
    const state = this.states.get(symbol);
    if (!coin || !state || state.source !== 'market') return;
    Object.assign(state, { rate, updated_at: Math.floor(at / 1000), paused: '' });
    coin.rate = rate;
    this.changes++;
  }

  /** Pauses binds of a market coin (`reason` for the buyer), or lifts the pause (''). */
  setPaused(symbol: string, reason: string): void {
    const state = this.states.get(symbol);
    if (!state || state.paused === reason) return;
    state.paused = reason;
    this.changes++;
  }

  /** Why binds of `coin` pause now ('' when they do not). */
  pausedReason(coin: string): string {
    return this.states.get(coin)?.paused ?? '';
  }
}

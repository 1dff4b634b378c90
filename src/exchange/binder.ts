import type { Config } from '../config/types';
import { AddressPool, DerivedPool, type DepositPool, type PoolCoin, type Reservation } from '../pool';
import type { Logger } from '../util/logger';
import { Mutex } from '../util/mutex';
import type { DepositCoin } from './coins';
import { bindingKey, type DepositStore } from './deposit-store';
import { BindLimits, RecentCount, type BindRefusal } from './bind-limits';
import { bindError } from './errors';

/** teller's throttle body (tollbooth), for a bind over a cap. */
const THROTTLED_TEXT = 'You have reached maximum request limit.';
import type { Binding } from './types';

export interface BinderOptions {
  config: Config;
  deposits: DepositStore;
  pools: Map<PoolCoin, DepositPool>;
  coins: Map<string, DepositCoin>;
  /** Called once the binding is durable: the scanner starts watching the address. */
  onBound: (coin: string, address: string) => void;
  /** Market rates: a coin whose rate guard tripped pauses its binds (RateBook.pausedReason). */
  ratePaused?: (coin: string) => string;
  log: Logger;
}

/**
 * Binds a payout address to the next deposit address of a pool. The decision (bind_enabled, the
 * max-bound count, the next address) is taken one bind at a time, counting the binds whose write
 * is still in flight and never handing out their addresses; the writes themselves run
 * concurrently, so the store commits them together (one fsync for many binds). The address is
 * consumed only when its binding is written: a failed bind burns nothing.
 */
export class Binder {
  private readonly mutex = new Mutex();
  /** Deposit addresses of binds whose write is in flight, per pool. */
  private readonly inFlight = new Map<AddressPool, Set<string>>();
  /**
   * Binding keys in flight per payout address. The max-bound check counts the union of these and
   * the durable bindings by key: a bind whose write has just become durable but has not yet left
   * this map is counted once, not twice (counting numbers refused a bind below the cap).
   */
  private readonly pendingOf = new Map<string, Set<string>>();
  /** Addresses with a deposit, scanner or orphan record (DepositStore.recordedAddresses), read once. */
  private recorded: Set<string> | undefined;
  private alert: (message: string) => void = () => undefined;
  private readonly limits: BindLimits;
  /** Whether the current pause was alerted (once per pause). */
  private pauseAlerted = false;
  /** Binds per pool in the last hour. */
  private readonly poolRates = new Map<string, RecentCount>();

  constructor(private readonly opts: BinderOptions) {
    const { web } = opts.config;
    this.limits = new BindLimits({
      perHour: web.bind_max_per_hour,
      perDay: web.bind_max_per_day,
      globalPerHour: web.bind_pause_per_hour,
    });
  }

  /** Where alerts go (the operator's notifier, made after the binder). */
  setAlert(alert: (message: string) => void): void {
    this.alert = alert;
  }

  private inFlightOf(pool: AddressPool): Set<string> {
    let taken = this.inFlight.get(pool);
    if (taken === undefined) {
      taken = new Set();
      this.inFlight.set(pool, taken);
    }
    return taken;
  }

  /**
   * The next index of a derived pool, reserved until its write settles. An address bound before
   * (from a pool file of the same key) is passed over; the binding's batch records it as such.
   */
  private async reserveDerived(pool: DerivedPool, poolCoin: PoolCoin): Promise<Reservation | undefined> {
    const skipped: Reservation[] = [];
    for (;;) {
      const r = await pool.take();
      if (r === undefined) return undefined;
      const found = await this.conflicts(poolCoin, r.address);
      const used = await this.opts.deposits.isPoolUsed(poolCoin, r.address);
      if (found.length === 0 && !used) return { ...r, skipped };
      if (found.length === 0) {
        this.opts.log.warn(
          { coin: poolCoin, index: r.index, depositAddress: r.address },
          'derived address was handed out before (a pool file of the same key?): passing over its index',
        );
      } else {
        const message = `${poolCoin} derived address ${r.address} (index ${r.index}) was next, but ${found.join('; ')}: passed over it (check the store and its backups)`;
        this.opts.log.error({ coin: poolCoin, index: r.index, depositAddress: r.address, found }, message);
        this.alert(message);
      }
      skipped.push(r);
    }
  }

  /** Binds of `poolCoin`'s pool in the last hour (the pool-low alert's hours left). */
  bindsLastHour(poolCoin: string): number {
    return this.poolRates.get(poolCoin)?.count(Date.now()) ?? 0;
  }

  /**
   * `client` (the buyer's IP) is held to web.bind_max_per_hour and bind_max_per_day, and everyone
   * to web.bind_pause_per_hour (binds pause above it, with an alert): teller's throttle text (429).
   */
  async bind(payoutAddress: string, coin: string, client?: string): Promise<Binding> {
    const { config } = this.opts;
    if (!config.teller.bind_enabled) {
      throw bindError('bind_disabled', 'Address binding is disabled');
    }
    const paused = this.opts.ratePaused?.(coin) ?? '';
    if (paused !== '') throw bindError('rate_paused', paused);
    if (client === undefined) return this.bindNow(payoutAddress, coin);
    const refused = this.limits.take(client);
    if (refused !== undefined) {
      this.refused(refused, client);
      throw bindError('throttled', THROTTLED_TEXT);
    }
    this.pauseAlerted = false;
    try {
      return await this.bindNow(payoutAddress, coin);
    } catch (err) {
      this.limits.giveBack(client);
      throw err;
    }
  }

  private refused(why: BindRefusal, client: string): void {
    const { web } = this.opts.config;
    if (why !== 'global') {
      const [key, cap] =
        why === 'client_hour'
          ? ['web.bind_max_per_hour', web.bind_max_per_hour]
          : ['web.bind_max_per_day', web.bind_max_per_day];
      this.opts.log.warn({ client, setting: key, cap }, 'bind refused: this client reached its bind cap');
      return;
    }
    if (this.pauseAlerted) return;
    this.pauseAlerted = true;
    const message =
      `binds paused: ${this.limits.lastHour()} binds in the last hour reached web.bind_pause_per_hour = ` +
      `${web.bind_pause_per_hour} (a client draining the pools?); they resume as the rate falls`;
    this.opts.log.error({ client, last_hour: this.limits.lastHour() }, message);
    this.alert(message);
  }

  private async bindNow(payoutAddress: string, coin: string): Promise<Binding> {
    const { config, deposits, pools, coins } = this.opts;
    const { pool, poolCoin, address, reservation } = await this.mutex.run(async () => {
      const max = config.teller.max_bound_addrs;
      if (max > 0 && this.boundCount(payoutAddress) >= max) {
        throw bindError(
          'max_bound',
          'The maximum number of addresses have been assigned to this SKY address',
        );
      }
      const depositCoin = coins.get(coin);
      const found = depositCoin && pools.get(depositCoin.pool);
      if (!found) throw bindError('internal', `no address pool for ${coin}`);
      let next: string | undefined;
      let reservation: Reservation | undefined;
      if (found instanceof DerivedPool) {
        reservation = await this.reserveDerived(found, depositCoin.pool);
        next = reservation?.address;
      } else {
        next = await this.freeAddress(found, depositCoin.pool, this.inFlightOf(found));
      }
      if (next === undefined) {
        this.opts.log.error({ coin: depositCoin.pool }, 'deposit address pool is empty: add addresses');
        throw bindError('pool_empty', 'Deposit address pool is empty');
      }
      if (!(found instanceof DerivedPool)) this.inFlightOf(found).add(next);
      const pending = this.pendingOf.get(payoutAddress) ?? new Set<string>();
      pending.add(bindingKey(coin, next));
      this.pendingOf.set(payoutAddress, pending);
      return { pool: found, poolCoin: depositCoin.pool, address: next, reservation };
    });
    let durable = false;
    try {
      const binding = await deposits.bind(
        payoutAddress,
        coin,
        poolCoin,
        address,
        config.sky_exchanger.buy_method,
        pool instanceof DerivedPool && reservation ? pool.bindWrite(reservation) : undefined,
      );
      durable = true;
      let rate = this.poolRates.get(poolCoin);
      if (rate === undefined) this.poolRates.set(poolCoin, (rate = new RecentCount()));
      rate.add(Date.now());
      if (pool instanceof DerivedPool) pool.committed();
      else pool.markUsed(address);
      this.opts.onBound(coin, address);
      this.opts.log.info(
        {
          coin,
          depositAddress: address,
          skyAddress: payoutAddress,
          remaining: pool.remaining(),
          index: reservation?.index,
        },
        'address bound',
      );
      return binding;
    } finally {
      // A derived index whose binding was not written goes back to be handed out next.
      if (reservation && pool instanceof DerivedPool && !durable) pool.release(reservation);
      if (!(pool instanceof DerivedPool)) this.inFlight.get(pool)?.delete(address);
      const pending = this.pendingOf.get(payoutAddress);
      pending?.delete(bindingKey(coin, address));
      if (pending?.size === 0) this.pendingOf.delete(payoutAddress);
    }
  }

  /** A payout address's bindings, durable or in flight, each counted once. */
  private boundCount(payoutAddress: string): number {
    const durable = this.opts.deposits.bindingKeysOf(payoutAddress);
    let count = durable.length;
    for (const key of this.pendingOf.get(payoutAddress) ?? []) if (!durable.includes(key)) count++;
    return count;
  }

  /**
   * The pool's next address that nothing in the store refers to. The pool's cursor comes from the
   * store's used marks; should they disagree with the bindings, deposits or scanner records (a
   * damaged or hand-edited store), the address is skipped for good (marked used), with an alert,
   * rather than handed to a second buyer. One read per bind (the binding records); deposit and
   * scanner records were read into memory at the first bind (the exchange records a deposit only
   * on a bound address, which this checks anyway).
   */
  private async freeAddress(
    pool: AddressPool,
    poolCoin: PoolCoin,
    taken: ReadonlySet<string>,
  ): Promise<string | undefined> {
    const { deposits, log } = this.opts;
    for (let address = pool.peekExcept(taken); address !== undefined; address = pool.peekExcept(taken)) {
      const found = await this.conflicts(poolCoin, address);
      if (found.length === 0) return address;
      await deposits.markUsed(poolCoin, address);
      pool.markUsed(address);
      const message =
        `${poolCoin} deposit address ${address} was next in the pool, but ${found.join('; ')}: ` +
        "skipped it (the pool's used marks disagree with the store: check the store and its backups)";
      log.error({ coin: poolCoin, depositAddress: address, found }, message);
      this.alert(message);
    }
    return undefined;
  }

  /** What the store holds on a pool address (bindings, deposits, scanner records): see freeAddress. */
  private async conflicts(poolCoin: PoolCoin, address: string): Promise<string[]> {
    const { deposits, coins } = this.opts;
    const sharing = [...coins].filter(([, c]) => c.pool === poolCoin).map(([symbol]) => symbol);
    this.recorded ??= await deposits.recordedAddresses();
    const found = deposits.bindingsOn(sharing, address);
    for (const coin of sharing)
      if (this.recorded.has(bindingKey(coin, address))) found.push(`the store has a ${coin} deposit on it`);
    return found;
  }
}

import type { Config } from '../config/types';
import type { AddressPool, PoolCoin } from '../pool';
import type { Logger } from '../util/logger';
import { Mutex } from '../util/mutex';
import type { DepositCoin } from './coins';
import type { DepositStore } from './deposit-store';
import { ExchangeError } from './errors';
import type { Binding } from './types';

export interface BinderOptions {
  config: Config;
  deposits: DepositStore;
  pools: Map<PoolCoin, AddressPool>;
  coins: Map<string, DepositCoin>;
  /** Called once the binding is durable: the scanner starts watching the address. */
  onBound: (coin: string, address: string) => void;
  log: Logger;
}

/**
 * Binds a payout address to the next deposit address of a pool. One bind at a time, so the
 * max-bound check and the pool cursor are atomic with the write (teller's were not); the address
 * is consumed only when the binding is written (a failed bind burns nothing).
 */
export class Binder {
  private readonly mutex = new Mutex();

  constructor(private readonly opts: BinderOptions) {}

  bind(payoutAddress: string, coin: string): Promise<Binding> {
    const { config, deposits, pools, coins } = this.opts;
    if (!config.teller.bind_enabled) {
      return Promise.reject(new ExchangeError('bind_disabled', 'Address binding is disabled'));
    }
    return this.mutex.run(async () => {
      const max = config.teller.max_bound_addrs;
      if (max > 0 && (await deposits.countBindings(payoutAddress)) >= max) {
        throw new ExchangeError(
          'max_bound',
          'The maximum number of addresses have been assigned to this SKY address',
        );
      }
      const depositCoin = coins.get(coin);
      const pool = depositCoin && pools.get(depositCoin.pool);
      if (!pool) throw new ExchangeError('internal', `no address pool for ${coin}`);
      const address = pool.peek();
      if (address === undefined) {
        this.opts.log.error({ coin: depositCoin.pool }, 'deposit address pool is empty: add addresses');
        throw new ExchangeError('pool_empty', 'Deposit address pool is empty');
      }
      const binding = await deposits.bind(
        payoutAddress,
        coin,
        depositCoin.pool,
        address,
        config.sky_exchanger.buy_method,
      );
      pool.markUsed(address);
      this.opts.onBound(coin, address);
      this.opts.log.info(
        { coin, depositAddress: address, skyAddress: payoutAddress, remaining: pool.remaining() },
        'address bound',
      );
      return binding;
    });
  }
}

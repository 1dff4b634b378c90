import path from 'node:path';
import { XpubError } from '../chains/xpub';
import { ConfigError } from '../config';
import type { Config } from '../config/types';
import type { depositCoins } from '../exchange/coins';
import type { DepositStore } from '../exchange/deposit-store';
import {
  AddressPool,
  DerivedPool,
  loadDerivedState,
  loadPoolStamped,
  type DepositPool,
  PoolError,
  PoolLoadError,
  type PoolCoin,
  type PoolStamp,
  type PoolStamps,
} from '../pool';
import { reservationKey, skipReserved } from '../pool/derived';
import { configuredXpub, derivedSource, XPUB_KEYS } from '../pool/derived-source';
import { ReservationError, reserveHint, type DeriveReservations, type StoreMark } from '../pool/reservations';
import type { Store } from '../store/store';
import type { Logger } from '../util/logger';

export interface LoadPoolsOptions {
  config: Config;
  coins: ReturnType<typeof depositCoins>;
  deposits: DepositStore;
  /** The pools' own records (pool stamps in `meta`, derived pool state); used addresses are in deposits. */
  store: Store;
  /** The derived pools' index reservations (src/pool/reservations.ts). */
  reservations: DeriveReservations;
  /** The store as it was opened, before this start wrote to it (index rebuilds, rates...). */
  atOpen: StoreMark;
  cwd: string;
  log: Logger;
  build: string;
}

/**
 * Loads and validates the pool of every enabled deposit coin; used addresses come from the store.
 * Derived pools resume past their reservations unless teller stopped cleanly on this very store;
 * then the reservations no longer count a clean stop (whatever happens next is not one).
 */
export async function loadPools(opts: LoadPoolsOptions): Promise<Map<PoolCoin, DepositPool>> {
  const { config, coins, deposits, store, cwd, log, build, reservations, atOpen } = opts;
  const clean = reservations.stoppedCleanlyAt(atOpen);
  const keys: Record<PoolCoin, 'btc_addresses' | 'eth_addresses' | 'sky_addresses'> = {
    BTC: 'btc_addresses',
    ETH: 'eth_addresses',
    SKY: 'sky_addresses',
  };
  // A pool file already validated by this build is not validated again (src/pool/stamp.ts).
  const stamps: PoolStamps = {
    get: (coin) => store.get<PoolStamp>('meta', `pool_stamp:${coin}`),
    put: (coin, stamp) =>
      store.write([{ type: 'put', space: 'meta', key: `pool_stamp:${coin}`, value: stamp }]),
  };
  const pools = new Map<PoolCoin, DepositPool>();
  for (const c of coins.values()) {
    if (!c.enabled || pools.has(c.pool)) continue;
    if (configuredXpub(config, c.pool) !== '') {
      pools.set(c.pool, await loadDerivedPool(opts, c.pool, clean));
      continue;
    }
    const key = keys[c.pool];
    const file = path.resolve(cwd, config[key]);
    const network = config.btc_scanner.network;
    let stamped;
    try {
      stamped = await loadPoolStamped(file, c.pool, network, build, stamps);
    } catch (err) {
      // A bad pool file is a config problem (exit 2), named by its key.
      if (err instanceof PoolError || err instanceof PoolLoadError)
        throw new ConfigError([`${key}: ${err.message}`], [], { cause: err });
      throw err;
    }
    const { addresses, reused } = stamped;
    const pool = new AddressPool(c.pool, addresses, await deposits.usedAddresses(c.pool));
    pools.set(c.pool, pool);
    log.info(
      { coin: c.pool, file, total: pool.total(), remaining: pool.remaining(), revalidated: !reused },
      'address pool loaded',
    );
  }
  await reservations.opened();
  return pools;
}

/**
 * A coin's derived pool, resumed at the index in the store, or past its reserved mark if teller did
 * not stop cleanly on this store (the indexes in between recorded as skipped, with a warning). A
 * store that handed out indexes but has no reservation is refused: a restore into a new data dir
 * cannot tell how far the lost store went. A key that does not parse is exit 2.
 */
async function loadDerivedPool(opts: LoadPoolsOptions, coin: PoolCoin, clean: boolean): Promise<DerivedPool> {
  const { config, store, reservations, log } = opts;
  let source;
  try {
    source = await derivedSource(config, coin);
  } catch (err) {
    if (err instanceof XpubError)
      throw new ConfigError([`${XPUB_KEYS[coin] ?? coin}: ${err.message}`], [], { cause: err });
    throw err;
  }
  const state = await loadDerivedState(store, source);
  if (state.problem) log.error({ coin, pool_key: source.key }, `derived pool: ${state.problem}`);
  const key = reservationKey(source);
  const mark = reservations.mark(key);
  if (mark === undefined && state.next > 0) {
    const file = reservations.file;
    throw new ReservationError(
      `${coin} derived pool: the store handed out indexes 0 to ${state.next - 1}, but ${file} is ` +
        `${reservations.existed ? 'missing their reservation' : 'missing'}: if the store was restored or copied, ` +
        `indexes past ${state.next - 1} may have been handed out too, and would be again. To start: ` +
        reserveHint(file, coin),
    );
  }
  if (mark !== undefined && mark > state.next && !clean) {
    const [from, to] = [state.next, mark - 1];
    log.warn(
      { coin, pool_key: source.key, from, to },
      `derived indexes ${from} to ${to} were reserved but are not in the store (a crash, or a restored or ` +
        'copied store): skipped, recorded as such (pool list), never handed out again',
    );
    await skipReserved(store, source, state, mark);
    state.next = mark;
  }
  const guard = { mark: mark ?? 0, reserve: (index: number) => reservations.reserve(key, index) };
  const pool = new DerivedPool(source, state, guard);
  log.info(
    {
      coin,
      pool_key: source.key,
      type: source.type,
      next_index: state.next,
      bound: state.bound,
      reserved_to: mark,
    },
    'derived address pool loaded',
  );
  return pool;
}

import type { DeriveReservations } from '../pool/reservations';
import type { Config } from '../config/types';
import type { Binder } from '../exchange/binder';
import type { DepositCoin } from '../exchange/coins';
import type { DepositStore } from '../exchange/deposit-store';
import type { Exchange } from '../exchange/exchange';
import type { RateBook } from '../exchange/rates';
import type { MarketFeed, SimulatedMarket } from '../rates';
import type { DepositPool, PoolCoin } from '../pool';
import type { Scanner } from '../scanner/types';
import type { DummyScanner } from '../scanner/dummy-scanner';
import type { DummySender } from '../sender/dummy-sender';
import type { Sender } from '../sender/types';
import type { PassthroughService, SimulatedExchange } from '../passthrough';
import type { Store } from '../store/store';
import type { Logger } from '../util/logger';

/**
 * Everything the API services read, built once by src/app.ts. Each service takes a Pick of the
 * members it reads (PublicContext, AdminContext...), so that what it depends on shows in its type.
 */
export interface AppContext {
  config: Config;
  log: Logger;
  store: Store;
  deposits: DepositStore;
  coins: Map<string, DepositCoin>;
  /** Each coin's current rate (config, or set at run time); it writes `coins`' rates. */
  rates: RateBook;
  /** Market-following rates ([[market_rates]]), when configured. */
  marketFeed?: MarketFeed;
  /** The dummy price sources' market, when a `simulated*` source is configured. */
  simulatedMarket?: SimulatedMarket;
  pools: Map<PoolCoin, DepositPool>;
  sender: Sender;
  scanners: Scanner[];
  exchange: Exchange;
  binder: Binder;
  /** Derived pools' index reservations, outside the store (src/pool/reservations.ts). */
  reservations: DeriveReservations;
  dummyScanner?: DummyScanner;
  dummySender?: DummySender;
  /** Present when passthrough deposits can exist. */
  passthrough?: PassthroughService;
  simulatedExchange?: SimulatedExchange;
  /** process.hrtime.bigint() at start, for uptime. */
  startedAt: bigint;
  /** Git commit the build was made from ('' if unknown), as teller's health `version`. */
  version: string;
}

/** The scanner crediting `coin`, if any. */
export const scannerFor = (ctx: Pick<AppContext, 'scanners'>, coin: string): Scanner | undefined =>
  ctx.scanners.find((s) => s.coins.includes(coin));

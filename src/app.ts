import path from 'node:path';
import type { Config } from './config/types';
import { ethAddressError } from './chains/ethereum/address';
import { skycoinAddressError } from './chains/skycoin/address';
import { Binder } from './exchange/binder';
import { depositCoins } from './exchange/coins';
import { DepositStore } from './exchange/deposit-store';
import { Exchange } from './exchange/exchange';
import { RateBook } from './exchange/rates';
import { createMarketFeed, PriceSourceError } from './rates';
import { ConfigError } from './config';
import { adminRouteLabeler, createAdminApp } from './http/admin';
import { createDummyApp } from './http/dummy';
import { dummyExchangeRoutes, dummyMarketRoutes } from './http/dummy-exchange';
import { createMetricsApp, opsAdminRoutes, routeLabeler, withHttpMetrics } from './http/ops';
import { createPublicApp, PUBLIC_API_PATHS } from './http/public';
import { rateAdminRoutes } from './http/rates';
import { OperatorTools, rateGauges, rateObserver, type OperatorToolsOptions } from './ops';
import { reportedLimit } from './http/connection-limit';
import { startServer, type RunningServer } from './http/server';
import { DeriveReservations, reservationPath } from './pool/reservations';
import { DummyScanner } from './scanner/dummy-scanner';
import { createChainScanners } from './scanner/factory';
import type { Scanner } from './scanner/types';
import { DummySender } from './sender/dummy-sender';
import { createSender } from './sender/factory';
import type { Sender } from './sender/types';
import { AdminApiService } from './service/admin';
import type { AppContext } from './service/context';
import { DummyApiService } from './service/dummy';
import { PublicApiService } from './service/public';
import { loadPools } from './service/load-pools';
import { startPipeline } from './pipeline';
import { checkpointPath } from './store/checkpoint';
import { Store } from './store/store';
import {
  createExchangeClient,
  createPassthroughProcessor,
  SimulatedExchange,
  type PassthroughService,
} from './passthrough';
import { TellerError } from './util/errors';
import type { Logger } from './util/logger';

/** Startup failed for a reason the operator must fix (node down, pool invalid...): exit 1. */
export class StartupError extends TellerError {
  constructor(message: string) {
    super('startup_failed', message);
  }
}

export interface AppOptions {
  config: Config;
  dataDir: string;
  log: Logger;
  version: string;
  /** Working directory that relative paths in the config resolve against (teller: the CWD). */
  cwd?: string;
  /** Monitor interval and process metrics (tests). */
  ops?: OperatorToolsOptions;
}

/**
 * The composition root: builds every part in pipeline order (store → pools → sender → scanners →
 * exchange → APIs), wires them, starts them, and stops them in reverse.
 */
export class App {
  private servers: RunningServer[] = [];
  /** Listener name (public, admin, dummy...) → the address it bound. */
  private readonly named = new Map<string, string>();
  /** Metrics, alerts, scheduled backups (src/ops). */
  readonly ops: OperatorTools;

  private constructor(
    readonly ctx: AppContext,
    dataDir: string,
    opsOptions?: OperatorToolsOptions,
  ) {
    this.ops = new OperatorTools(ctx, dataDir, opsOptions);
    ctx.binder.setAlert((message) => this.ops.notifier.notify(`ALERT: ${message}`));
    rateGauges(this.ops.metrics.registry, ctx.rates);
    ctx.marketFeed?.observe(rateObserver(this.ops.metrics.registry, this.ops.notifier));
  }

  static async start(opts: AppOptions): Promise<App> {
    const cwd = opts.cwd ?? process.cwd();
    const dir = path.join(opts.dataDir, opts.config.dbfile);
    const store = await Store.open(dir, {
      checkpoint: checkpointPath(dir),
      onCheckpointError: (err) =>
        opts.log.warn({ err }, 'store checkpoint not written (it trails the store)'),
    });
    let app: App | undefined;
    try {
      app = new App(await build(opts, store, cwd), opts.dataDir, opts.ops);
      await app.run();
      return app;
    } catch (err) {
      await app?.ops.stop();
      await store.close();
      throw err;
    }
  }

  /** Addresses the listeners actually bound (port 0 in the config = an ephemeral port). */
  addresses(): string[] {
    return this.servers.map((s) => `${s.address.host}:${s.address.port}`);
  }

  /** The same, by listener name. */
  listeners(): Record<string, string> {
    return Object.fromEntries(this.named);
  }

  private async run(): Promise<void> {
    const { ctx } = this;
    const { config, log } = ctx;
    await startPipeline(ctx.scanners, ctx.exchange);
    ctx.marketFeed?.start();

    const listen = async (
      name: string,
      app: Parameters<typeof startServer>[0],
      addr: string,
      tls?: { cert: string; key: string },
    ) => {
      const limit = reportedLimit({
        listener: name,
        max: config.web.max_connections,
        log,
        count: (action) => this.ops.metrics.countConnectionLimited(name, action),
      });
      const server = await startServer(app, addr, { limit, ...(tls ? { tls } : {}) });
      this.servers.push(server);
      const address = `${server.address.host}:${server.address.port}`;
      this.named.set(name, address);
      log.info({ listener: name, address }, 'listening');
    };
    const { metrics } = this.ops;
    if (config.metrics.http_addr) {
      const health = { source: ctx, maxLagBlocks: config.notification.scanner_lag_blocks || 6 };
      await listen(
        'metrics',
        createMetricsApp(metrics, health, log.child({ api: 'metrics' })),
        config.metrics.http_addr,
      );
    }
    this.ops.start();
    const publicApp = withHttpMetrics(
      createPublicApp(new PublicApiService(ctx), log.child({ api: 'public' })),
      metrics,
      'public',
      routeLabeler(PUBLIC_API_PATHS),
    );
    if (config.web.http_addr) await listen('public', publicApp, config.web.http_addr);
    if (config.web.https_addr && config.web.tls_cert && config.web.tls_key) {
      await listen('public-https', publicApp, config.web.https_addr, {
        cert: config.web.tls_cert,
        key: config.web.tls_key,
      });
    }
    if (config.admin_panel.host) {
      const alog = log.child({ api: 'admin' });
      const opsRoutes = new Map([
        ...opsAdminRoutes({ store: ctx.store, scanners: ctx.scanners, log: alog }),
        ...rateAdminRoutes(ctx.rates, alog, () => ctx.marketFeed?.status() ?? []),
      ]);
      const adminApp = createAdminApp(new AdminApiService(ctx), config, alog, opsRoutes);
      const labels = adminRouteLabeler(opsRoutes.keys());
      await listen('admin', withHttpMetrics(adminApp, metrics, 'admin', labels), config.admin_panel.host);
    }
    if (config.dummy.scanner || config.dummy.sender || ctx.simulatedExchange) {
      const dlog = log.child({ api: 'dummy' });
      const extra = new Map([
        ...(ctx.simulatedExchange ? dummyExchangeRoutes(ctx.simulatedExchange, dlog) : []),
        ...(ctx.simulatedMarket ? dummyMarketRoutes(ctx.simulatedMarket, dlog) : []),
      ]);
      await listen(
        'dummy',
        createDummyApp(new DummyApiService(ctx), config, dlog, extra),
        config.dummy.http_addr,
      );
    }
  }

  /** Stops listeners, scanners, in-flight deposit steps, the sender, then closes the store. */
  async stop(): Promise<void> {
    const { ctx } = this;
    await Promise.allSettled(this.servers.map((s) => s.close()));
    // Before the pipeline and the store: a scheduled backup in flight finishes, alerts get a flush.
    await this.ops.stop();
    await ctx.marketFeed?.stop();
    await Promise.allSettled(ctx.scanners.map((s) => s.stop()));
    await ctx.exchange.stop();
    await ctx.sender.close?.();
    await ctx.store.close();
    // Only now is every bind either in the store or never handed out: the next start may resume
    // at the store's derived indexes instead of past the reserved ones.
    await ctx.reservations.stopped(ctx.store.state());
    ctx.log.info('teller stopped');
  }
}

async function build(opts: AppOptions, store: Store, cwd: string): Promise<AppContext> {
  const { config, log } = opts;
  // Before anything writes: a clean stop is recognised by the exact store state it left.
  const atOpen = store.state();
  const deposits = new DepositStore(store);
  await deposits.open();
  const coins = depositCoins(config);
  // Before anything reads a coin's rate: a rate set at run time replaces the config's.
  const rlog = log.child({ part: 'rates' });
  const rates = await RateBook.open(deposits, coins, rlog, new Set(config.market_rates.map((m) => m.coin)));
  const { feed: marketFeed, market: simulatedMarket } = await marketFeedOf(config, rates, rlog);
  const reservations = DeriveReservations.read(reservationPath(store.dir));
  const pools = await loadPools({
    config,
    coins,
    deposits,
    store,
    reservations,
    atOpen,
    cwd,
    log,
    build: opts.version,
  });

  let dummySender: DummySender | undefined;
  let sender: Sender;
  if (config.dummy.sender) {
    dummySender = await DummySender.open(store, dummyPayoutCoin(config));
    sender = dummySender;
  } else {
    sender = await createSender({ config, store, log: log.child({ part: 'sender' }) });
  }

  let dummyScanner: DummyScanner | undefined;
  let scanners: Scanner[];
  if (config.dummy.scanner) {
    const enabled = new Map([...coins].filter(([, c]) => c.enabled));
    dummyScanner = new DummyScanner(
      enabled,
      config.btc_scanner.network,
      log.child({ part: 'dummy-scanner' }),
    );
    scanners = [dummyScanner];
  } else {
    scanners = createChainScanners({ config, store, log });
  }
  const scannerOf = (coin: string) => scanners.find((s) => s.coins.includes(coin));
  for (const [symbol, c] of coins) {
    if (c.enabled && !scannerOf(symbol))
      throw new StartupError(`${symbol} deposits are enabled but no scanner handles them`);
  }
  for (const b of await deposits.boundAddresses()) scannerOf(b.coin)?.watch(b.coin, b.address);

  const { passthrough, simulatedExchange } = await buildPassthrough(
    config,
    store,
    deposits,
    coins,
    sender,
    log,
  );
  const exchange = new Exchange({
    config,
    deposits,
    sender,
    coins,
    passthrough,
    log: log.child({ part: 'exchange' }),
  });
  const binder = new Binder({
    config,
    deposits,
    pools,
    coins,
    onBound: (coin, address) => scannerOf(coin)?.watch(coin, address),
    ratePaused: (coin) => rates.pausedReason(coin),
    log: log.child({ part: 'bind' }),
  });
  return {
    config,
    log,
    store,
    deposits,
    coins,
    rates,
    marketFeed,
    simulatedMarket,
    pools,
    sender,
    scanners,
    exchange,
    binder,
    reservations,
    dummyScanner,
    dummySender,
    passthrough,
    simulatedExchange,
    startedAt: process.hrtime.bigint(),
    version: opts.version,
  };
}

/** The market feed of config.market_rates; an unknown ccxt id is a config problem (exit 2). */
async function marketFeedOf(
  config: Config,
  rates: RateBook,
  log: Logger,
): ReturnType<typeof createMarketFeed> {
  try {
    return await createMarketFeed(config, rates, log);
  } catch (err) {
    if (err instanceof PriceSourceError)
      throw new ConfigError([`market_rates: ${err.message}`], [], { cause: err });
    throw err;
  }
}

/**
 * The passthrough exchange, when buy_method is passthrough or passthrough deposits are still
 * unfinished (the operator switched back to direct: those finish as passthrough, as they were bound).
 */
async function buildPassthrough(
  config: Config,
  store: Store,
  deposits: DepositStore,
  coins: ReturnType<typeof depositCoins>,
  sender: Sender,
  log: Logger,
): Promise<{ passthrough?: PassthroughService; simulatedExchange?: SimulatedExchange }> {
  const unfinished =
    (await deposits.idsWithStatus('waiting_passthrough')).length +
    (await deposits.idsWithStatus('waiting_passthrough_order_complete')).length;
  if (config.sky_exchanger.buy_method !== 'passthrough' && unfinished === 0) return {};
  // The config check covers buy_method passthrough; unfinished orders left by an earlier run too.
  if (config.sky_exchanger.passthrough.exchange === 'simulated' && !config.dummy.sender) {
    throw new StartupError(
      `${unfinished} passthrough deposits are unfinished on the simulated exchange, whose price anyone on the dummy API sets: ` +
        'they cannot be paid from a real sender (set dummy.sender = true to finish them, or settle them by hand)',
    );
  }
  const plog = log.child({ part: 'passthrough' });
  const client = await createExchangeClient({ config, store, log: plog });
  const passthrough = createPassthroughProcessor({
    config,
    deposits,
    store,
    client,
    coins,
    payoutDecimals: sender.decimals,
    log: plog,
  });
  return { passthrough, simulatedExchange: client instanceof SimulatedExchange ? client : undefined };
}

function dummyPayoutCoin(config: Config): {
  coin: string;
  decimals: number;
  addressError: (a: string) => string | null;
} {
  switch (config.payout.coin) {
    case 'SKY':
      return { coin: 'SKY', decimals: 6, addressError: skycoinAddressError };
    case 'ETH':
      return { coin: 'ETH', decimals: 18, addressError: ethAddressError };
    case 'ERC20':
      return { coin: 'ERC20', decimals: config.payout.evm.decimals, addressError: ethAddressError };
  }
}

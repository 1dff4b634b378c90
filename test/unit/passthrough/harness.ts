import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../../src/config/load';
import type { Config } from '../../../src/config/types';
import { depositCoins } from '../../../src/exchange/coins';
import { DepositStore } from '../../../src/exchange/deposit-store';
import { Exchange } from '../../../src/exchange/exchange';
import type { StoredStatus } from '../../../src/core/deposit';
import type { DepositRecord } from '../../../src/exchange/types';
import { simulatedOptions } from '../../../src/passthrough/simulated-options';
import { getLedger } from '../../../src/passthrough/ledger';
import { createPassthroughProcessor, type PassthroughService } from '../../../src/passthrough/processor';
import {
  SimulatedExchange,
  type SimulatedExchangeOptions,
} from '../../../src/passthrough/simulated-exchange';
import type { ExchangeClient, PassthroughLedger } from '../../../src/passthrough/types';
import { DummySender } from '../../../src/sender/dummy-sender';
import { Store } from '../../../src/store/store';
import { silentLogger } from '../../../src/util/logger';
import { until as untilHolds, untilValue } from '../../helpers/until';

/**
 * A passthrough daemon in miniature, built as app.ts builds it but without listeners: a real
 * Store in a temp dir, the real DepositStore, Exchange and DummySender, the simulated exchange and
 * the processor. `crash()` + `boot()` is a restart: everything is rebuilt from the store.
 */

export const SKY_ADDR = '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X';

export function passthroughConfig(patch: (c: Config) => void = () => undefined): Config {
  const c = defaultConfig();
  c.dummy.scanner = true;
  c.dummy.sender = true;
  c.sky_exchanger.buy_method = 'passthrough';
  c.sky_exchanger.sky_btc_exchange_rate = '500';
  c.sky_exchanger.tx_confirmation_check_wait_ms = 20;
  c.sky_exchanger.c2cx.request_failure_wait_ms = 20;
  c.sky_exchanger.c2cx.ratelimit_wait_ms = 40;
  c.sky_exchanger.c2cx.check_order_wait_ms = 20;
  patch(c);
  return c;
}

export interface Daemon {
  store: Store;
  deposits: DepositStore;
  sender: DummySender;
  sim: SimulatedExchange;
  processor: PassthroughService;
  exchange: Exchange;
}

export interface HarnessOptions {
  config?: Config;
  sim?: Partial<SimulatedExchangeOptions>;
  /** Wraps the simulated exchange as the processor sees it (fault injection). */
  wrap?: (sim: SimulatedExchange) => ExchangeClient;
}

export class Harness {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'teller-passthrough-'));
  config: Config;
  /** Fault injection for the next boot (see HarnessOptions.wrap). */
  wrap: HarnessOptions['wrap'];
  private daemon: Daemon | undefined;
  private seq = 0;

  constructor(private readonly opts: HarnessOptions = {}) {
    this.config = opts.config ?? passthroughConfig();
    this.wrap = opts.wrap;
  }

  static async start(opts: HarnessOptions = {}): Promise<Harness> {
    const h = new Harness(opts);
    await h.boot();
    return h;
  }

  get d(): Daemon {
    if (!this.daemon) throw new Error('daemon is not running');
    return this.daemon;
  }

  async boot(config: Config = this.config): Promise<Daemon> {
    this.config = config;
    const log = silentLogger();
    const store = await Store.open(this.dir);
    const deposits = new DepositStore(store);
    await deposits.open();
    const sender = await DummySender.open(store, { coin: 'SKY', decimals: 6, addressError: () => null });
    const sim = await SimulatedExchange.open(store, { ...simulatedOptions(config), ...this.opts.sim });
    const client = this.wrap ? this.wrap(sim) : sim;
    const processor = createPassthroughProcessor({
      config,
      deposits,
      store,
      client,
      log,
      payoutDecimals: sender.decimals,
    });
    const coins = depositCoins(config);
    const exchange = new Exchange({ config, deposits, sender, coins, log, passthrough: processor });
    await exchange.start();
    this.daemon = { store, deposits, sender, sim, processor, exchange };
    return this.daemon;
  }

  /** Stops the daemon as a kill would leave it: in-flight steps finish, nothing else runs. */
  async crash(): Promise<void> {
    const d = this.d;
    this.daemon = undefined;
    await d.exchange.stop();
    await d.store.close();
  }

  async close(): Promise<void> {
    if (this.daemon) await this.crash();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Binds a fresh deposit address (buy method passthrough) and delivers a deposit to it. */
  async deposit(value: bigint, coin = 'BTC'): Promise<string> {
    const n = ++this.seq;
    const address = `deposit-address-${n}`;
    await this.d.deposits.bind(SKY_ADDR, coin, 'BTC', address, 'passthrough');
    const tx = `${String(n).padStart(4, '0')}${'ab'.repeat(30)}`;
    await this.d.exchange.receive({ coin_type: coin, address, value, height: 100 + n, tx, n: 0 });
    return `${tx}:0`;
  }

  async get(id: string): Promise<DepositRecord> {
    const rec = await this.d.deposits.get(id);
    if (!rec) throw new Error(`deposit ${id} not found`);
    return rec;
  }

  ledger(id: string): Promise<PassthroughLedger | undefined> {
    return getLedger(this.d.store, id);
  }

  /** Polls the deposit until `pred` holds (or fails the test with the last record seen). */
  async waitFor(
    id: string,
    pred: (r: DepositRecord) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<DepositRecord> {
    const rec = await untilValue(
      what,
      () => this.d.deposits.get(id),
      (r) => r !== undefined && pred(r),
      timeoutMs,
      10,
    );
    return rec as DepositRecord;
  }

  waitStatus(id: string, status: StoredStatus): Promise<DepositRecord> {
    return this.waitFor(id, (r) => r.status === status, status);
  }

  /** The order is settled (the deposit may already be further along). */
  waitSettled(id: string): Promise<DepositRecord> {
    return this.waitFor(id, (r) => r.passthrough.order.final && r.error === '', 'the order to settle');
  }

  waitError(id: string): Promise<DepositRecord> {
    return this.waitFor(id, (r) => r.error !== '', 'an error');
  }

  waitLastError(id: string, text: string): Promise<DepositRecord> {
    return this.waitFor(id, (r) => r.last_error === text, `last_error "${text}"`);
  }

  /** Confirms every dummy payout as it is broadcast until the deposit is done. */
  async payOut(id: string): Promise<DepositRecord> {
    const rec = await this.waitFor(
      id,
      (r) => r.status === 'waiting_confirm' || r.status === 'done',
      'the payout',
    );
    if (rec.status === 'done') return rec;
    await this.waitFor(id, () => this.d.sender.list().some((t) => t.txid === rec.txid), 'its broadcast');
    for (const tx of this.d.sender.list()) await this.d.sender.confirm(tx.txid, undefined);
    return this.waitStatus(id, 'done');
  }

  async events(id: string): Promise<string[]> {
    return (await this.d.deposits.events(id)).map((e) => `${e.from ?? '-'} -> ${e.to}: ${e.note}`);
  }
}

/** The simulated exchange behind a client whose calls can be replaced one by one. */
export function faulty(sim: SimulatedExchange, over: Partial<ExchangeClient>): ExchangeClient {
  return {
    name: sim.name,
    requestExpiryMs: over.requestExpiryMs ?? sim.requestExpiryMs,
    market: over.market ?? ((s) => sim.market(s)),
    balance: over.balance ?? ((c) => sim.balance(c)),
    marketBuy: over.marketBuy ?? ((r) => sim.marketBuy(r)),
    fetchOrderByClientId: over.fetchOrderByClientId ?? ((c, s) => sim.fetchOrderByClientId(c, s)),
    fetchOrder: over.fetchOrder ?? ((o, s) => sim.fetchOrder(o, s)),
  };
}

/** `until` (test/helpers/until.ts) with the condition first. */
export const until = (pred: () => Promise<boolean>, what: string, timeoutMs?: number): Promise<void> =>
  untilHolds(what, pred, timeoutMs, 10);

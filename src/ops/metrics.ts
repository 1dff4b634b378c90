import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { formatUnits } from '../core/amounts';
import { STATUSES, type StoredStatus } from '../core/deposit';
import type { Logger } from '../util/logger';
import { EventTally } from './event-tally';
import { withTimeout, type OpsSource } from './source';

/**
 * Prometheus metrics, one Registry per TellerMetrics (never prom-client's global registry, so that
 * tests and several apps in one process do not collide). Names are prefixed `teller_`.
 *
 * State the daemon already holds (scanner heights, pools, hot wallet, deposits by status, payouts)
 * is read at scrape time; events (HTTP requests, alert deliveries, connection limits) are counted
 * as they happen through countHttp / countNotification / countConnectionLimited. There are no RPC
 * latency or error series: no RPC client recorded them (a node's trouble shows in
 * teller_scanner_error and /api/health).
 */

/** The hot wallet is asked at scrape time; a node that hangs must not hang the scrape. */
const BALANCE_TIMEOUT_MS = 5_000;

export type NotificationResult = 'sent' | 'failed' | 'dropped';

export interface MetricsOptions {
  /** The daemon's state, read at scrape time; or attach it later with watch(). */
  source?: OpsSource;
  log: Logger;
  /** Build commit, as `teller_build_info{version}`. */
  version?: string;
  /** Node.js process metrics (CPU, memory, event loop lag, GC) under `teller_`; default true. */
  processMetrics?: boolean;
}

const STORED_STATUSES = STATUSES.filter((s): s is StoredStatus => s !== 'waiting_deposit');

export class TellerMetrics {
  readonly registry = new Registry();
  /**
   * teller_http_requests_total's counts by `api route status`, handed to the counter at scrape
   * time: prom-client's inc() hashes and checks its labels on every call, a cost per request.
   */
  private readonly httpCounts = new Map<
    string,
    { labels: Record<'api' | 'route' | 'status', string>; n: number }
  >();
  private readonly notifications: Counter<'result'>;
  private readonly connections: Counter<'listener' | 'action'>;
  private watching = false;

  /** Counters of events (HTTP, alerts) exist at once; the state gauges come with `watch(source)`. */
  constructor(private readonly opts: MetricsOptions) {
    const registers = [this.registry];
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'teller_' });
    new Gauge({
      name: 'teller_build_info',
      help: 'Always 1; the build commit as a label',
      labelNames: ['version'],
      registers,
    }).set({ version: opts.version ?? '' }, 1);
    const httpCounts = this.httpCounts;
    new Counter({
      name: 'teller_http_requests_total',
      help: 'HTTP requests by API, teller route and status code',
      labelNames: ['api', 'route', 'status'],
      collect() {
        this.reset();
        for (const { labels, n } of httpCounts.values()) this.inc(labels, n);
      },
      registers,
    });
    this.notifications = new Counter({
      name: 'teller_notifications_total',
      help: 'Operator alerts by delivery result',
      labelNames: ['result'],
      registers,
    });
    this.connections = new Counter({
      name: 'teller_http_connections_limited_total',
      help: 'Connections at a listener cap (web.max_connections): refused (all busy) or idle ones closed to make room',
      labelNames: ['listener', 'action'],
      registers,
    });
    if (opts.source) this.watch(opts.source);
  }

  /** Registers the gauges read from the running daemon at scrape time (once). */
  watch(source: OpsSource): void {
    if (this.watching) return;
    this.watching = true;
    this.scannerGauges(source);
    this.depositGauges(source);
    this.walletGauges(source);
    this.poolGauges(source);
  }

  private depositGauges(source: OpsSource): void {
    const registers = [this.registry];
    const tally = new EventTally(source.store);
    const deposits = new Gauge({
      name: 'teller_deposits',
      help: 'Deposits by stored status',
      labelNames: ['status'],
      registers,
      collect: async () => {
        await tally.catchUp();
        for (const s of STORED_STATUSES) deposits.set({ status: s }, tally.byStatus(s));
      },
    });
    new Gauge({
      name: 'teller_deposits_errored',
      help: 'Deposits with a permanent error, waiting for an operator',
      registers,
      collect() {
        this.set(source.deposits.errored.size);
      },
    });
    // Counters fed from the event log's history: they count the whole data dir, not this process.
    let sentShown = 0;
    const sent = new Counter({
      name: 'teller_payouts_sent_total',
      help: 'Payouts signed, stored and broadcast (waiting_send -> waiting_confirm)',
      registers,
      collect: async () => {
        await tally.catchUp();
        sent.inc(tally.payoutsSent - sentShown);
        sentShown = tally.payoutsSent;
      },
    });
    let confirmedShown = 0;
    const confirmed = new Counter({
      name: 'teller_payouts_confirmed_total',
      help: 'Payouts confirmed on the payout chain (waiting_confirm -> done)',
      registers,
      collect: async () => {
        await tally.catchUp();
        confirmed.inc(tally.payoutsConfirmed - confirmedShown);
        confirmedShown = tally.payoutsConfirmed;
      },
    });
  }

  private poolGauges(source: OpsSource): void {
    const registers = [this.registry];
    new Gauge({
      name: 'teller_pool_remaining',
      help: 'Unused deposit addresses per pool',
      labelNames: ['coin'],
      registers,
      collect() {
        for (const [coin, pool] of source.pools) this.set({ coin }, pool.remaining());
      },
    });
    new Gauge({
      name: 'teller_pool_total',
      help: 'Deposit addresses per pool',
      labelNames: ['coin'],
      registers,
      collect() {
        for (const [coin, pool] of source.pools) this.set({ coin }, pool.total());
      },
    });
  }

  private scannerGauges(source: OpsSource): void {
    const registers = [this.registry];
    const perScanner = (
      name: string,
      help: string,
      value: (s: ReturnType<OpsSource['scanners'][number]['status']>) => number,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ['chain'],
        registers,
        collect() {
          this.reset();
          for (const sc of source.scanners) {
            const s = sc.status();
            this.set({ chain: s.chain }, value(s));
          }
        },
      });
    perScanner(
      'teller_scanner_height',
      'Last block the scanner processed (-1 before the first)',
      (s) => s.height,
    );
    perScanner(
      'teller_chain_tip',
      "Node's tip height as the scanner last saw it (-1 if never reached)",
      (s) => s.tip,
    );
    perScanner('teller_scanner_lag_blocks', 'Blocks between the scanner and the tip', (s) => s.lag);
    perScanner('teller_scanner_error', '1 while the last poll failed', (s) => (s.last_error === '' ? 0 : 1));
    perScanner('teller_scanner_alert', '1 while a deep reorg alert is raised', (s) =>
      s.alert === '' ? 0 : 1,
    );
  }

  private walletGauges(source: OpsSource): void {
    const { log } = this.opts;
    const registers = [this.registry];
    new Gauge({
      name: 'teller_hot_wallet_balance',
      help: 'Hot wallet balance in payout coins (absent while the node cannot be asked)',
      labelNames: ['coin'],
      registers,
      async collect() {
        this.reset();
        try {
          const { coins } = await withTimeout(
            source.sender.balance(),
            BALANCE_TIMEOUT_MS,
            'hot wallet balance',
          );
          this.set({ coin: source.sender.coin }, Number(formatUnits(coins, source.sender.decimals)));
        } catch (err) {
          log.debug({ err }, 'metrics: hot wallet balance unavailable');
        }
      },
    });
    new Gauge({
      name: 'teller_sold_out',
      help: '1 while the hot wallet cannot cover a payout',
      registers,
      collect() {
        this.set(source.exchange.soldOut ? 1 : 0);
      },
    });
    new Gauge({
      name: 'teller_payouts_at_fee_ceiling',
      help:
        'EVM payouts waiting at the fee ceiling (payout.evm.max_fee_per_gas), counting new payouts ' +
        'held for the network fee as one',
      labelNames: ['kind'],
      registers,
      collect() {
        const keys = [...(source.sender.feeAlerts?.().keys() ?? [])];
        const held = keys.filter((k) => k === 'fee_ceiling:new_payouts').length;
        this.set({ kind: 'new' }, held);
        this.set({ kind: 'stuck' }, keys.length - held);
      },
    });
  }

  /** Records one HTTP request; `route` is a teller route or 'static' / 'other', never a raw path. */
  countHttp(api: string, route: string, status: number): void {
    const key = `${api} ${route} ${status}`;
    const count = this.httpCounts.get(key);
    if (count !== undefined) count.n++;
    else this.httpCounts.set(key, { labels: { api, route, status: String(status) }, n: 1 });
  }

  /** A listener at its connection cap refused a connection, or closed an idle one for it. */
  countConnectionLimited(listener: string, action: 'refused' | 'evicted'): void {
    this.connections.inc({ listener, action });
  }

  countNotification(result: NotificationResult): void {
    this.notifications.inc({ result });
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

import { formatGoDurationNs } from '../config/duration';
import { formatUnits, rateForOneCoin, SKY_DISPLAY_DECIMALS } from '../core/amounts';
import type { DepositRecord } from '../exchange/types';
import type { BindResult, HealthBody, PublicService, StatusDetail, StatusEntry } from '../http/services';
import { scannerFor, type AppContext } from './context';

const nowSec = (): number => Math.floor(Date.now() / 1000);

/** Sold out: the sender said the wallet cannot pay, or the wallet is empty. */
export const EMPTY_WALLET_ERROR = 'hot wallet is empty: sold out';

/** What the public API reads of the daemon. */
export type PublicContext = Pick<
  AppContext,
  | 'config'
  | 'coins'
  | 'rates'
  | 'pools'
  | 'binder'
  | 'deposits'
  | 'scanners'
  | 'sender'
  | 'exchange'
  | 'log'
  | 'version'
  | 'startedAt'
>;

/** The public API's view of the daemon (teller's /api/bind, status, config, health). */
export class PublicApiService implements PublicService {
  /**
   * /api/config's body per sold-out state: the rest comes from the config, fixed at start, and
   * the rates cost big.js maths. The same object each time lets the HTTP layer reuse its encoding.
   */
  private readonly configBodies = new Map<boolean, object>();
  /** The rates' version the cached bodies were made with (a rate set at run time shows at once). */
  private configRatesVersion = 0;

  constructor(private readonly ctx: PublicContext) {}

  get config() {
    return this.ctx.config;
  }

  coinState(coin: string): 'enabled' | 'disabled' | 'unknown' {
    const c = this.ctx.coins.get(coin);
    if (!c) return 'unknown';
    return c.enabled ? 'enabled' : 'disabled';
  }

  validatePayoutAddress(addr: string): string | null {
    return this.ctx.sender.validateAddress(addr);
  }

  async bind(payoutAddress: string, coin: string, client?: string): Promise<BindResult> {
    const b = await this.ctx.binder.bind(payoutAddress, coin, client);
    return { deposit_address: b.address, coin_type: b.coin_type, buy_method: b.buy_method };
  }

  async statuses(payoutAddress: string): Promise<StatusEntry[]> {
    const entries: Omit<StatusEntry, 'seq'>[] = [];
    for (const { coin, deposits } of this.ctx.deposits.statusView(payoutAddress)) {
      if (deposits.length === 0)
        entries.push({ updated_at: nowSec(), status: 'waiting_deposit', coin_type: coin });
      for (const d of deposits) entries.push({ updated_at: d.updated_at, status: d.status, coin_type: coin });
    }
    // Array.prototype.sort is stable: equal times keep binding then recording order.
    entries.sort((a, b) => a.updated_at - b.updated_at);
    return entries.map((e, seq) => ({ seq, ...e }));
  }

  statusStamp(payoutAddress: string, detail: boolean): number {
    let stamp = this.ctx.deposits.statusStamp(payoutAddress);
    // Every count here only grows: the sum changes whenever one of them does.
    if (detail) for (const s of this.ctx.scanners) stamp += s.pendingStamp();
    return stamp;
  }

  async statusDetail(payoutAddress: string): Promise<StatusDetail> {
    const { sender } = this.ctx;
    const rows: StatusDetail['deposits'][number][] = [];
    for (const b of this.ctx.deposits.detailView(payoutAddress)) {
      const coin = this.ctx.coins.get(b.coin);
      const decimals = coin?.decimals ?? 0;
      const required = coin?.confirmations_required ?? 0;
      const row = (status: string, confirmations: number, value: string, d?: DepositRecord) => ({
        coin_type: b.coin,
        deposit_address: b.address,
        status,
        confirmations,
        confirmations_required: required,
        deposit_value: value,
        payout_value: d && d.sky_sent > 0n ? formatUnits(d.sky_sent, sender.decimals) : '',
        payout_coin: sender.coin,
        payout_txid: d?.txid ?? '',
        error: d?.error ?? '',
        updated_at: d?.updated_at ?? nowSec(),
      });
      const recorded = b.deposits;
      // The ETH scanner also reports other assets sent to the address (a wrong asset): not this row's.
      const pending = (scannerFor(this.ctx, b.coin)?.pending(b.address) ?? []).filter(
        (p) => p.deposit.coin_type === b.coin,
      );
      for (const p of pending) {
        rows.push(row('waiting_deposit', p.confirmations, formatUnits(p.deposit.value, decimals)));
      }
      for (const d of recorded)
        rows.push(row(d.status, Math.max(required, 1), formatUnits(d.deposit_value, decimals), d));
      if (recorded.length === 0 && pending.length === 0) rows.push(row('waiting_deposit', 0, ''));
    }
    return { deposits: rows };
  }

  async publicConfig(): Promise<object> {
    const { soldOut } = await this.wallet();
    if (this.ctx.rates.version !== this.configRatesVersion) {
      this.configBodies.clear();
      this.configRatesVersion = this.ctx.rates.version;
    }
    let body = this.configBodies.get(soldOut);
    if (body === undefined) {
      body = Object.freeze(this.configBody(soldOut));
      this.configBodies.set(soldOut, body);
    }
    return body;
  }

  private configBody(soldOut: boolean): object {
    const { config: cfg, coins, sender } = this.ctx;
    const ex = cfg.sky_exchanger;
    const deposits: Record<string, object> = {};
    for (const c of [...coins.values()].sort((a, b) =>
      a.symbol.toLowerCase() < b.symbol.toLowerCase() ? -1 : 1,
    )) {
      deposits[c.symbol.toLowerCase()] = {
        enabled: c.enabled,
        confirmations_required: c.confirmations_required,
        // teller shows SKY's rate as the raw config string and computes the others for 1 coin.
        fixed_exchange_rate:
          c.symbol === 'SKY' ? c.rate : rateForOneCoin(c.rate, c.decimals, ex.max_decimals, sender.decimals),
        passthrough_minimum_volume: c.symbol === 'BTC' ? ex.c2cx.btc_minimum_volume : '0',
      };
    }
    return {
      enabled: cfg.teller.bind_enabled,
      buy_method: ex.buy_method,
      max_bound_addrs: cfg.teller.max_bound_addrs,
      max_decimals: ex.max_decimals,
      deposits,
      payout_coin: sender.coin,
      sold_out: soldOut,
      // Only once a rate differs from the config's: until then the body is teller's (plus the above).
      ...(this.ctx.rates.allFromConfig() ? {} : { rates: this.ratesView() }),
    };
  }

  /** Per coin (lower case, as `deposits`): where the rate comes from, since when, why binds pause. */
  private ratesView(): Record<string, object> {
    const out: Record<string, object> = {};
    for (const s of this.ctx.rates
      .list()
      .sort((a, b) => (a.coin.toLowerCase() < b.coin.toLowerCase() ? -1 : 1)))
      out[s.coin.toLowerCase()] = { source: s.source, updated_at: s.updated_at, paused: s.paused };
    return out;
  }

  /** The hot wallet's balance (0 if the lookup fails), and whether the service is sold out. */
  private async wallet(): Promise<{ coins: bigint; hours: bigint; soldOut: boolean }> {
    try {
      const { coins, hours } = await this.ctx.sender.balance();
      return { coins, hours, soldOut: this.ctx.exchange.soldOut || coins === 0n };
    } catch (err) {
      this.ctx.log.warn({ err }, 'hot wallet balance lookup failed');
      return { coins: 0n, hours: 0n, soldOut: this.ctx.exchange.soldOut };
    }
  }

  async health(): Promise<HealthBody> {
    const { exchange, sender } = this.ctx;
    const { coins, hours, soldOut } = await this.wallet();
    const senderError = exchange.senderError || (soldOut ? EMPTY_WALLET_ERROR : '');
    const shown = sender.coin === 'SKY' ? SKY_DISPLAY_DECIMALS : sender.decimals;
    return {
      status: 'OK',
      application: 'teller',
      version: this.ctx.version,
      uptime: formatGoDurationNs(process.hrtime.bigint() - this.ctx.startedAt),
      exchange: {
        buy_method: this.ctx.config.sky_exchanger.buy_method,
        processor_error: exchange.processorError,
        sender_error: senderError,
        balance: { coins: formatUnits(coins, sender.decimals, shown), hours: String(hours) },
        deposit_error_count: this.ctx.deposits.errored.size,
      },
      sold_out: soldOut,
      scanners: this.ctx.scanners.map((s) => s.status()),
      pools: Object.fromEntries(
        [...this.ctx.pools].map(([c, p]) => [c, { used: p.usedCount(), remaining: p.remaining() }]),
      ),
    };
  }
}

import type { Config } from '../config/types';
import type { NonceGap } from '../sender/types';
import { formatUnits, parseUnits } from '../core/amounts';
import type { Logger } from '../util/logger';
import type { Notifier } from './notifier';
import { withTimeout, type OpsSource } from './source';

/**
 * Periodic checks that raise operator alerts: one message when a condition starts, one "resolved"
 * message when it ends, nothing in between however many checks see it. Conditions:
 *
 *   hot_wallet_low            balance < notification.hot_wallet_low ("0" = off)
 *   sold_out                  the hot wallet could not cover a payout
 *   pool_low:<coin>           unused addresses < notification.pool_low (0 = off)
 *   scanner_lag:<chain>       lag > notification.scanner_lag_blocks (0 = off)
 *   scanner_stalled:<chain>   no height progress for `stallChecks` checks while behind or failing
 *   scanner_alert:<chain>:…   the scanner's own alert (a reorg deeper than the confirmations)
 *   deposit_error:<id>        a deposit stopped with a permanent error (until retried); one done
 *                             with an error (a payout that rounds to nothing) is announced once
 *   fee_ceiling:…             EVM: a payout waits at the fee ceiling, or new payouts wait for
 *                             the network's fee to fall under it (the sender's conditions)
 *   nonce_gap:<nonce>         EVM: the lowest unmined nonce holds a payout the node does not have;
 *                             at once when its deposit errored (nothing will send it), else after
 *                             `stallChecks` checks seeing the same gap
 *
 * A check whose data cannot be read (the node does not answer the balance) keeps its alerts as
 * they are rather than resolving them. Alert state is in memory: after a restart, conditions that
 * still hold are announced again.
 */

const DEFAULT_INTERVAL_MS = 30_000;
/** 10 checks of 30 s: a scanner without progress for 5 minutes while behind is stalled. */
const DEFAULT_STALL_CHECKS = 10;
const BALANCE_TIMEOUT_MS = 10_000;
const GAP_TIMEOUT_MS = 10_000;

export interface MonitorOptions {
  source: OpsSource;
  notification: Config['notification'];
  notifier: Pick<Notifier, 'notify'>;
  log: Logger;
  intervalMs?: number;
  stallChecks?: number;
}

export interface ActiveAlert {
  key: string;
  message: string;
  /** Unix ms when it was raised. */
  since: number;
}

/** Current conditions of one check, by key; undefined when the check could not tell. */
type Conditions = Map<string, string> | undefined;

interface Progress {
  height: number;
  /** Consecutive checks without progress while behind or failing. */
  still: number;
}

/** `notification.hot_wallet_low` in base units; digits beyond the coin's decimals are dropped. */
export function thresholdUnits(decimal: string, decimals: number): bigint {
  const [int = '0', frac = ''] = decimal.split('.');
  return parseUnits(frac === '' ? int || '0' : `${int || '0'}.${frac.slice(0, decimals) || '0'}`, decimals);
}

export class Monitors {
  private readonly active = new Map<string, ActiveAlert>();
  private readonly progress = new Map<string, Progress>();
  private controller: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  /** Deposits done with an error already announced (or there before the first check). */
  private doneWithError: Set<string> | null = null;
  /** The nonce gap seen at the last checks, and how many checks in a row saw it. */
  private gapSeen: { nonce: number; checks: number } | null = null;

  constructor(private readonly opts: MonitorOptions) {}

  /** Starts checking every interval (the first check at once). */
  start(): void {
    if (this.controller) return;
    this.controller = new AbortController();
    this.schedule(0, this.controller.signal);
  }

  /** Stops the loop; resolves once a running check has finished. */
  async stop(): Promise<void> {
    this.controller?.abort();
    this.controller = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  activeAlerts(): ActiveAlert[] {
    return [...this.active.values()];
  }

  private schedule(delayMs: number, signal: AbortSignal): void {
    if (signal.aborted) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.inFlight) return;
      this.inFlight = this.check()
        .catch((err: unknown) => this.opts.log.warn({ err }, 'monitor check failed'))
        .finally(() => {
          this.inFlight = null;
          this.schedule(this.opts.intervalMs ?? DEFAULT_INTERVAL_MS, signal);
        });
    }, delayMs);
  }

  /** One round of every check (public for tests and an on-demand admin check). */
  async check(): Promise<void> {
    const categories: [string, Conditions][] = [
      ['hot_wallet_low', await this.hotWallet()],
      ['sold_out', this.soldOut()],
      ['pool_low', this.pools()],
      ['scanner_lag', this.scannerLag()],
      ['scanner_stalled', this.scannerStalled()],
      ['scanner_alert', this.scannerAlerts()],
      ['deposit_error', await this.erroredDeposits()],
      ['fee_ceiling', this.feeCeiling()],
      ['nonce_gap', await this.nonceGap()],
    ];
    for (const [category, now] of categories) if (now !== undefined) this.reconcile(category, now);
  }

  /** Raises the new conditions of `category` and resolves those that are gone. */
  private reconcile(category: string, now: Map<string, string>): void {
    const { log, notifier } = this.opts;
    for (const [key, alert] of this.active) {
      if (!inCategory(key, category) || now.has(key)) continue;
      this.active.delete(key);
      log.info({ alert: key }, `resolved: ${alert.message}`);
      notifier.notify(`RESOLVED: ${alert.message}`);
    }
    for (const [key, message] of now) {
      if (this.active.has(key)) continue;
      this.active.set(key, { key, message, since: Date.now() });
      log.error({ alert: key }, message);
      notifier.notify(`ALERT: ${message}`);
    }
  }

  private async hotWallet(): Promise<Conditions> {
    const { sender } = this.opts.source;
    const setting = this.opts.notification.hot_wallet_low;
    const threshold = thresholdUnits(setting, sender.decimals);
    if (threshold === 0n) return new Map();
    let coins: bigint;
    try {
      ({ coins } = await withTimeout(sender.balance(), BALANCE_TIMEOUT_MS, 'hot wallet balance'));
    } catch (err) {
      this.opts.log.warn({ err }, 'monitor: hot wallet balance unavailable');
      return undefined;
    }
    if (coins >= threshold) return new Map();
    const shown = formatUnits(coins, sender.decimals).replace(/\.?0+$/, '');
    return new Map([
      [
        'hot_wallet_low',
        `hot wallet holds ${shown} ${sender.coin}, below notification.hot_wallet_low = ${setting}`,
      ],
    ]);
  }

  private soldOut(): Conditions {
    if (!this.opts.source.exchange.soldOut) return new Map();
    return new Map([
      ['sold_out', 'hot wallet cannot cover a payout: sold out, payouts are held until it is refilled'],
    ]);
  }

  private pools(): Conditions {
    const low = this.opts.notification.pool_low;
    const out = new Map<string, string>();
    for (const [coin, pool] of this.opts.source.pools) {
      const left = pool.remaining();
      if (left >= low) continue;
      const rate = this.opts.source.binder?.bindsLastHour(coin);
      const at =
        rate === undefined
          ? ''
          : rate > 0
            ? `; about ${(left / rate).toFixed(1)} hours left at the last hour's ${rate} binds/hour`
            : '; no binds in the last hour';
      out.set(
        `pool_low:${coin}`,
        left === 0
          ? `${coin} deposit address pool is empty (${pool.total()} used): binds for ${coin} fail`
          : `${coin} deposit address pool is low: ${left} of ${pool.total()} addresses left (notification.pool_low = ${low})${at}`,
      );
    }
    return out;
  }

  private scannerLag(): Conditions {
    const limit = this.opts.notification.scanner_lag_blocks;
    const out = new Map<string, string>();
    if (limit <= 0) return out;
    for (const sc of this.opts.source.scanners) {
      const s = sc.status();
      if (!s.enabled || s.lag <= limit) continue;
      out.set(
        `scanner_lag:${s.chain}`,
        `${s.chain} scanner is ${s.lag} blocks behind its node (height ${s.height}, tip ${s.tip}; notification.scanner_lag_blocks = ${limit})`,
      );
    }
    return out;
  }

  private scannerStalled(): Conditions {
    const checks = this.opts.stallChecks ?? DEFAULT_STALL_CHECKS;
    const out = new Map<string, string>();
    for (const sc of this.opts.source.scanners) {
      const s = sc.status();
      if (!s.enabled) continue;
      const prev = this.progress.get(s.chain);
      const stuck = prev !== undefined && s.height <= prev.height && (s.lag > 0 || s.last_error !== '');
      const p: Progress = { height: s.height, still: stuck && prev ? prev.still + 1 : 0 };
      this.progress.set(s.chain, p);
      if (p.still < checks) continue;
      const why = s.last_error !== '' ? `last error: ${s.last_error}` : `${s.lag} blocks behind`;
      out.set(
        `scanner_stalled:${s.chain}`,
        `${s.chain} scanner has made no progress for ${p.still} checks at height ${s.height} (${why})`,
      );
    }
    return out;
  }

  private scannerAlerts(): Conditions {
    const out = new Map<string, string>();
    for (const sc of this.opts.source.scanners) {
      const s = sc.status();
      // The text is part of the key: a second, different alert is a new condition.
      if (s.alert !== '') out.set(`scanner_alert:${s.chain}:${s.alert}`, s.alert);
    }
    return out;
  }

  /**
   * An errored deposit that is not done waits for an operator: a condition until it is retried.
   * One that is done with an error (a payout that rounds to nothing) cannot be retried: it gets a
   * single alert when it happens, and those already there at the first check are not announced.
   */
  private async erroredDeposits(): Promise<Conditions> {
    const { deposits } = this.opts.source;
    const baseline = this.doneWithError === null;
    const done = (this.doneWithError ??= new Set());
    const out = new Map<string, string>();
    for (const id of [...deposits.errored]) {
      const key = `deposit_error:${id}`;
      const known = this.active.get(key);
      if (known) {
        out.set(key, known.message);
        continue;
      }
      if (done.has(id)) continue;
      const rec = await deposits.get(id);
      if (rec?.status === 'done') {
        done.add(id);
        if (!baseline) this.once(`deposit ${id} finished without a payout: ${rec.error}`);
        continue;
      }
      out.set(
        key,
        `deposit ${id} stopped with an error${rec?.error ? `: ${rec.error}` : ''} (retry it once fixed)`,
      );
    }
    return out;
  }

  private feeCeiling(): Conditions {
    return new Map(this.opts.source.sender.feeAlerts?.() ?? []);
  }

  private async nonceGap(): Promise<Conditions> {
    const { sender, deposits } = this.opts.source;
    if (!sender.nonceGap) return new Map();
    let gap: NonceGap | null;
    try {
      gap = await withTimeout(sender.nonceGap(), GAP_TIMEOUT_MS, 'nonce gap check');
    } catch (err) {
      this.opts.log.warn({ err }, 'monitor: nonce gap check failed');
      return undefined;
    }
    if (gap === null) {
      this.gapSeen = null;
      return new Map();
    }
    const checks = this.gapSeen?.nonce === gap.nonce ? this.gapSeen.checks + 1 : 1;
    this.gapSeen = { nonce: gap.nonce, checks };
    const owner = gap.deposit_id === '' ? undefined : await deposits.get(gap.deposit_id);
    // A deposit still being paid re-broadcasts its payout: a gap only if it lasts.
    const abandoned = owner === undefined || owner.error !== '' || gap.fill_txid !== '';
    if (!abandoned && checks < (this.opts.stallChecks ?? DEFAULT_STALL_CHECKS)) return new Map();
    return new Map([[`nonce_gap:${gap.nonce}`, gapMessage(gap)]]);
  }

  /** An alert about an event rather than a state: sent once, never resolved. */
  private once(message: string): void {
    this.opts.log.error(message);
    this.opts.notifier.notify(`ALERT: ${message}`);
  }
}

function gapMessage(g: NonceGap): string {
  const fill = `POST /api/payout/nonce-gaps/${g.nonce}/fill on the admin API`;
  const behind = `${g.waiting} later payout${g.waiting === 1 ? '' : 's'} wait behind it`;
  if (g.fill_txid !== '') {
    return `EVM hot wallet nonce ${g.nonce}: its gap fill ${g.fill_txid} is unknown to the node and ${behind}; send it again with ${fill}`;
  }
  const holder =
    g.deposit_id === '' ? 'no payout Teller recorded' : `the payout of deposit ${g.deposit_id} (${g.txid})`;
  return (
    `EVM hot wallet nonce ${g.nonce} holds ${holder}, but the node has no transaction with it: ${behind}. ` +
    `Retry the deposit, or once it is errored fill the gap with a zero-value self-transfer: ${fill}`
  );
}

const inCategory = (key: string, category: string): boolean =>
  key === category || key.startsWith(`${category}:`);

import { formatUnits } from '../core/amounts';
import { ExchangeError } from '../exchange/errors';
import { STATUSES, type Status, type StoredStatus } from '../core/deposit';
import type { AdminService } from '../http/services';
import { DerivedPool } from '../pool';
import { writeBackup } from '../store/backup';
import { errorMessage } from '../util/errors';
import { scannerFor, type AppContext } from './context';
import { currentGap, fillNonceGap, gapFillView } from './nonce-gaps';
import { depositInfo } from './render';

/** teller's accounting decimals per deposit coin (tokens: their own). */
const SHOWN_DECIMALS: Record<string, number> = { BTC: 8, ETH: 18, SKY: 6 };

/** What the admin API reads of the daemon. */
export type AdminContext = Pick<
  AppContext,
  | 'coins'
  | 'pools'
  | 'scanners'
  | 'dummyScanner'
  | 'deposits'
  | 'sender'
  | 'exchange'
  | 'passthrough'
  | 'store'
  | 'log'
>;

/** The admin (monitor) API: teller's routes with its bugs fixed, plus retry and an overview. */
export class AdminApiService implements AdminService {
  constructor(private readonly ctx: AdminContext) {}

  async depositAddresses(): Promise<object> {
    const out: Record<string, object> = {};
    for (const coin of [...this.ctx.coins.keys()].sort()) {
      const c = this.ctx.coins.get(coin);
      const pool = c && c.enabled ? this.ctx.pools.get(c.pool) : undefined;
      // teller's dummy scanner kept its list in memory: scanning off and no addresses (spec §3.1).
      const scanner = c?.enabled && !this.ctx.dummyScanner ? scannerFor(this.ctx, coin) : undefined;
      out[coin] = {
        scanning_enabled: scanner !== undefined,
        address_manager_enabled: pool !== undefined,
        remaining_addresses: pool?.remaining() ?? 0,
        // teller listed the BTC watch list under every coin; this is each coin's own.
        scanning_addresses: scanner?.watched(coin) ?? [],
        // Beyond teller, for a pool derived from an xpub: the next index and how many are bound.
        ...(pool instanceof DerivedPool ? { derived_pool: pool.status() } : {}),
      };
    }
    return out;
  }

  async deposits(status?: Status): Promise<object[]> {
    if (status === 'waiting_deposit') return [];
    return (await this.ctx.deposits.list(status as StoredStatus | undefined)).map(depositInfo);
  }

  async errored(): Promise<object[]> {
    return (await this.ctx.deposits.list()).filter((d) => d.error !== '').map(depositInfo);
  }

  async accounting(): Promise<object> {
    const received = new Map<string, bigint>([...this.ctx.coins.keys()].map((c) => [c, 0n]));
    let sent = 0n;
    for (const d of await this.ctx.deposits.list()) {
      received.set(d.coin_type, (received.get(d.coin_type) ?? 0n) + d.deposit_value);
      sent += d.sky_sent;
    }
    const { sender } = this.ctx;
    const shownSent = sender.coin === 'SKY' ? 6 : sender.decimals;
    return {
      sent: formatUnits(sent, sender.decimals, shownSent),
      received: Object.fromEntries(
        [...received.keys()].sort().map((coin) => {
          const decimals = this.ctx.coins.get(coin)?.decimals ?? 0;
          return [coin, formatUnits(received.get(coin) ?? 0n, decimals, SHOWN_DECIMALS[coin] ?? decimals)];
        }),
      ),
    };
  }

  async backup(out: NodeJS.WritableStream): Promise<void> {
    const n = await writeBackup(this.ctx.store, out);
    this.ctx.log.info({ records: n }, 'backup streamed');
  }

  backupFileName(): string {
    return `teller-${Math.floor(Date.now() / 1000)}.db`;
  }

  async retry(depositId: string): Promise<object> {
    const { passthrough, exchange, deposits } = this.ctx;
    const rec = await deposits.get(depositId);
    if (passthrough && rec && rec.error && rec.status.startsWith('waiting_passthrough')) {
      // A failed order needs a new client order id to be resubmitted, not just another step.
      const retried = await passthrough.retryPassthrough(depositId);
      exchange.schedule(depositId);
      return depositInfo(retried);
    }
    return depositInfo(await exchange.retry(depositId));
  }

  async approve(depositId: string): Promise<object> {
    return depositInfo(await this.ctx.exchange.approve(depositId));
  }

  async markHandled(depositId: string, note: string): Promise<object> {
    if (!this.ctx.passthrough)
      throw new ExchangeError('not_retryable', 'no passthrough exchange is configured');
    return depositInfo(await this.ctx.passthrough.markHandled(depositId, note));
  }

  async nonceGap(): Promise<object> {
    return { gap: await currentGap(this.ctx.sender) };
  }

  async fillNonceGap(nonce: number): Promise<object> {
    const { sender, deposits, exchange, log } = this.ctx;
    const lock = <T>(id: string, fn: () => Promise<T>): Promise<T> => exchange.withLock(id, fn);
    return gapFillView(await fillNonceGap({ sender, deposits, lock, log, by: 'admin API' }, nonce));
  }

  async overview(): Promise<object> {
    const byStatus: Record<string, number> = {};
    for (const s of STATUSES)
      if (s !== 'waiting_deposit') byStatus[s] = (await this.ctx.deposits.idsWithStatus(s)).length;
    let balance = '';
    let balanceError = '';
    try {
      balance = formatUnits((await this.ctx.sender.balance()).coins, this.ctx.sender.decimals);
    } catch (err) {
      balanceError = errorMessage(err);
    }
    return {
      pools: Object.fromEntries(
        [...this.ctx.pools].map(([coin, p]) => [
          coin,
          p instanceof DerivedPool
            ? { ...p.status(), total: p.total(), used: p.usedCount(), remaining: p.remaining() }
            : { kind: 'file', total: p.total(), used: p.usedCount(), remaining: p.remaining() },
        ]),
      ),
      scanners: this.ctx.scanners.map((s) => s.status()),
      hot_wallet: { kind: this.ctx.sender.kind, coin: this.ctx.sender.coin, balance, error: balanceError },
      sold_out: this.ctx.exchange.soldOut,
      sender_error: this.ctx.exchange.senderError,
      deposits_by_status: byStatus,
      deposit_error_count: this.ctx.deposits.errored.size,
    };
  }

  async deposit(depositId: string): Promise<object | undefined> {
    const d = await this.ctx.deposits.get(depositId);
    if (!d) return undefined;
    const payout = await this.ctx.deposits.getPayout(depositId);
    return {
      ...depositInfo(d),
      last_error: d.last_error,
      payout: payout ?? null,
      events: await this.ctx.deposits.events(depositId),
    };
  }
}

import type { Network } from '../config/types';
import { depositIdOf, type ScannedDeposit } from '../core/deposit';
import { addressError, normalizeAddress, type PoolCoin } from '../pool';
import { errorMessage } from '../util/errors';
import type { Logger } from '../util/logger';
import type { DepositHandler, Scanner, ScannerStatus } from './types';

/** teller's dummy scanner buffered 100 deposits and answered 503 beyond that. */
const QUEUE_CAPACITY = 100;
const RETRY_MS = 500;

/**
 * Deposits typed in by testers through the dummy API (teller's DummyScanner), for every deposit
 * coin — teller's took BTC only. They count as confirmed at once; the exchange dedupes replays,
 * so the same tx:n posted twice is recorded and paid once.
 */
export class DummyScanner implements Scanner {
  readonly chain = 'dummy';
  readonly coins: readonly string[];
  private readonly queue: ScannedDeposit[] = [];
  private readonly watchedByCoin = new Map<string, Set<string>>();
  private handler: DepositHandler | undefined;
  private draining = false;
  private lastError = '';
  private stopped = false;
  private drainDone: Promise<void> = Promise.resolve();

  constructor(
    private readonly depositCoins: ReadonlyMap<string, { pool: PoolCoin }>,
    private readonly network: Network,
    private readonly log: Logger,
  ) {
    this.coins = [...depositCoins.keys()];
  }

  /** null if the dummy scanner takes `addr` for `coin`, else why not. */
  addressError(coin: string, addr: string): string | null {
    const c = this.depositCoins.get(coin);
    if (!c) return `unknown coin ${coin}`;
    return addressError(c.pool, addr, this.network);
  }

  /** Queues a deposit; false when the queue is full. */
  push(d: ScannedDeposit): boolean {
    if (this.queue.length >= QUEUE_CAPACITY) return false;
    const c = this.depositCoins.get(d.coin_type);
    this.queue.push(c ? { ...d, address: normalizeAddress(c.pool, d.address) } : d);
    this.kick();
    return true;
  }

  watch(coin: string, address: string): void {
    let set = this.watchedByCoin.get(coin);
    if (!set) this.watchedByCoin.set(coin, (set = new Set()));
    set.add(address);
  }

  watched(coin: string): string[] {
    return [...(this.watchedByCoin.get(coin) ?? [])];
  }

  async start(onDeposit: DepositHandler): Promise<void> {
    this.handler = onDeposit;
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.drainDone;
  }

  status(): ScannerStatus {
    return {
      chain: this.chain,
      enabled: true,
      height: -1,
      hash: '',
      tip: -1,
      lag: 0,
      last_error: this.lastError,
      alert: '',
    };
  }

  pending(): [] {
    return [];
  }

  pendingStamp(): number {
    return 0;
  }

  private kick(): void {
    if (this.draining || !this.handler || this.stopped) return;
    this.draining = true;
    this.drainDone = this.drain().finally(() => {
      this.draining = false;
    });
  }

  private async drain(): Promise<void> {
    const handler = this.handler;
    while (handler && !this.stopped && this.queue.length > 0) {
      const d = this.queue[0];
      try {
        const outcome = await handler(d);
        this.queue.shift();
        // Still a 200 with an empty body (teller's), but a tester who pasted the same deposit
        // twice learns here why nothing happened.
        if (outcome?.kind === 'duplicate') {
          this.log.info(
            { depositId: depositIdOf(d), reason: `already recorded as ${outcome.status}` },
            'dummy deposit ignored',
          );
        }
        this.lastError = '';
      } catch (err) {
        this.lastError = errorMessage(err);
        this.log.warn({ err: this.lastError, tx: d.tx, n: d.n }, 'dummy deposit not recorded yet, retrying');
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }
}

import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store';
import { prefixRange, seqKey } from '../store/store';
import type { Balance, PayoutState, PreparedPayout, Sender } from './types';
import { InsufficientBalanceError, SenderError } from '../chains/errors';

/** One "broadcast" transaction of the dummy sender. */
export interface DummyTx {
  seq: number;
  txid: string;
  to: string;
  amount: bigint;
  confirmed: boolean;
}

interface DummyBalance {
  coins: bigint;
  hours: bigint;
}

/** teller's dummy hot wallet: 100 coins and 100 coin hours. */
const START_COINS = 100n;
const START_HOURS = 100n;
const BALANCE_KEY = 'dummy!balance';
const txKey = (seq: number): string => `dummy!tx!${seqKey(seq)}`;

/** The error of a broadcast failed on purpose by `failNextBroadcast` (/dummy/sender/fail). */
export const DUMMY_BROADCAST_REJECTED = 'dummy sender: broadcast rejected (armed by /dummy/sender/fail)';

/**
 * A fake payout chain for testers (teller's DummySender), controlled through the dummy API:
 * transactions confirm only when told to. Unlike teller's, its ledger lives in the store, so a
 * restart neither forgets unconfirmed payouts nor refills the wallet.
 */
export class DummySender implements Sender {
  readonly kind = 'dummy';
  private balanceState: DummyBalance;
  private readonly txs: DummyTx[] = [];
  private readonly byTxid = new Map<string, DummyTx>();
  private failNext = false;

  private constructor(
    private readonly store: Store,
    readonly coin: string,
    readonly decimals: number,
    private readonly addressError: (addr: string) => string | null,
    balance: DummyBalance,
  ) {
    this.balanceState = balance;
  }

  static async open(
    store: Store,
    opts: { coin: string; decimals: number; addressError: (addr: string) => string | null },
  ): Promise<DummySender> {
    const balance = (await store.get<DummyBalance>('sender', BALANCE_KEY)) ?? {
      coins: START_COINS * 10n ** BigInt(opts.decimals),
      hours: START_HOURS,
    };
    const sender = new DummySender(store, opts.coin, opts.decimals, opts.addressError, balance);
    for (const tx of await store.values<DummyTx>('sender', prefixRange('dummy!tx!'))) sender.remember(tx);
    return sender;
  }

  validateAddress(addr: string): string | null {
    return this.addressError(addr);
  }

  async prepare(depositId: string, to: string, amount: bigint): Promise<PreparedPayout> {
    const reason = this.addressError(to);
    if (reason) throw new SenderError(`CreateTransaction invalid address: ${reason}`, false);
    if (amount > this.balanceState.coins)
      throw new InsufficientBalanceError('CreateTransaction not enough coins');
    const txid = randomBytes(32).toString('hex');
    return {
      deposit_id: depositId,
      txid,
      raw: Buffer.from(JSON.stringify({ txid, to, amount: String(amount) })).toString('hex'),
      to,
      amount,
      prepared_at: Date.now(),
      broadcast_at: 0,
      broadcasts: 0,
    };
  }

  async broadcast(p: PreparedPayout): Promise<void> {
    if (this.byTxid.has(p.txid)) return; // already known: the same bytes again change nothing
    if (this.failNext) {
      this.failNext = false;
      throw new SenderError(DUMMY_BROADCAST_REJECTED, false, 'broadcast_rejected');
    }
    if (p.amount > this.balanceState.coins)
      throw new InsufficientBalanceError('CreateTransaction not enough coins');
    const tx: DummyTx = { seq: this.txs.length, txid: p.txid, to: p.to, amount: p.amount, confirmed: false };
    this.balanceState = { ...this.balanceState, coins: this.balanceState.coins - p.amount };
    this.remember(tx);
    await this.store.write([
      { type: 'put', space: 'sender', key: txKey(tx.seq), value: tx },
      { type: 'put', space: 'sender', key: BALANCE_KEY, value: this.balanceState },
    ]);
  }

  async check(p: PreparedPayout): Promise<PayoutState> {
    const tx = this.byTxid.get(p.txid);
    if (!tx) return 'unknown';
    return tx.confirmed ? 'confirmed' : 'pending';
  }

  async balance(): Promise<Balance> {
    return { ...this.balanceState };
  }

  list(): readonly DummyTx[] {
    return this.txs;
  }

  /**
   * Marks a transaction confirmed, by txid if given, else by 0-based broadcast seq (its index in
   * /dummy/sender/broadcasts, not a deposit's seq). undefined when there is no such transaction.
   */
  async confirm(
    txid: string | undefined,
    seq: number | undefined,
  ): Promise<{ tx: DummyTx; changed: boolean } | undefined> {
    const tx = txid ? this.byTxid.get(txid) : seq !== undefined ? this.txs[seq] : undefined;
    if (!tx) return undefined;
    if (tx.confirmed) return { tx, changed: false };
    tx.confirmed = true;
    await this.store.write([{ type: 'put', space: 'sender', key: txKey(tx.seq), value: tx }]);
    return { tx, changed: true };
  }

  async setBalance(coins: bigint): Promise<void> {
    this.balanceState = { ...this.balanceState, coins };
    await this.store.write([{ type: 'put', space: 'sender', key: BALANCE_KEY, value: this.balanceState }]);
  }

  /**
   * Arms (or disarms) one permanent failure: the next broadcast of a new transaction throws a
   * non-retryable SenderError, as a node rejecting a transaction for good would. The deposit then
   * carries that error until an operator retries it, which is what the admin retry is tested
   * with. A test knob, kept in memory: a restart disarms it.
   */
  failNextBroadcast(armed: boolean): void {
    this.failNext = armed;
  }

  private remember(tx: DummyTx): void {
    this.txs[tx.seq] = tx;
    this.byTxid.set(tx.txid, tx);
  }
}

import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { skycoinAddressError } from '../chains/skycoin/address';
import {
  SkycoinNodeError,
  SkycoinRestClient,
  decodeSkycoinTransaction,
  type CreatedTransaction,
} from '../chains/skycoin/rest-client';
import type { Config } from '../config/types';
import { formatUnits } from '../core/amounts';
import type { Store } from '../store/store';
import { errorMessage } from '../util/errors';
import type { Logger } from '../util/logger';
import { Mutex } from '../util/mutex';
import { SenderError } from '../chains/errors';
import type { Balance, PayoutState, PreparedPayout, Sender } from './types';

/**
 * Pays SKY from a wallet held by a Skycoin node, through its REST API (spec §6, §9.18): the node
 * builds and signs (`wallet/transaction`, which broadcasts nothing), the exchange stores the bytes,
 * then `broadcast` injects exactly those bytes, again after any crash or drop. A txid is the
 * sha256 of the bytes, so a stored payout is always recognisable on the node.
 *
 * Inputs are not reserved by the node when it builds a transaction, so two payouts signed before
 * either is injected could spend the same outputs, and one could then never confirm. Signing is
 * therefore serialised, and waits until every payout signed earlier has reached the node (or was
 * abandoned: nobody tried to broadcast it for `holdMs`). Injected payouts are then skipped by the
 * node itself (`ignore_unconfirmed`).
 */

const SKY_DECIMALS = 6;
/** Skycoin's `max_decimals` for user transactions (the node's health may say otherwise). */
const DEFAULT_MAX_DECIMALS = 3;
const HOLD_MS = 60_000;
const GATE_WAIT_MS = 5_000;
const GATE_POLL_MS = 25;
/** A refusal from the node that means it already has the transaction. */
const ALREADY_KNOWN = /already (known|exists|in (the )?(unconfirmed )?pool)|known transaction/i;

export interface SkycoinSenderOptions {
  /** `payout.sky_node_url`. */
  nodeUrl: string;
  /** Wallet id on the node: the wallet file's name in the node's wallets directory. */
  wallet: string;
  /** For an encrypted node-side wallet. */
  password?: string;
  log: Logger;
  /** Lets `init` find payouts stored but not yet broadcast by an earlier run (the `payouts` space). */
  store?: Store;
  timeoutMs?: number;
  /** How long a signed payout that nobody broadcasts holds back further signing. */
  holdMs?: number;
  /** How long `prepare` waits for earlier payouts to reach the node before a retryable error. */
  gateWaitMs?: number;
}

export class SkycoinSender implements Sender {
  readonly kind = 'skycoin';
  readonly coin = 'SKY';
  readonly decimals = SKY_DECIMALS;
  readonly client: SkycoinRestClient;
  private maxDecimals = DEFAULT_MAX_DECIMALS;
  private readonly signing = new Mutex();
  /** Signed payouts not yet known to reach the node: txid → when the hold lapses (unix ms). */
  private readonly unbroadcast = new Map<string, number>();
  private readonly holdMs: number;
  private readonly gateWaitMs: number;

  constructor(private readonly o: SkycoinSenderOptions) {
    this.client = new SkycoinRestClient({ baseUrl: o.nodeUrl, timeoutMs: o.timeoutMs });
    this.holdMs = o.holdMs ?? HOLD_MS;
    this.gateWaitMs = o.gateWaitMs ?? GATE_WAIT_MS;
  }

  /** The sender for `payout.coin = "SKY"`, checked against the node. */
  static async open(opts: {
    config: Config;
    log: Logger;
    store?: Store;
    password?: string;
  }): Promise<SkycoinSender> {
    const sender = new SkycoinSender({
      nodeUrl: opts.config.payout.sky_node_url,
      // teller's key names the wallet file; the node knows a wallet by its file name.
      wallet: path.basename(opts.config.sky_exchanger.wallet),
      password: opts.password,
      log: opts.log,
      store: opts.store,
    });
    await sender.init();
    return sender;
  }

  get walletId(): string {
    return this.o.wallet;
  }

  /** Checks that the node answers, has the wallet API on and holds the wallet. */
  async init(): Promise<void> {
    const where = `Skycoin node ${this.client.origin} (payout.sky_node_url)`;
    const health = await this.client.health().catch((err: unknown) => {
      const e =
        err instanceof SenderError
          ? err
          : new SenderError(errorMessage(err), true, 'sender_error', { cause: err });
      throw new SenderError(`${where}: ${e.message}`, e.retryable, e.code, { cause: e });
    });
    if (health.walletApiEnabled === false) {
      throw new SenderError(
        `${where} has its wallet API disabled: run it with -enable-api-sets=READ,STATUS,TXN,WALLET`,
        false,
        'sky_wallet_api_disabled',
      );
    }
    this.maxDecimals = Math.min(Math.max(health.maxDecimals ?? DEFAULT_MAX_DECIMALS, 0), SKY_DECIMALS);
    const wallet = await this.client.wallet(this.walletId).catch((err: unknown) => {
      if (err instanceof SkycoinNodeError && err.status === 404) {
        throw new SenderError(
          `wallet "${this.walletId}" (sky_exchanger.wallet) is not loaded by ${where}: put the wallet file in the node's wallets directory`,
          false,
          'sky_wallet_missing',
          { cause: err },
        );
      }
      throw err;
    });
    if (wallet.encrypted && !this.o.password) {
      throw new SenderError(
        `wallet "${this.walletId}" is encrypted and no password is set`,
        false,
        'sky_wallet_encrypted',
      );
    }
    await this.holdStoredPayouts();
    const { coins, hours } = await this.balance();
    this.o.log.info(
      {
        node: this.client.origin,
        version: health.version,
        wallet: this.walletId,
        coins: formatUnits(coins, SKY_DECIMALS),
        hours: String(hours),
      },
      'Skycoin hot wallet ready',
    );
  }

  validateAddress(addr: string): string | null {
    return skycoinAddressError(addr);
  }

  async prepare(depositId: string, to: string, amount: bigint): Promise<PreparedPayout> {
    const reason = skycoinAddressError(to);
    if (reason)
      throw new SenderError(`CreateTransaction invalid address: ${reason}`, false, 'invalid_address');
    if (amount <= 0n) throw new SenderError('Skycoin send amount is 0', false, 'zero_amount');
    // The node refuses more decimals on every attempt; teller retried such a payout forever.
    if (amount % 10n ** BigInt(SKY_DECIMALS - this.maxDecimals) !== 0n) {
      throw new SenderError(
        `Skycoin payout ${formatUnits(amount, SKY_DECIMALS)} SKY has more than ${this.maxDecimals} decimals`,
        false,
        'sky_too_many_decimals',
      );
    }
    return this.signing.run(async () => {
      await this.waitForBroadcasts();
      const created = await this.client.createTransaction({
        walletId: this.walletId,
        password: this.o.password,
        to: [{ address: to, coins: formatUnits(amount, SKY_DECIMALS) }],
      });
      verifyCreatedTransaction(created, to, amount);
      this.hold(created.txid);
      const now = Date.now();
      this.o.log.info({ depositId, txid: created.txid, to, amount: String(amount) }, 'Skycoin payout signed');
      return {
        deposit_id: depositId,
        txid: created.txid,
        raw: created.encoded,
        to,
        amount,
        prepared_at: now,
        broadcast_at: 0,
        broadcasts: 0,
      };
    });
  }

  async broadcast(p: PreparedPayout): Promise<void> {
    const log = this.o.log.child({ depositId: p.deposit_id, txid: p.txid });
    if (decodeSkycoinTransaction(p.raw).txid !== p.txid) {
      throw new SenderError(`stored payout ${p.txid} does not hash to its txid`, false, 'sky_txid_mismatch');
    }
    this.hold(p.txid);
    let txid: string;
    try {
      txid = await this.client.injectTransaction(p.raw);
    } catch (err) {
      if (!(err instanceof SkycoinNodeError) || err.retryable) throw err;
      // A refusal of a transaction the node already has (in a block, its inputs are spent) is success.
      if (ALREADY_KNOWN.test(err.nodeMessage) || (await this.client.transaction(p.txid)) !== null) {
        log.info({ node: err.nodeMessage }, 'Skycoin payout already known to the node');
        this.unbroadcast.delete(p.txid);
        return;
      }
      this.unbroadcast.delete(p.txid);
      throw new SenderError(
        `Skycoin node rejected payout ${p.txid}: ${err.nodeMessage}`,
        false,
        'sky_tx_rejected',
        { cause: err },
      );
    }
    this.unbroadcast.delete(p.txid);
    if (txid !== p.txid) {
      log.error({ nodeTxid: txid }, 'CRITICAL ERROR: the node reports another txid for the injected payout');
      throw new SenderError(`Skycoin node injected payout ${p.txid} as ${txid}`, false, 'sky_txid_mismatch');
    }
  }

  async check(p: PreparedPayout): Promise<PayoutState> {
    const status = await this.client.transaction(p.txid);
    if (status === null) {
      // The caller broadcasts these bytes again: keep new payouts off their inputs meanwhile.
      this.hold(p.txid);
      return 'unknown';
    }
    this.unbroadcast.delete(p.txid);
    return status.confirmed ? 'confirmed' : 'pending';
  }

  /** What the wallet can count on: the lower of confirmed and predicted (after pending spends). */
  async balance(): Promise<Balance> {
    const { confirmed, predicted } = await this.client.walletBalance(this.walletId);
    const min = (a: bigint, b: bigint) => (a < b ? a : b);
    return { coins: min(confirmed.coins, predicted.coins), hours: min(confirmed.hours, predicted.hours) };
  }

  async close(): Promise<void> {
    this.unbroadcast.clear();
  }

  private hold(txid: string): void {
    this.unbroadcast.set(txid, Date.now() + this.holdMs);
  }

  /** After a restart: payouts an earlier run stored but never broadcast hold signing like fresh ones. */
  private async holdStoredPayouts(): Promise<void> {
    if (!this.o.store) return;
    for (const p of await this.o.store.values<PreparedPayout>('payouts')) {
      if (p.broadcasts === 0) this.hold(p.txid);
    }
    if (this.unbroadcast.size > 0) {
      this.o.log.info({ payouts: this.unbroadcast.size }, 'stored Skycoin payouts wait to be broadcast');
    }
  }

  /** Waits until every payout signed earlier has reached the node or was abandoned. */
  private async waitForBroadcasts(): Promise<void> {
    const deadline = Date.now() + this.gateWaitMs;
    for (;;) {
      const now = Date.now();
      for (const [txid, until] of this.unbroadcast) if (until <= now) this.unbroadcast.delete(txid);
      if (this.unbroadcast.size === 0) return;
      if (now >= deadline) break;
      await sleep(GATE_POLL_MS);
    }
    // Perhaps broadcast by an earlier run, or by hand: the node knows.
    for (const txid of [...this.unbroadcast.keys()]) {
      if ((await this.client.transaction(txid)) !== null) this.unbroadcast.delete(txid);
    }
    if (this.unbroadcast.size > 0) {
      const [first = ''] = this.unbroadcast.keys();
      throw new SenderError(
        `waiting for ${this.unbroadcast.size} signed Skycoin payout(s) to be broadcast before signing another (${first})`,
        true,
        'payout_in_flight',
      );
    }
  }
}

/**
 * teller's verifyCreatedTransaction, on the serialized bytes that will be stored and broadcast:
 * exactly one output to the destination, with exactly the amount.
 */
export function verifyCreatedTransaction(created: CreatedTransaction, to: string, amount: bigint): void {
  const tx = decodeSkycoinTransaction(created.encoded);
  const fail = (message: string) => new SenderError(message, false, 'sky_verify_failed');
  if (tx.txid !== created.txid) {
    throw fail(`CreateTransaction transaction id ${created.txid} is not the hash of its bytes (${tx.txid})`);
  }
  const outputs = tx.outputs.filter((o) => o.address === to);
  if (outputs.length === 0) throw fail(`CreateTransaction transaction has no output to address ${to}`);
  if (outputs.length > 1) throw fail(`CreateTransaction transaction has multiple outputs to address ${to}`);
  if (outputs[0]?.coins !== amount) throw fail('CreateTransaction transaction coins are different');
}

import type { Config } from '../config/types';
import { depositCoins, type DepositCoin } from '../exchange/coins';
import type { DepositStore } from '../exchange/deposit-store';
import type { StoredStatus } from '../core/deposit';
import type { DepositRecord, PassthroughRecord } from '../exchange/types';
import type { Store } from '../store/store';
import type { Logger } from '../util/logger';
import { KeyedMutex } from '../util/mutex';
import { PassthroughStateError } from './errors';
import type { ExchangeClient, ExchangeOrder } from './types';

/** What the processor and the admin resolutions share. */
export interface PassthroughOptions {
  config: Config;
  deposits: DepositStore;
  /** The store of the processor's own `passthrough` ledger (the deposits' spaces are DepositStore's). */
  store: Store;
  client: ExchangeClient;
  log: Logger;
  /** Deposit coins with their decimals (default: from the config). */
  coins?: Map<string, DepositCoin>;
  /** Decimals of the payout coin's base unit: the sender's (default: from config.payout). */
  payoutDecimals?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

export interface PassthroughContext {
  config: Config;
  deposits: DepositStore;
  /** The `passthrough` ledger's store (src/passthrough/ledger.ts). */
  store: Store;
  client: ExchangeClient;
  log: Logger;
  symbol: string;
  payoutDecimals: number;
  now: () => number;
  depositDecimals(coin: string): number;
  /** Serialises admin resolutions of one deposit. */
  locks: KeyedMutex;
}

export const PASSTHROUGH_STATUSES: readonly StoredStatus[] = [
  'waiting_passthrough',
  'waiting_passthrough_order_complete',
];

export function passthroughContext(opts: PassthroughOptions): PassthroughContext {
  const coins = opts.coins ?? depositCoins(opts.config);
  const payout = opts.config.payout;
  return {
    config: opts.config,
    deposits: opts.deposits,
    store: opts.store,
    client: opts.client,
    log: opts.log,
    symbol: opts.config.sky_exchanger.passthrough.symbol,
    payoutDecimals:
      opts.payoutDecimals ?? (payout.coin === 'SKY' ? 6 : payout.coin === 'ETH' ? 18 : payout.evm.decimals),
    now: opts.now ?? Date.now,
    locks: new KeyedMutex(),
    depositDecimals(coin) {
      const c = coins.get(coin);
      if (!c) throw new PassthroughStateError(`unsupported coin type ${coin}`, 'unknown_coin');
      return c.decimals;
    },
  };
}

/** The deposit's `passthrough.order` for an exchange order (teller's DepositInfo fields). */
export function withOrder(p: PassthroughRecord, order: ExchangeOrder, final: boolean): PassthroughRecord {
  return {
    ...p,
    order: {
      customer_id: p.order.customer_id,
      order_id: order.id,
      completed_amount: order.filled,
      price: order.average,
      status: order.status,
      final,
      original: order.raw,
    },
  };
}

/** An exchange answer about a different order than the deposit's: never act on it. */
export function checkSameOrder(rec: DepositRecord, order: ExchangeOrder): void {
  const { customer_id, order_id } = rec.passthrough.order;
  if (order.clientOrderId !== '' && order.clientOrderId !== customer_id) {
    throw new PassthroughStateError(
      `exchange order ${order.id} has client order id ${order.clientOrderId}, expected ${customer_id}`,
      'order_mismatch',
    );
  }
  if (order_id !== '' && order.id !== order_id) {
    throw new PassthroughStateError(
      `exchange returned order ${order.id}, expected ${order_id}`,
      'order_mismatch',
    );
  }
}

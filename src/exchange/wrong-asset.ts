import type { Config } from '../config/types';
import type { DepositCoin } from './coins';
import type { DepositStore } from './deposit-store';
import { WRONG_ASSET_ERROR } from './errors';
import { isLegacyToken, isTokenCoin, sameLegacyTransfer, type ScannedDeposit } from '../core/deposit';
import { emptyPassthrough, type Binding, type DepositRecord } from './types';

/**
 * Deposits the exchange must recognise beyond `deposit id -> record`: a token deposit an earlier
 * build recorded under its legacy id, and a deposit of the wrong asset to a shared ETH pool address.
 */

/**
 * The record of `d`: under `id`, or, for a token deposit, under the id an earlier build gave the
 * same transfer, so that a deposit it recorded is never paid again when a rescan or a reorg
 * delivers it under the current id. Nothing is rewritten: record ids are in the hash-chained event
 * log. Earlier ids (types.ts depositIdOf) named the block-wide log index: `txhash:log<i>`, and
 * before that `txhash:<i>`. A transfer scanned now is matched to a record of either form by
 * transaction, coin, recipient and value (preferring the one recorded at its present log index),
 * wherever a reorg has moved it since; of two such transfers in one transaction, each may then
 * find the same record: the other record stays as it is (paid once, or held for an operator),
 * never paid twice.
 */
export async function recordOf(
  deposits: DepositStore,
  d: ScannedDeposit,
  id: string,
): Promise<DepositRecord | undefined> {
  const rec = await deposits.get(id);
  if (rec || !isTokenCoin(d.coin_type)) return rec;
  if (isLegacyToken(d)) {
    // Stored by an earlier build (block-wide n): the oldest form of its id.
    const old = await deposits.get(`${d.tx}:${d.n}`);
    const same = old?.coin_type === d.coin_type && old.deposit.tx === d.tx && old.deposit.n === d.n;
    return same ? old : undefined;
  }
  const found = (await deposits.recordsOfTx(d.tx)).filter((r) => sameLegacyTransfer(r.deposit, d));
  return found.find((r) => r.deposit.n === d.log_index) ?? found[0];
}

/** The binding of `d`'s address to another coin of the same pool (tokens share the ETH pool). */
export async function boundToOtherCoin(
  deposits: DepositStore,
  coins: Map<string, DepositCoin>,
  d: ScannedDeposit,
): Promise<Binding | undefined> {
  const pool = coins.get(d.coin_type)?.pool;
  if (pool === undefined) return undefined;
  for (const [symbol, coin] of coins) {
    if (symbol === d.coin_type || coin.pool !== pool) continue;
    const binding = await deposits.getBinding(symbol, d.address);
    if (binding) return binding;
  }
  return undefined;
}

/**
 * The record of a wrong-asset deposit: the asset sent, at its own rate, for the buyer the address
 * is bound to, with an error that keeps it unpaid (and raises the errored-deposit alert) until an
 * operator retries it or deals with it otherwise.
 */
export function wrongAssetRecord(
  d: ScannedDeposit,
  id: string,
  binding: Binding,
  coin: DepositCoin,
  config: Config,
): Omit<DepositRecord, 'seq'> {
  const now = Math.floor(Date.now() / 1000);
  const error = WRONG_ASSET_ERROR(d.coin_type, binding.coin_type);
  return {
    updated_at: now,
    status: 'waiting_decide',
    coin_type: d.coin_type,
    sky_address: binding.sky_address,
    // A passthrough order is placed for the bound coin's market: a retried one is paid directly.
    buy_method: 'direct',
    deposit_address: d.address,
    deposit_id: id,
    txid: '',
    conversion_rate: coin.rate,
    max_decimals: config.sky_exchanger.max_decimals,
    deposit_value: d.value,
    sky_sent: 0n,
    passthrough: emptyPassthrough(),
    error,
    deposit: { ...d, processed: false },
    last_error: error,
    attempts: 0,
    created_at: now,
  };
}

import type { Config } from '../config/types';
import { depositIdOf, type ScannedDeposit } from '../core/deposit';
import type { ReceiveOutcome } from '../scanner/types';
import type { Logger } from '../util/logger';
import type { DepositCoin } from './coins';
import { bindingKey, type DepositStore } from './deposit-store';
import { ExchangeError } from './errors';
import { dropTermsOp, type FrozenTerms } from './terms';
import { emptyPassthrough, type Binding } from './types';
import { boundToOtherCoin, wrongAssetRecord } from './wrong-asset';

/**
 * A deposit's intake, for the Exchange (its only user; it holds the deposit's lock and schedules
 * what is recorded): the terms frozen at a deposit's first sighting, and its record when confirmed.
 */

/** What the intake uses of the exchange's options. */
export interface IntakeOptions {
  config: Config;
  deposits: DepositStore;
  coins: Map<string, DepositCoin>;
  log: Logger;
}

/** Exchange.seen's work: freezes the terms of deposits seen for the first time. */
export async function freezeSeenTerms(opts: IntakeOptions, deposits: ScannedDeposit[]): Promise<void> {
  const fresh = new Map<string, ScannedDeposit>();
  for (const d of deposits) {
    const id = depositIdOf(d);
    if (d.value !== 0n && !fresh.has(id)) fresh.set(id, d);
  }
  if (fresh.size === 0) return;
  // One read per space and one batch for a whole scanned batch of blocks (a catch-up). A receive
  // of the same deposit meanwhile could only come from another delivery path, and would at worst
  // leave an unused entry: its record gets the terms in force, the same ones.
  const { deposits: store } = opts;
  const ids = [...fresh.keys()];
  const found = [...fresh.values()];
  const [frozen, recorded, bindings] = await Promise.all([
    store.termsOfMany(ids),
    store.getMany(ids),
    store.bindingsAt(found.map((d) => bindingKey(d.coin_type, d.address))),
  ]);
  const added: [string, FrozenTerms][] = [];
  found.forEach((d, i) => {
    const binding = bindings[i];
    const coin = opts.coins.get(d.coin_type);
    // An unbound address (or an unknown coin) gets no terms: receive() sets the deposit aside.
    if (frozen[i] || recorded[i] || !binding || !coin) return;
    added.push([ids[i], termsNow(opts, d, binding, coin)]);
  });
  if (added.length === 0) return;
  await store.freezeTerms(added);
  for (const [id, terms] of added) {
    opts.log.info(
      { depositId: id, rate: terms.conversion_rate, maxDecimals: terms.max_decimals, height: terms.height },
      'deposit terms frozen at first sighting',
    );
  }
}

/** The terms a deposit seen now gets. */
function termsNow(opts: IntakeOptions, d: ScannedDeposit, binding: Binding, coin: DepositCoin): FrozenTerms {
  return {
    conversion_rate: coin.rate,
    max_decimals: opts.config.sky_exchanger.max_decimals,
    buy_method: binding.buy_method,
    seen_at: Math.floor(Date.now() / 1000),
    height: d.height,
  };
}

/**
 * Exchange.receive's work for a deposit with no record yet (`id` is its deposit id; the caller
 * holds its lock): records it at its frozen terms, as a wrong asset, or sets it aside if unbound.
 */
export async function recordNew(opts: IntakeOptions, d: ScannedDeposit, id: string): Promise<ReceiveOutcome> {
  const binding = await opts.deposits.getBinding(d.coin_type, d.address);
  const other = binding ? undefined : await boundToOtherCoin(opts.deposits, opts.coins, d);
  const sent = opts.coins.get(d.coin_type);
  if (other && sent) {
    const rec = await opts.deposits.create(
      wrongAssetRecord(d, id, other, sent, opts.config),
      `deposit of ${d.value} ${d.coin_type} base units at height ${d.height} to an address bound for ${other.coin_type}`,
    );
    opts.log.error(
      {
        depositId: id,
        coin: d.coin_type,
        boundTo: other.coin_type,
        address: d.address,
        value: String(d.value),
      },
      `${rec.error}: an operator must decide`,
    );
    return { kind: 'recorded' };
  }
  if (!binding) {
    opts.log.warn({ depositId: id, address: d.address, coin: d.coin_type }, 'deposit to an unbound address');
    await opts.deposits.putOrphan(id, d);
    return { kind: 'unbound' };
  }
  const coin = opts.coins.get(d.coin_type);
  if (!coin) throw new ExchangeError('unknown_coin', `deposit ${id}: unknown coin ${d.coin_type}`);
  const frozen = await opts.deposits.termsOf(id);
  const terms = frozen ?? termsNow(opts, d, binding, coin);
  const now = Math.floor(Date.now() / 1000);
  await opts.deposits.create(
    {
      updated_at: now,
      status: 'waiting_decide',
      coin_type: d.coin_type,
      sky_address: binding.sky_address,
      buy_method: terms.buy_method,
      deposit_address: d.address,
      deposit_id: id,
      txid: '',
      conversion_rate: terms.conversion_rate,
      max_decimals: terms.max_decimals,
      deposit_value: d.value,
      sky_sent: 0n,
      passthrough: emptyPassthrough(),
      error: '',
      deposit: { ...d, processed: false },
      last_error: '',
      attempts: 0,
      created_at: now,
    },
    `deposit of ${d.value} ${d.coin_type} base units at height ${d.height}` +
      (frozen ? `, at the rate of its first sighting at height ${frozen.height}` : ''),
    frozen ? [dropTermsOp(id)] : [],
  );
  opts.log.info(
    {
      depositId: id,
      coin: d.coin_type,
      value: String(d.value),
      skyAddress: binding.sky_address,
      rate: terms.conversion_rate,
    },
    'deposit recorded',
  );
  return { kind: 'recorded' };
}

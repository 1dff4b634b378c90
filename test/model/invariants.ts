import { depositToPayout } from '../../src/core/amounts';
import { depositIdOf } from '../../src/core/deposit';
import { DepositStore } from '../../src/exchange/deposit-store';
import type { DepositRecord } from '../../src/exchange/types';
import { verifyAudit } from '../../src/ops/audit';
import { DummySender, type DummyTx } from '../../src/sender/dummy-sender';
import { Store } from '../../src/store/store';
import { skycoinAddressError } from '../../src/chains/skycoin/address';
import { paymentKey, type Coin, type ModelChain, type Payment } from './chain';
import {
  MAX_DECIMALS,
  MAX_FEE_GWEI,
  MAX_TIP_GWEI,
  SKY_DECIMALS,
  HOT_ADDRESS,
  payoutDecimals,
  type Rates,
} from './daemon';
import { GWEI } from './payout-chain';
import { TOKEN_DECIMALS } from './eth-node';
import type { Generation, World } from './world';

/**
 * The properties checked against the model once a sequence has settled. Each violation names its
 * property, so that a known bug (pending its fix) can be told apart from a new one.
 */

export const PROPERTIES = {
  paidOnce: 'every confirmed canonical deposit to a bound address is paid exactly once',
  distinctIds: 'native ETH and a token transfer in one transaction are two deposits, both paid',
  rate: 'a payout uses the rate of the deposit’s first sighting',
  offChain: 'nothing the node never showed with enough confirmations on the canonical chain is paid',
  lossAlert: 'a payout for a deposit reorged out after payment raises the deep-reorg alert',
  nonDeposit: 'no payout for a wrong asset, an unbound address, a foreign token or a reverted tx',
  zeroValue: 'a 0-value deposit is never recorded',
  audit: 'the audit chain verifies',
  nonceOnce: 'no EVM nonce is signed for two deposits',
  feeCeiling: 'no EVM payout is signed with a max fee above the ceiling',
  nonceGap: 'no EVM nonce gap is left without an alert',
  stableIds: 'a deposit id names the same payment on every branch',
  harness: 'every sequence runs to its end (the daemon never hangs, nothing throws out of it)',
} as const;

export type Property = keyof typeof PROPERTIES;

export interface Violation {
  property: Property;
  detail: string;
}

const DECIMALS: Record<Coin, number> = { BTC: 8, ETH: 18, TOK: TOKEN_DECIMALS, FOREIGN: 18 };
/** The daemon's id of the payment (a model token transfer is indexed within its transaction). */
const idOf = (p: Payment): string => depositIdOf({ coin_type: p.coin, tx: p.tx, n: p.n, log_index: p.n });
const rateOf = (rates: Rates, coin: Coin): string => (coin === 'FOREIGN' ? '0' : rates[coin]);

/**
 * The generations whose sighting of a payment may have frozen its terms: those the node served it
 * to (`served`, in order), up to the first whose sighting must have been recorded.
 */
export function sightingGenerations(
  served: readonly number[],
  generations: readonly Generation[],
  orphaned: boolean,
  id: string,
): number[] {
  const out: number[] = [];
  for (const g of served) {
    out.push(g);
    const gen = generations[g - 1];
    // The daemon stores a sighting only once the write freezing its terms is durable: one that
    // failed (a disk error) and was not redone before the generation ended recorded nothing, and
    // showed the buyer nothing, so the next generation's sighting is the first.
    const lost = gen.terms !== undefined && gen.terms.failed.has(id) && !gen.terms.written.has(id);
    // A generation that ended gracefully has recorded its sighting, unless a reorg took it away.
    if (gen.end !== 'killed' && !orphaned && !lost) break;
  }
  return out;
}

/** A payout that happened: broadcast by the dummy sender, or mined on the EVM payout chain. */
interface Paid {
  txid: string;
  amount: bigint;
}

interface Observed {
  records: DepositRecord[];
  ledger: Paid[];
  auditOk: boolean;
  auditText: string;
}

/** Reads what the daemon left in its (stopped) data dir. */
export async function observe(w: World): Promise<Observed> {
  const { dir } = w;
  const store = await Store.open(dir);
  try {
    const deposits = new DepositStore(store);
    await deposits.open();
    const records = await deposits.list();
    const audit = await verifyAudit(store);
    let ledger: Paid[];
    if (w.payout.kind === 'evm') {
      ledger = [...w.payout.chain.mined.values()].map((m) => ({ txid: m.tx.hash, amount: m.tx.value }));
    } else {
      const sender = await DummySender.open(store, {
        coin: 'SKY',
        decimals: SKY_DECIMALS,
        addressError: skycoinAddressError,
      });
      ledger = [...sender.list()].filter((t): t is DummyTx => t !== undefined);
    }
    return {
      records,
      ledger,
      auditOk: audit.ok,
      auditText: JSON.stringify(audit.first_broken ?? audit.mismatches),
    };
  } finally {
    await store.close();
  }
}

/** Counts for the summary line: what the sequence exercised. */
export const tally = (o: Observed): { records: number; payouts: number } => ({
  records: o.records.length,
  payouts: o.ledger.length,
});

export function check(w: World, o: Observed): Violation[] {
  const out: Violation[] = [];
  const v = (property: Property, detail: string) => out.push({ property, detail });
  const chainOf = (coin: Coin): ModelChain<unknown> =>
    (coin === 'BTC' ? w.btc : w.eth) as ModelChain<unknown>;
  const isBound = (coin: Coin, address: string) =>
    w.bound.some((b) => b.coin === coin && b.address === address);
  const isDeposit = (p: Payment) => !p.failed && p.value > 0n && isBound(p.coin, p.address);
  const keyOf = (r: DepositRecord) => paymentKey(r.coin_type as Coin, r.deposit.tx, r.deposit.n);

  // Confirmed canonical payments at the end.
  const confirmed = new Map<string, Payment>();
  for (const chain of [w.btc, w.eth] as ModelChain<unknown>[]) {
    for (const c of chain.canonical()) {
      if (c.confs >= w.required(c.payment.coin)) confirmed.set(c.payment.key, c.payment);
    }
  }
  const recordsByKey = new Map<string, DepositRecord[]>();
  for (const r of o.records) recordsByKey.set(keyOf(r), [...(recordsByKey.get(keyOf(r)) ?? []), r]);
  const payoutsOf = new Map<string, Paid[]>();
  for (const t of o.ledger) {
    const id = w.payouts.depositOf.get(t.txid) ?? `(unknown payout ${t.txid})`;
    payoutsOf.set(id, [...(payoutsOf.get(id) ?? []), t]);
  }

  /** Whether another coin's payment has the same (tx, n): teller's ids `tx:n` collide. */
  const clashes = (p: Payment): boolean =>
    [...chainOf(p.coin).payments.values()].some((q) => q.tx === p.tx && q.n === p.n && q.coin !== p.coin);

  /** The payout amounts the rates of the payment's first sighting allow. */
  const allowedAmounts = (p: Payment): Map<bigint, string> => {
    const chain = chainOf(p.coin);
    const gens = chain.served.get(p.key) ?? [];
    const orphaned = chain.reorgs.some((r) => r.orphaned.includes(p.key));
    const amounts = new Map<bigint, string>();
    for (const g of sightingGenerations(gens, w.generations, orphaned, idOf(p))) {
      const rate = rateOf(w.generations[g - 1].rates, p.coin);
      const amount = depositToPayout(p.value, DECIMALS[p.coin], rate, MAX_DECIMALS, payoutDecimals(w.payout));
      amounts.set(amount, rate);
    }
    return amounts;
  };

  for (const p of confirmed.values()) {
    const recs = recordsByKey.get(p.key) ?? [];
    if (!isDeposit(p)) continue;
    const what = `${p.coin} deposit ${p.tx}:${p.n} of ${p.value} to ${p.address}`;
    if (recs.length !== 1) {
      const same = o.records.filter(
        (r) => r.deposit.tx === p.tx && r.deposit.n === p.n && r.coin_type !== p.coin,
      );
      const clash = same
        .map((r) => ` (its id ${r.deposit_id} is taken by a ${r.coin_type} deposit)`)
        .join('');
      v(clash ? 'distinctIds' : 'paidOnce', `${what}: ${recs.length} records${clash}`);
      continue;
    }
    const rec = recs[0];
    const paid = payoutsOf.get(rec.deposit_id) ?? [];
    const allowed = allowedAmounts(p);
    const owed = [...allowed.keys()];
    if (owed.every((a) => a === 0n)) {
      if (paid.length > 0 || rec.status !== 'done')
        v('paidOnce', `${what}: owes 0, ${paid.length} payouts, status ${rec.status}`);
      continue;
    }
    if (paid.length !== 1 || rec.status !== 'done') {
      v(
        'paidOnce',
        `${what}: ${paid.length} payouts, status ${rec.status} ${rec.error || rec.last_error} (payout ${rec.txid})`,
      );
      continue;
    }
    if (!allowed.has(paid[0].amount)) {
      const rates = [...allowed.values()].join(' or ');
      // Two deposits under one id share one record's terms: that is the id collision.
      const shared = clashes(p) ? ' (its id is shared with a deposit of another coin)' : '';
      // An id that named another payment on another branch (token ids were block-wide log indexes).
      const moved = (chainOf(p.coin).variants.get(p.key)?.size ?? 0) > 1;
      v(
        shared ? 'distinctIds' : moved ? 'stableIds' : 'rate',
        `${what}: paid ${paid[0].amount} at rate ${rec.conversion_rate}, first sighting at ${rates}${shared}`,
      );
    }
  }

  // Every payout: to a deposit that was confirmed on the canonical chain, once.
  const recordById = new Map(o.records.map((r) => [r.deposit_id, r]));
  for (const [id, txs] of payoutsOf) {
    const rec = recordById.get(id);
    if (!rec) {
      v('offChain', `payout(s) ${txs.map((t) => t.txid).join(',')} for ${id}, which has no record`);
      continue;
    }
    const key = keyOf(rec);
    const coin = rec.coin_type as Coin;
    const p = chainOf(coin).payments.get(key);
    if (!p || !isDeposit(p)) {
      v('nonDeposit', `paid ${id} (${rec.coin_type} to ${rec.deposit_address}), which is not a deposit`);
      continue;
    }
    if (confirmed.has(key)) continue;
    const chain = chainOf(coin);
    const most = chain.maxConfs.get(key) ?? 0;
    if (!chain.shownConfirmed.has(key)) {
      v(
        'offChain',
        `paid ${id} (${coin} ${p.value} to ${p.address}), never shown with ${w.required(coin)} confirmations (at most ${most} on the chain), not on the final chain`,
      );
      continue;
    }
    const alerted = w.lines.some((l) => l.level >= 50 && l.depositId === id && /reorg/i.test(l.msg));
    // Its id now names another payment on the final chain: teller took that one for it.
    if (!alerted && (chain.variants.get(key)?.size ?? 0) > 1) {
      v(
        'stableIds',
        `paid ${id}, reorged out after ${most} confirmations; its id now names another transfer`,
      );
    } else if (!alerted)
      v('lossAlert', `paid ${id}, reorged out after ${most} confirmations, no deep-reorg alert`);
  }

  for (const r of o.records) {
    if (r.deposit_value === 0n)
      v('zeroValue', `recorded ${r.deposit_id} of 0 ${r.coin_type}, status ${r.status}`);
  }
  if (!o.auditOk) v('audit', o.auditText);
  if (w.payout.kind === 'evm') checkEvm(w, v);
  return out;
}

/** The payout chain's view: one deposit per nonce, fees under the ceiling, no silent nonce gap. */
function checkEvm(w: World, v: (property: Property, detail: string) => void): void {
  if (w.payout.kind !== 'evm') return;
  const { chain } = w.payout;
  const depositsAt = new Map<number, Set<string>>();
  for (const tx of chain.received) {
    const id = w.payouts.depositOf.get(tx.hash) ?? `(unknown tx ${tx.hash})`;
    depositsAt.set(tx.nonce, (depositsAt.get(tx.nonce) ?? new Set()).add(id));
    if (tx.maxFee > MAX_FEE_GWEI * GWEI || tx.tip > MAX_TIP_GWEI * GWEI) {
      const fees = `${tx.maxFee}/${tx.tip} wei`;
      v(
        'feeCeiling',
        `payout ${tx.hash} (nonce ${tx.nonce}, ${id}) fees ${fees} above ${MAX_FEE_GWEI}/${MAX_TIP_GWEI} gwei`,
      );
    }
  }
  for (const [nonce, ids] of depositsAt) {
    if (ids.size > 1) v('nonceOnce', `nonce ${nonce} signed for ${[...ids].join(', ')}`);
  }
  // Every nonce signed (sent or not) that the chain never reached once all settled: stuck, and
  // only acceptable if the sender reports the gap (its monitors alert on it).
  const next = chain.count(HOT_ADDRESS);
  const signed = [...w.payouts.nonces.values()].flatMap((s) => [...s]);
  const gaps = [...new Set(signed)].filter((n) => n >= next).sort((a, b) => a - b);
  if (gaps.length > 0 && w.finalGap === null) {
    v(
      'nonceGap',
      `nonces ${gaps.join(', ')} signed but never mined (chain at nonce ${next}), nonceGap() says none`,
    );
  }
}

import type { ScannedDeposit } from '../core/deposit';
import type { DepositEvent, DepositRecord } from '../exchange/types';
import type { PreparedPayout } from '../sender/types';
import { prefixRange, type Store } from '../store/store';

/**
 * "Why was this transaction not credited / paid?": everything the store knows about a txid, as a
 * deposit (ids `<txid>:<n>`) or as a payout (a deposit's payout txid): the records with their
 * events and stored payouts, the scanner's seen / handed-over entries in its reorg window, and
 * deposits to watched addresses that had no binding (orphans).
 */

export interface TxDeposit {
  /** 'deposit': the txid paid into a deposit address; 'payout': the txid paid the buyer. */
  role: 'deposit' | 'payout';
  record: DepositRecord;
  events: DepositEvent[];
  payout: PreparedPayout | null;
}

export interface TxScanEntry {
  chain: string;
  /** 'seen': found, waiting for confirmations; 'handed': handed to the exchange. */
  kind: 'seen' | 'handed';
  height: number;
  /** Hash of the block it was found in. */
  block: string;
  deposit: ScannedDeposit;
}

export interface TxLookup {
  txid: string;
  deposits: TxDeposit[];
  scan: TxScanEntry[];
  orphans: ScannedDeposit[];
}

/** The txid as given and lower-cased (node RPCs report hex in lower case). */
const variants = (txid: string): string[] => [...new Set([txid, txid.toLowerCase()])];

export async function lookupTransaction(store: Store, txid: string): Promise<TxLookup> {
  const ids = variants(txid);
  const found = new Map<string, TxDeposit>();
  for (const id of ids) {
    for await (const [key, record] of store.entries<DepositRecord>('deposits', prefixRange(`${id}:`))) {
      found.set(key, { role: 'deposit', record, events: [], payout: null });
    }
  }
  // A payout txid is not indexed: a full pass, acceptable for an operator's one-off question.
  for await (const [key, record] of store.entries<DepositRecord>('deposits')) {
    if (record.txid !== '' && ids.includes(record.txid) && !found.has(key)) {
      found.set(key, { role: 'payout', record, events: [], payout: null });
    }
  }
  if (found.size > 0) {
    for await (const [, ev] of store.entries<DepositEvent>('events'))
      found.get(ev.deposit_id)?.events.push(ev);
    for (const [key, d] of found) d.payout = (await store.get<PreparedPayout>('payouts', key)) ?? null;
  }

  const scan: TxScanEntry[] = [];
  for await (const key of store.keys('scan')) {
    // <chain>!seen!<height>!<deposit id> and <chain>!handed!<height>!<deposit id> (engine-state.ts);
    // a deposit id is <txid>:<n>, or <txid>:txlog<n> (earlier builds: <txid>:log<n>) for a token transfer.
    const m = /^([^!]+)!(seen|handed)!(\d+)!(.+):(?:txlog|log)?\d+$/.exec(key);
    if (!m || !ids.includes(m[4])) continue;
    const value = await store.get<{ deposit: ScannedDeposit; hash: string }>('scan', key);
    if (!value) continue;
    scan.push({
      chain: m[1],
      kind: m[2] === 'seen' ? 'seen' : 'handed',
      height: Number(m[3]),
      block: value.hash,
      deposit: value.deposit,
    });
  }

  const orphans: ScannedDeposit[] = [];
  for (const id of ids)
    orphans.push(...(await store.values<ScannedDeposit>('orphans', prefixRange(`${id}:`))));
  return { txid, deposits: [...found.values()], scan, orphans };
}

/** True when the store knows nothing of the txid. */
export const isUnknownTx = (r: TxLookup): boolean =>
  r.deposits.length === 0 && r.scan.length === 0 && r.orphans.length === 0;

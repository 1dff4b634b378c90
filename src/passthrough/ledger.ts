import type { DepositRecord } from '../exchange/types';
import type { Op, Store } from '../store/store';
import type { PassthroughLedger } from './types';

/** Store key of a deposit's ledger in the `passthrough` space. */
const ledgerKey = (depositId: string): string => `order!${depositId}`;

export const getLedger = (store: Store, depositId: string): Promise<PassthroughLedger | undefined> =>
  store.get<PassthroughLedger>('passthrough', ledgerKey(depositId));

export const putLedger = (ledger: PassthroughLedger): Op => ({
  type: 'put',
  space: 'passthrough',
  key: ledgerKey(ledger.deposit_id),
  value: ledger,
});

export function newLedger(
  depositId: string,
  clientOrderId: string,
  requested: bigint,
  remainder: bigint,
): PassthroughLedger {
  return {
    deposit_id: depositId,
    attempt: 0,
    client_order_id: clientOrderId,
    previous_client_order_ids: [],
    previous_order_ids: [],
    requested,
    remainder,
    submitted_at: 0,
    submissions: 0,
    unspent: 0n,
    fee: 0n,
    fee_source: '',
    handled_note: '',
  };
}

/**
 * The ledger of a deposit, or one rebuilt from the record when it is missing (a store restored
 * from a teller-era backup). A rebuilt ledger assumes a request may have been sent, so the order
 * is looked up by its client id before anything is placed.
 */
export async function ledgerOf(
  store: Store,
  rec: DepositRecord,
  requested: bigint,
): Promise<PassthroughLedger> {
  const found = await getLedger(store, rec.deposit_id);
  if (found) return found;
  return { ...newLedger(rec.deposit_id, rec.passthrough.order.customer_id, requested, 0n), submitted_at: 1 };
}

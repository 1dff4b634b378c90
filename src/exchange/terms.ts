import type { Op, Store } from '../store/store';
import type { BuyMethod } from './types';

/**
 * The terms a deposit is paid at, frozen when a scanner first sees it (DESIGN.md "Money"), before
 * it has its confirmations and a deposit record. Kept in the store's `deposit_terms` space, keyed
 * by deposit id, and deleted in the batch that creates the record, which carries them from then on.
 * A deposit reorged away and mined again keeps the terms of its first sighting.
 */
export interface FrozenTerms {
  /** The deposit coin's rate string at the first sighting (payout coins per 1 deposit coin). */
  conversion_rate: string;
  /** `sky_exchanger.max_decimals` at the first sighting. */
  max_decimals: number;
  buy_method: BuyMethod;
  /** Unix seconds of the first sighting. */
  seen_at: number;
  /** The height it was first seen at. */
  height: number;
}

export const termsOf = (store: Store, depositId: string): Promise<FrozenTerms | undefined> =>
  store.get<FrozenTerms>('deposit_terms', depositId);

export const putTermsOp = (depositId: string, terms: FrozenTerms): Op => ({
  type: 'put',
  space: 'deposit_terms',
  key: depositId,
  value: terms,
});

export const dropTermsOp = (depositId: string): Op => ({
  type: 'del',
  space: 'deposit_terms',
  key: depositId,
});

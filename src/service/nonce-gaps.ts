import type { DepositStore } from '../exchange/deposit-store';
import { ExchangeError } from '../exchange/errors';
import type { GapFill, NonceGap, Sender } from '../sender/types';
import type { Logger } from '../util/logger';

/**
 * The admin's nonce-gap fill (EVM, issue 16): the admin API's POST /api/payout/nonce-gaps/<n>/fill
 * on a running daemon and `teller payout fill-nonce <n>` on a stopped one. Only a gap held by an
 * errored deposit is filled (a deposit still being paid re-broadcasts its own payout); the fill,
 * the void of that deposit's payout and an event in the deposit's hash-chained audit log are one
 * store batch, written before the fill is broadcast.
 */

export interface GapFillDeps {
  sender: Pick<Sender, 'kind' | 'nonceGap' | 'fillNonceGap'>;
  deposits: Pick<DepositStore, 'get' | 'update'>;
  /** Runs under the deposit's lock (Exchange.withLock; a stopped daemon needs none). */
  lock: <T>(depositId: string, fn: () => Promise<T>) => Promise<T>;
  log: Logger;
  /** Who asked, for the audit note ('admin API', 'operator (offline)'). */
  by: string;
}

/** The sender's gap, or null; a sender without nonces has none. */
export function currentGap(sender: GapFillDeps['sender']): Promise<NonceGap | null> {
  return sender.nonceGap?.() ?? Promise.resolve(null);
}

/** Fills the gap at `nonce`; again for a filled nonce, re-sends the same fill. */
export async function fillNonceGap(deps: GapFillDeps, nonce: number): Promise<GapFill> {
  const { sender, deposits } = deps;
  if (!sender.fillNonceGap) {
    throw new ExchangeError(
      'not_retryable',
      `the ${sender.kind} sender has no nonces: there is no gap to fill`,
    );
  }
  const fillGap = sender.fillNonceGap.bind(sender);
  const gap = await currentGap(sender);
  const owner = gap?.nonce === nonce ? gap.deposit_id : '';
  const fill = await deps.lock(owner, () =>
    fillGap(nonce, async (f, ops) => {
      const rec = await deposits.get(f.deposit_id);
      if (!rec) throw new ExchangeError('not_found', `deposit ${f.deposit_id} (nonce ${nonce}) not found`);
      if (f.deposit_id !== owner) {
        throw new ExchangeError(
          'not_retryable',
          `the gap at nonce ${nonce} changed while it was checked: ask again`,
        );
      }
      if (!rec.error) {
        throw new ExchangeError(
          'not_retryable',
          `deposit ${rec.deposit_id} (${rec.status}) has no error: it still sends its payout (nonce ${nonce}); ` +
            'a gap is filled only once its deposit stopped with an error',
        );
      }
      const error =
        `payout void: its nonce ${nonce} was filled with the zero-value transaction ${f.txid} by ${deps.by}; ` +
        'nothing was paid for this deposit: resolve it by hand';
      const note =
        `nonce gap ${nonce} filled by ${deps.by}: zero-value self-transfer ${f.txid}; ` +
        `payout ${f.voided_txids.join(', ') || '(none)'} void, never sent`;
      await deposits.update(rec, { error, last_error: error }, note, ops);
    }),
  );
  deps.log.warn({ nonce, txid: fill.txid, depositId: fill.deposit_id, by: deps.by }, 'nonce gap filled');
  return fill;
}

/** A fill as the admin API and the CLI show it (without the signed bytes). */
export const gapFillView = (f: GapFill): object => ({
  nonce: f.nonce,
  txid: f.txid,
  deposit_id: f.deposit_id,
  voided_txids: f.voided_txids,
  filled_at: f.filled_at,
});

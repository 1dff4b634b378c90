import { emptyPassthrough, type DepositRecord } from '../../src/exchange/types';

/** A stored deposit record for store-level tests, without its seq (the store assigns it). */

export const SKY = '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X';
export const BTC_ADDR = '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA';

/** Deposit `tx:n` of BTC, just seen (waiting_decide), with `over` on top. */
export function depositRecord(
  tx: string,
  n: number,
  over: Partial<DepositRecord> = {},
): Omit<DepositRecord, 'seq'> {
  const value = over.deposit_value ?? 1_000_000n;
  const address = over.deposit_address ?? BTC_ADDR;
  return {
    updated_at: 1_700_000_000,
    status: 'waiting_decide',
    coin_type: 'BTC',
    sky_address: SKY,
    buy_method: 'direct',
    deposit_address: address,
    deposit_id: `${tx}:${n}`,
    txid: '',
    conversion_rate: '500',
    max_decimals: 3,
    deposit_value: value,
    sky_sent: 0n,
    passthrough: emptyPassthrough(),
    error: '',
    deposit: { coin_type: 'BTC', address, value, height: 100, tx, n, processed: true },
    last_error: '',
    attempts: 0,
    created_at: 1_700_000_000,
    ...over,
  };
}

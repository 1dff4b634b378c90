import type { DepositRecord } from '../exchange/types';

/** teller's DepositInfo JSON (monitor API), field order as teller declares it. */
export function depositInfo(d: DepositRecord): object {
  return {
    seq: d.seq,
    updated_at: d.updated_at,
    status: d.status,
    coin_type: d.coin_type,
    sky_address: d.sky_address,
    buy_method: d.buy_method,
    deposit_address: d.deposit_address,
    deposit_id: d.deposit_id,
    txid: d.txid,
    conversion_rate: d.conversion_rate,
    deposit_value: d.deposit_value,
    sky_sent: d.sky_sent,
    passthrough: {
      exchange_name: d.passthrough.exchange_name,
      sky_bought: d.passthrough.sky_bought,
      deposit_value_spent: d.passthrough.deposit_value_spent,
      requested_amount: d.passthrough.requested_amount,
      order: { ...d.passthrough.order },
    },
    error: d.error,
    deposit: {
      coin_type: d.deposit.coin_type,
      address: d.deposit.address,
      value: d.deposit.value,
      height: d.deposit.height,
      tx: d.deposit.tx,
      n: d.deposit.n,
      // teller copied the scanner's record before the scanner marked it processed: always false
      // (records written by earlier Teller builds say true).
      processed: false,
    },
  };
}

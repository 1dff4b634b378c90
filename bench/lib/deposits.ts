import { createHash } from 'node:crypto';
import { skycoinAddressFromPubKey } from '../../src/chains/skycoin/address';
import type { StoredStatus } from '../../src/core/deposit';
import type { DepositRecord } from '../../src/exchange/types';
import { emptyPassthrough } from '../../src/exchange/types';
import { prng, randomBytesFrom } from './stats';

/** Deposit records and payout addresses shaped like the daemon's own (see Exchange.receive). */

export const txidOf = (i: number): string => createHash('sha256').update(`bench-tx-${i}`).digest('hex');

export function skyAddresses(n: number, seed = 7): string[] {
  const rand = prng(seed);
  return Array.from({ length: n }, () =>
    skycoinAddressFromPubKey(Buffer.concat([Buffer.of(2), randomBytesFrom(rand, 32)])),
  );
}

export function depositRecord(
  i: number,
  opts: { address: string; skyAddress: string; status: StoredStatus; height?: number },
): Omit<DepositRecord, 'seq'> {
  const tx = txidOf(i);
  const value = 100_000n + BigInt(i);
  const now = Math.floor(Date.now() / 1000);
  const done = opts.status === 'done';
  return {
    updated_at: now,
    status: opts.status,
    coin_type: 'BTC',
    sky_address: opts.skyAddress,
    buy_method: 'direct',
    deposit_address: opts.address,
    deposit_id: `${tx}:0`,
    txid: done ? createHash('sha256').update(`bench-payout-${i}`).digest('hex') : '',
    conversion_rate: '500',
    max_decimals: 3,
    deposit_value: value,
    sky_sent: done ? (value * 5n * 10n ** 6n) / 10n ** 6n : 0n,
    passthrough: emptyPassthrough(),
    error: '',
    deposit: {
      coin_type: 'BTC',
      address: opts.address,
      value,
      height: opts.height ?? 800_000 + (i >> 3),
      tx,
      n: 0,
      processed: true,
    },
    last_error: '',
    attempts: 0,
    created_at: now,
  };
}

/** Runs `fn(i)` for i in [from, to) with at most `concurrency` in flight. */
export async function forEachConcurrent(
  from: number,
  to: number,
  concurrency: number,
  fn: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, to - from) }, worker));
}

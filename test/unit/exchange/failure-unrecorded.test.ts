import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DepositStore } from '../../../src/exchange/deposit-store';
import { depositIdOf, type ScannedDeposit } from '../../../src/core/deposit';
import type { DepositRecord } from '../../../src/exchange/types';
import { StoreError } from '../../../src/store/errors';
import { Store, type Op } from '../../../src/store/store';
import { startExchange } from '../../helpers/exchange-rig';
import { until } from '../../helpers/until';

/**
 * A step that fails, and whose failure cannot be recorded either (the store write fails too), is
 * tried again later: it was left unscheduled until the next restart (found by the model-based
 * test, soak seed 2575: an EVM payout above the fee ceiling, then a failed write).
 */

const SKY = '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X';
const BTC_ADDR = 'bc1qexampleaddress0000000000000000000000';
const d: ScannedDeposit = {
  coin_type: 'BTC',
  address: BTC_ADDR,
  value: 100_000n,
  height: 5,
  tx: 'ab'.repeat(32),
  n: 0,
};

it('retries a deposit whose failed step could not be recorded', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'teller-unrecorded-'));
  const raw = await Store.open(dir);
  let failed = 0;
  // The write recording the first retryable failure fails (a disk error).
  const store = new Proxy(raw, {
    get(target, prop, receiver) {
      if (prop !== 'write') return Reflect.get(target, prop, receiver) as unknown;
      return (w: Parameters<Store['write']>[0]) => {
        // A deferred write (the exchange's) is built to see it, then given back as failed.
        const ops: Op[] = Array.isArray(w) ? w : w.build();
        const recording = ops.some(
          (o) => o.type === 'put' && o.space === 'deposits' && (o.value as DepositRecord).last_error !== '',
        );
        if (recording && failed++ === 0) {
          if (!Array.isArray(w)) w.settle(false);
          return Promise.reject(new StoreError('disk error'));
        }
        if (!Array.isArray(w)) return target.write({ build: () => ops, settle: w.settle });
        return target.write(ops);
      };
    },
  });
  const deposits = new DepositStore(store);
  await deposits.open();
  const { exchange, sender } = await startExchange(store, deposits);
  try {
    await deposits.bind(SKY, 'BTC', 'BTC', BTC_ADDR, 'direct');
    await sender.setBalance(0n); // prepare fails, retryable: not enough coins
    await exchange.receive(d);
    const id = depositIdOf(d);
    await until('the failed write', () => failed > 0);
    expect(failed).toBe(1);
    await sender.setBalance(10n ** 12n);
    await until('waiting_confirm', async () => (await deposits.get(id))?.status === 'waiting_confirm');
    expect(await deposits.get(id)).toMatchObject({ status: 'waiting_confirm', error: '' });
  } finally {
    await exchange.stop();
    await raw.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

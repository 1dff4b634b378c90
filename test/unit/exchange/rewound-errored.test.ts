import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DepositStore } from '../../../src/exchange/deposit-store';
import { WRONG_ASSET_ERROR } from '../../../src/exchange/errors';
import { depositIdOf, type ScannedDeposit } from '../../../src/core/deposit';
import { Store } from '../../../src/store/store';
import { exchangeConfig, startExchange } from '../../helpers/exchange-rig';

/**
 * A deposit that waits for an operator (its `error` set: a wrong asset, a permanent failure) and
 * that a rewind takes back and the scan then finds again is still waiting for the operator: the
 * rewind's hold must not lift its error (found by the model-based test, seed 20261207).
 */

const SKY = '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X';
const TOKEN_ADDR = '0x2222222222222222222222222222222222222222';
const d: ScannedDeposit = {
  coin_type: 'ETH',
  address: TOKEN_ADDR,
  value: 10n ** 17n,
  height: 9,
  tx: `0x${'ab'.repeat(32)}`,
  n: 0,
};

it('a wrong-asset deposit rewound and found again is still not paid', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'teller-rewound-errored-'));
  const store = await Store.open(dir);
  const deposits = new DepositStore(store);
  await deposits.open();
  const cfg = exchangeConfig();
  cfg.eth_tokens = [{ symbol: 'TUSD', contract: `0x${'33'.repeat(20)}`, decimals: 6, exchange_rate: '2' }];
  const { exchange, sender } = await startExchange(store, deposits, cfg);
  try {
    await deposits.bind(SKY, 'TUSD', 'ETH', TOKEN_ADDR, 'direct');
    await exchange.receive(d); // ETH sent to an address bound for the token
    const id = depositIdOf(d);
    expect(await exchange.rewound(d)).toBe('held');
    await exchange.receive(d); // found again on the chain, confirmed
    const rec = await deposits.get(id);
    expect(rec).toMatchObject({ status: 'waiting_decide', error: WRONG_ASSET_ERROR('ETH', 'TUSD') });
    // Were it released, its next step would be running now: a later step finds it still waiting.
    await exchange.stop();
    expect(await deposits.get(id)).toMatchObject({ status: 'waiting_decide' });
    expect(sender.list()).toEqual([]);
  } finally {
    await exchange.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

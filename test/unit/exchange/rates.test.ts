import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { depositCoins } from '../../../src/exchange/coins';
import { DepositStore } from '../../../src/exchange/deposit-store';
import { RateBook } from '../../../src/exchange/rates';
import type { ScannedDeposit } from '../../../src/core/deposit';
import { termsOf } from '../../../src/exchange/terms';
import { verifyAudit } from '../../../src/ops/audit';
import { Exchange } from '../../../src/exchange/exchange';
import { DummySender } from '../../../src/sender/dummy-sender';
import { skycoinAddressError } from '../../../src/chains/skycoin/address';
import { Store } from '../../../src/store/store';
import { silentLogger } from '../../../src/util/logger';
import { exchangeConfig } from '../../helpers/exchange-rig';

/**
 * Rates set at run time (issue 20, src/exchange/rates.ts): validated with the config check's text,
 * stored with the config value they were set against, audited with the old and new value, kept over
 * a restart until the config value changes (the config wins), and frozen on a deposit first seen.
 */

const SKY = '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X';
const ADDR = '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'teller-rates-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function open(btcRate = '500') {
  const cfg = exchangeConfig();
  cfg.sky_exchanger.sky_btc_exchange_rate = btcRate;
  const store = await Store.open(dir);
  const deposits = new DepositStore(store);
  await deposits.open();
  const coins = depositCoins(cfg);
  const rates = await RateBook.open(deposits, coins, silentLogger());
  return { cfg, store, deposits, coins, rates };
}

it('a rate the config check refuses is refused with the config check’s text, and nothing changes', async () => {
  const { store, rates, coins } = await open();
  const cases: [string, string, string][] = [
    ['BTC', '0', 'sky_exchanger.sky_btc_exchange_rate invalid: rate must be greater than zero'],
    ['BTC', '1,000', "sky_exchanger.sky_btc_exchange_rate invalid: can't convert 1,000 to decimal"],
    ['ETH', '', "sky_exchanger.sky_eth_exchange_rate invalid: can't convert  to decimal"],
    ['BTC', '-1/3', 'sky_exchanger.sky_btc_exchange_rate invalid: rate must be greater than zero'],
  ];
  for (const [coin, rate, text] of cases) {
    await expect(rates.set(coin, rate, 'test')).rejects.toMatchObject({
      code: 'rate_invalid',
      message: text,
    });
  }
  await expect(rates.set('DOGE', '1', 'test')).rejects.toMatchObject({ code: 'not_found' });
  expect(coins.get('BTC')?.rate).toBe('500');
  expect(rates.version).toBe(0);
  expect(rates.allFromConfig()).toBe(true);
  await store.close();
});

it('a set rate is the coin’s rate at once, audited with the old and new value, and kept over a restart', async () => {
  const first = await open();
  const change = await first.rates.set('BTC', '1/3', 'admin API');
  expect(change).toMatchObject({
    coin: 'BTC',
    previous: '500',
    rate: '1/3',
    source: 'operator',
    config_rate: '500',
  });
  expect(first.coins.get('BTC')?.rate).toBe('1/3');
  expect(first.rates.version).toBe(1);
  await first.rates.set('BTC', '510', 'admin API');
  const events = await first.deposits.events('rate:BTC');
  expect(events.map((e) => e.note)).toEqual([
    'rate of BTC set by admin API: 500 -> 1/3 (config sky_exchanger.sky_btc_exchange_rate = 500)',
    'rate of BTC set by admin API: 1/3 -> 510 (config sky_exchanger.sky_btc_exchange_rate = 500)',
  ]);
  expect(events.every((e) => e.from === null && e.to === null)).toBe(true);
  expect(await verifyAudit(first.store)).toMatchObject({ ok: true, count: 2 });
  await first.store.close();

  const again = await open('500');
  expect(again.coins.get('BTC')?.rate).toBe('510');
  expect(again.rates.state('BTC')).toMatchObject({ rate: '510', source: 'operator' });
  expect(again.rates.allFromConfig()).toBe(false);
  // Back to the config's value: nothing stored any more.
  await again.rates.set('BTC', '500', 'admin API');
  expect(again.rates.allFromConfig()).toBe(true);
  await again.store.close();
  const third = await open('500');
  expect(third.rates.state('BTC')).toMatchObject({ rate: '500', source: 'config' });
  await third.store.close();
});

it('a changed config value wins over the rate set at run time, and the drop is audited', async () => {
  const first = await open('500');
  await first.rates.set('BTC', '510', 'admin API');
  await first.store.close();

  const changed = await open('600');
  expect(changed.coins.get('BTC')?.rate).toBe('600');
  expect(changed.rates.state('BTC')).toMatchObject({ rate: '600', source: 'config' });
  const notes = (await changed.deposits.events('rate:BTC')).map((e) => e.note);
  expect(notes[1]).toBe(
    'rate of BTC: 510 -> 600 at start (sky_exchanger.sky_btc_exchange_rate changed from 500: the config wins)',
  );
  await changed.store.close();
  // Gone for good: back at the old config value, the old rate does not come back.
  const back = await open('500');
  expect(back.rates.state('BTC')).toMatchObject({ rate: '500', source: 'config' });
  expect(await verifyAudit(back.store)).toMatchObject({ ok: true });
  await back.store.close();
});

it('concurrent sets are audited in order, each with the rate it replaced', async () => {
  const { store, rates, deposits } = await open();
  await Promise.all(['501', '502', '503'].map((r) => rates.set('BTC', r, 'admin API')));
  const notes = (await deposits.events('rate:BTC')).map((e) => /: (\S+) -> (\S+) /.exec(e.note)?.slice(1));
  expect(notes).toEqual([
    ['500', '501'],
    ['501', '502'],
    ['502', '503'],
  ]);
  await store.close();
});

it('a deposit first seen after a set is frozen at the new rate; one seen before keeps its rate', async () => {
  const { cfg, store, deposits, coins, rates } = await open();
  cfg.sky_exchanger.send_enabled = false;
  await deposits.bind(SKY, 'BTC', 'BTC', ADDR, 'direct');
  await deposits.bind(SKY, 'BTC', 'BTC', '1Ak8PffB2meyfYnbXZR9EGfLfFZVpzJvQP', 'direct');
  const sender = await DummySender.open(store, {
    coin: 'SKY',
    decimals: 6,
    addressError: skycoinAddressError,
  });
  const exchange = new Exchange({ config: cfg, deposits, sender, coins, log: silentLogger() });
  await exchange.start();
  const dep = (tx: string, address: string): ScannedDeposit => ({
    coin_type: 'BTC',
    address,
    value: 100_000_000n,
    height: 5,
    tx,
    n: 0,
  });
  await exchange.seen([dep('a'.repeat(64), ADDR)]);
  await rates.set('BTC', '750', 'admin API');
  await exchange.seen([dep('b'.repeat(64), '1Ak8PffB2meyfYnbXZR9EGfLfFZVpzJvQP'), dep('a'.repeat(64), ADDR)]);
  expect((await termsOf(store, `${'a'.repeat(64)}:0`))?.conversion_rate).toBe('500');
  expect((await termsOf(store, `${'b'.repeat(64)}:0`))?.conversion_rate).toBe('750');
  await exchange.stop();
  await store.close();
});

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { skycoinAddressError } from '../../../src/chains/skycoin/address';
import { depositCoins } from '../../../src/exchange/coins';
import { DepositStore } from '../../../src/exchange/deposit-store';
import { Exchange } from '../../../src/exchange/exchange';
import { DummySender } from '../../../src/sender/dummy-sender';
import { Store } from '../../../src/store/store';
import { exchangeConfig } from '../../helpers/exchange-rig';
import { until } from '../../helpers/until';

/**
 * A payout stuck on "sold out" retries every tx_confirmation_check_wait; the log says so once per
 * state change and then in a periodic summary, not a warning per retry (issue 21).
 */

const SKY = '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X';
const ADDR = '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA';

interface Line {
  level: number;
  msg: string;
  [k: string]: unknown;
}

it('sold out: one warning when it starts, a periodic summary, one info when it ends', async () => {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Line);
      cb();
    },
  });
  const log = pino({ level: 'info', base: undefined }, sink);
  const store = await Store.open(mkdtempSync(path.join(os.tmpdir(), 'teller-soldout-')));
  const deposits = new DepositStore(store);
  await deposits.open();
  await deposits.bind(SKY, 'BTC', 'BTC', ADDR, 'direct');
  const sender = await DummySender.open(store, {
    coin: 'SKY',
    decimals: 6,
    addressError: skycoinAddressError,
  });
  let prepares = 0;
  const prepare = sender.prepare.bind(sender);
  sender.prepare = (...args) => {
    prepares++;
    return prepare(...args);
  };
  const cfg = exchangeConfig(); // retries every 20 ms at most
  const exchange = new Exchange({
    config: cfg,
    deposits,
    sender,
    coins: depositCoins(cfg),
    log,
    soldOutSummaryMs: 200,
  });
  await exchange.start();
  try {
    await sender.setBalance(1_000n);
    await exchange.receive({
      coin_type: 'BTC',
      address: ADDR,
      value: 100_000_000n,
      height: 1,
      tx: 'so',
      n: 0,
    });
    // Many retries, and at least one summary.
    await until('20 retries', () => prepares >= 20);
    await until('a summary', () => lines.some((l) => l.msg === 'still sold out'));
    const warnings = lines.filter((l) => l.level >= 40);
    expect(warnings.filter((l) => l.msg !== 'still sold out').map((l) => l.msg)).toEqual([
      'sold out: payouts wait until the hot wallet is refilled',
    ]);
    expect(lines.find((l) => l.msg === 'still sold out')).toMatchObject({ level: 40, waiting: 1 });
    await sender.setBalance(1_000_000_000n);
    await exchange.wakeWaitingSend();
    await until('the end of sold out', () =>
      lines.some((l) => l.msg === 'no longer sold out: payouts resume'),
    );
    expect(lines.filter((l) => l.msg === 'no longer sold out: payouts resume')).toHaveLength(1);
  } finally {
    await exchange.stop();
    await store.close();
  }
});

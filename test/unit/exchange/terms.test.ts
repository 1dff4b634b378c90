import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../../src/config/types';
import { DepositStore } from '../../../src/exchange/deposit-store';
import type { Exchange } from '../../../src/exchange/exchange';
import { termsOf } from '../../../src/exchange/terms';
import type { ScannedDeposit } from '../../../src/core/deposit';
import { Store } from '../../../src/store/store';
import { exchangeConfig, startExchange } from '../../helpers/exchange-rig';

/**
 * DESIGN.md "Money": a deposit is paid at the rate (and payout decimals, buy method) in force when
 * a scanner first saw it, whatever the config says when it is confirmed and recorded.
 */

const SKY = '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X';
const ADDR = '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA';
const PASS_ADDR = '1Ak8PffB2meyfYnbXZR9EGfLfFZVpzJvQP';

const dep = (tx: string, value: bigint, address = ADDR, height = 10): ScannedDeposit => ({
  coin_type: 'BTC',
  address,
  value,
  height,
  tx,
  n: 0,
});

const withTerms = (rate: string, maxDecimals: number): Config => {
  const cfg = exchangeConfig();
  cfg.sky_exchanger.sky_btc_exchange_rate = rate;
  cfg.sky_exchanger.max_decimals = maxDecimals;
  // Records stay in waiting_send: these tests look at the terms, not at the payout.
  cfg.sky_exchanger.send_enabled = false;
  return cfg;
};

describe('terms frozen at the first sighting', () => {
  let dir: string;
  let store: Store;
  let deposits: DepositStore;
  let exchange: Exchange;

  const open = async (cfg: Config): Promise<void> => {
    store = await Store.open(dir);
    deposits = new DepositStore(store);
    await deposits.open();
    ({ exchange } = await startExchange(store, deposits, cfg));
  };
  const close = async (): Promise<void> => {
    await exchange.stop();
    await store.close();
  };
  /** A restart of the daemon with another config. */
  const reopen = async (cfg: Config): Promise<void> => {
    await close();
    await open(cfg);
  };

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'teller-terms-'));
    await open(withTerms('15.5', 3));
    await deposits.bind(SKY, 'BTC', 'BTC', ADDR, 'direct');
    await deposits.bind(SKY, 'BTC', 'BTC', PASS_ADDR, 'passthrough');
  });
  afterEach(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a deposit seen at one rate and recorded after a restart at another is recorded at the first', async () => {
    await exchange.seen([dep('aa', 12_345_678n)]);
    expect(await termsOf(store, 'aa:0')).toMatchObject({
      conversion_rate: '15.5',
      max_decimals: 3,
      buy_method: 'direct',
      height: 10,
    });
    await reopen(withTerms('20', 1));
    // Seen again (a replay, a re-mined block at another height): the first terms stand.
    await exchange.seen([dep('aa', 12_345_678n, ADDR, 12)]);
    await exchange.receive(dep('aa', 12_345_678n, ADDR, 12));
    const rec = await deposits.get('aa:0');
    expect(rec).toMatchObject({ conversion_rate: '15.5', max_decimals: 3, buy_method: 'direct' });
    // The record carries the terms from now on; the sighting's copy went in the same batch.
    expect(await termsOf(store, 'aa:0')).toBeUndefined();
    const events = await deposits.events('aa:0');
    expect(events[0].note).toContain('at the rate of its first sighting at height 10');
  });

  it('a sighting whose terms write failed froze nothing: the next sighting, at a new rate, is the first', async () => {
    // The scanner stores (and shows as pending) no sighting whose report failed (engine-sighting.test.ts).
    jest.spyOn(store, 'write').mockRejectedValueOnce(new Error('disk error'));
    await expect(exchange.seen([dep('lost', 12_345_678n)])).rejects.toThrow('disk error');
    expect(await termsOf(store, 'lost:0')).toBeUndefined();
    await reopen(withTerms('20', 1));
    await exchange.seen([dep('lost', 12_345_678n)]);
    await exchange.receive(dep('lost', 12_345_678n));
    expect(await deposits.get('lost:0')).toMatchObject({ conversion_rate: '20', max_decimals: 1 });
  });

  it('freezes a whole scanned batch in one write; an id twice in it keeps its first sighting', async () => {
    const write = jest.spyOn(store, 'write');
    await exchange.seen([dep('b1', 1n), dep('b2', 2n, PASS_ADDR, 11), dep('b1', 1n, ADDR, 12)]);
    expect(write).toHaveBeenCalledTimes(1);
    write.mockRestore();
    expect((await termsOf(store, 'b1:0'))?.height).toBe(10);
    expect((await termsOf(store, 'b2:0'))?.height).toBe(11);
  });

  it('freezes the buy method of the binding with the rate', async () => {
    await exchange.seen([dep('pt', 5_000_000n, PASS_ADDR)]);
    expect((await termsOf(store, 'pt:0'))?.buy_method).toBe('passthrough');
  });

  it('a deposit nobody saw before (dummy scanner, older store) gets the terms in force when recorded', async () => {
    await reopen(withTerms('20', 1));
    await exchange.receive(dep('bb', 1_000_000n));
    expect(await deposits.get('bb:0')).toMatchObject({ conversion_rate: '20', max_decimals: 1 });
  });

  it('freezes nothing for a recorded deposit, an unbound address or a deposit of 0', async () => {
    await exchange.receive(dep('cc', 1_000n));
    await exchange.seen([
      dep('cc', 1_000n),
      dep('dd', 1_000n, '1BoatSLRHtKNngkdXEeobR76b53LETtpyT'),
      dep('ee', 0n),
    ]);
    for (const id of ['cc:0', 'dd:0', 'ee:0']) expect(await termsOf(store, id)).toBeUndefined();
  });
});

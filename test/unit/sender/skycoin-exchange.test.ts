import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../../src/config';
import type { Config } from '../../../src/config/types';
import { depositCoins } from '../../../src/exchange/coins';
import { DepositStore } from '../../../src/exchange/deposit-store';
import { Exchange } from '../../../src/exchange/exchange';
import type { ScannedDeposit } from '../../../src/core/deposit';
import type { DepositRecord } from '../../../src/exchange/types';
import { SkycoinSender } from '../../../src/sender/skycoin-sender';
import { Store } from '../../../src/store/store';
import { silentLogger } from '../../../src/util/logger';
import { FakeSkycoinNode, droplets, skyAddress } from '../../helpers/fake-skycoin-node';
import { until } from '../../helpers/until';

/**
 * The real Exchange, a real store and SkycoinSender against the fake node: a BTC deposit is paid
 * in SKY exactly once, including across a crash between storing the signed payout and a
 * successful broadcast.
 */

const BUYER = skyAddress('buyer');
const DEPOSIT_ADDR = '1BoatSLRHtKNngkdXEeobR76b53LETtpyT';
const INJECT = '/api/v1/injectTransaction';

function config(node: FakeSkycoinNode): Config {
  const c = defaultConfig();
  c.sky_exchanger.sky_btc_exchange_rate = '500';
  c.sky_exchanger.max_decimals = 3;
  c.sky_exchanger.send_enabled = true;
  c.sky_exchanger.tx_confirmation_check_wait_ms = 20;
  c.sky_exchanger.wallet = `/somewhere/${node.walletId}`;
  c.payout.coin = 'SKY';
  c.payout.sky_node_url = node.url;
  c.dummy.sender = false;
  return c;
}

/** `until` (test/helpers/until.ts) with the condition first. */
const waitFor = (cond: () => boolean | Promise<boolean>, what: string): Promise<void> => until(what, cond);

const deposit = (tx: string): ScannedDeposit => ({
  coin_type: 'BTC',
  address: DEPOSIT_ADDR,
  value: 12_345_678n,
  height: 1,
  tx,
  n: 0,
});

/** One daemon run: store, deposits, sender and exchange on `dir`. */
async function run(dir: string, node: FakeSkycoinNode) {
  const store = await Store.open(dir);
  const deposits = new DepositStore(store);
  await deposits.open();
  const cfg = config(node);
  const log = silentLogger();
  const sender = await SkycoinSender.open({ config: cfg, log, store });
  const exchange = new Exchange({ config: cfg, deposits, sender, coins: depositCoins(cfg), log });
  await exchange.start();
  const stop = async () => {
    await exchange.stop();
    await sender.close();
    await store.close();
  };
  const status = async (id: string): Promise<DepositRecord | undefined> => deposits.get(id);
  return { store, deposits, exchange, stop, status };
}

describe('Exchange + SkycoinSender (fake node)', () => {
  let node: FakeSkycoinNode;
  let dir: string;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    node = await FakeSkycoinNode.start({ coins: droplets(1000) });
    dir = mkdtempSync(path.join(os.tmpdir(), 'teller-sky-'));
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function daemon() {
    const d = await run(dir, node);
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await d.stop();
    };
    cleanups.push(stop);
    return { ...d, stop };
  }

  it('pays a BTC deposit at the frozen rate, once, and finishes when the node confirms', async () => {
    const d = await daemon();
    await d.deposits.bind(BUYER, 'BTC', 'BTC', DEPOSIT_ADDR, 'direct');
    await d.exchange.receive(deposit('ab'));
    await d.exchange.receive(deposit('ab')); // a replay changes nothing

    await waitFor(() => node.spends().length === 1, 'the payout injected');
    const [tx] = node.spends();
    expect(tx?.outputs.find((o) => o.address === BUYER)?.coins).toBe(61_728_000n);
    expect((await d.status('ab:0'))?.status).toBe('waiting_confirm');

    node.confirm(tx?.txid ?? '');
    await waitFor(async () => (await d.status('ab:0'))?.status === 'done', 'the deposit done');
    const rec = await d.status('ab:0');
    expect(rec).toMatchObject({ sky_sent: 61_728_000n, txid: tx?.txid, error: '' });
    expect(node.spends()).toHaveLength(1);
    expect(node.coins).toBe(droplets(1000) - 61_728_000n);
  });

  it.each(['before', 'after'] as const)(
    'a crash after the payout is stored, with the broadcast lost %s the node acted, still pays once',
    async (when) => {
      const first = await daemon();
      await first.deposits.bind(BUYER, 'BTC', 'BTC', DEPOSIT_ADDR, 'direct');
      node.dropNext(INJECT, when);
      await first.exchange.receive(deposit('cd'));

      // The signed payout is stored, its broadcast failed: the daemon dies now.
      await waitFor(() => node.callsTo(INJECT).length === 1, 'the broadcast attempt');
      await waitFor(async () => (await first.status('cd:0'))?.last_error !== '', 'the failure recorded');
      await first.stop();

      const reopened = await Store.open(dir);
      const stored = await new DepositStore(reopened).getPayout('cd:0');
      const rec = await new DepositStore(reopened).get('cd:0');
      await reopened.close();
      expect(rec?.status).toBe('waiting_confirm');
      expect(stored).toMatchObject({ broadcasts: 0, amount: 61_728_000n, to: BUYER });
      expect(node.spends()).toHaveLength(when === 'after' ? 1 : 0);

      // Restart on the same store: the same bytes go out again, nothing is signed anew.
      const second = await daemon();
      await waitFor(() => node.spends().length === 1 && node.callsTo(INJECT).length >= 2, 'the re-broadcast');
      const [tx] = node.spends();
      expect(tx?.txid).toBe(stored?.txid);
      expect(node.callsTo('/api/v1/wallet/transaction')).toHaveLength(1);

      node.confirm(tx?.txid ?? '');
      await waitFor(async () => (await second.status('cd:0'))?.status === 'done', 'the deposit done');
      expect(await second.status('cd:0')).toMatchObject({ sky_sent: 61_728_000n, txid: stored?.txid });
      expect(node.spends()).toHaveLength(1);
      expect(node.coins).toBe(droplets(1000) - 61_728_000n);
    },
  );

  it('sold out: holds the payout while the wallet is short, pays once refilled', async () => {
    node.setBalance(droplets(10));
    const d = await daemon();
    await d.deposits.bind(BUYER, 'BTC', 'BTC', DEPOSIT_ADDR, 'direct');
    await d.exchange.receive(deposit('ef'));
    await waitFor(() => d.exchange.soldOut, 'sold out');
    expect(d.exchange.senderError).toBe('balance is not sufficient');
    expect((await d.status('ef:0'))?.status).toBe('waiting_send');

    node.setBalance(droplets(100));
    await waitFor(() => node.spends().length === 1, 'the payout after the refill');
    expect(d.exchange.soldOut).toBe(false);
    node.confirm(node.spends()[0]?.txid ?? '');
    await waitFor(async () => (await d.status('ef:0'))?.status === 'done', 'the deposit done');
    expect(node.spends()).toHaveLength(1);
  });
});

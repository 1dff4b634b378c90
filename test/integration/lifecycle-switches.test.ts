import {
  SKY,
  bind,
  broadcasts,
  confirmAll,
  deposit,
  depositById,
  health,
  postJson,
  request,
  setBalance,
  replayTwice,
  startDaemon,
  waitFor,
  waitForDeposit,
  waitForPayout,
  waitForStatus,
  type Daemon,
} from '../helpers/daemon';
import { DEADLINE_MS } from '../helpers/until';

/**
 * The operator's switches and the hot wallet running dry: send_enabled (DESIGN.md difference 3),
 * bind_enabled, and "sold out" (difference 12: held payouts, not a blocked service).
 */

const NOT_ENOUGH = 'CreateTransaction not enough coins';
const EMPTY = 'hot wallet is empty: sold out';

const soldOutOfConfig = async (d: Daemon): Promise<boolean> =>
  (JSON.parse((await request(`${d.publicUrl}/api/config`)).body) as { sold_out: boolean }).sold_out;

describe('sky_exchanger.send_enabled', () => {
  let d: Daemon;
  afterAll(async () => {
    await d?.dispose();
  });

  it('false: deposits are recorded and held in waiting_send; true after a restart: they are paid', async () => {
    d = await startDaemon({ sky_exchanger: { send_enabled: false } });
    const a = await bind(d, SKY[0], 'BTC');
    const b = await bind(d, SKY[1], 'ETH');
    await deposit(d, { addr: a, value: 2_000_000, tx: 'sw-held-btc' });
    await deposit(d, { coin: 'ETH', addr: b, value: 10n ** 17n, tx: '0xswheldeth' });
    await waitForDeposit(d, 'sw-held-btc:0', (x) => x.status === 'waiting_send');
    await waitForDeposit(d, '0xswheldeth:0', (x) => x.status === 'waiting_send');
    // Both send steps (sending off) have run to their end.
    await replayTwice(d, { addr: a, value: 2_000_000, tx: 'sw-held-btc' });
    await replayTwice(d, { coin: 'ETH', addr: b, value: 10n ** 17n, tx: '0xswheldeth' });
    expect(await broadcasts(d)).toEqual([]);
    expect((await depositById(d, 'sw-held-btc:0'))?.status).toBe('waiting_send');
    expect((await health(d)).exchange.sender_error).toBe('');

    await d.restart({ overrides: { sky_exchanger: { send_enabled: true } } });
    await waitForPayout(d, 'sw-held-btc:0');
    await waitForPayout(d, '0xswheldeth:0');
    expect(
      (await broadcasts(d)).map((x) => x.outputs[0]).sort((x, y) => x.address.localeCompare(y.address)),
    ).toEqual([
      { address: SKY[0], coins: '10.000000' },
      { address: SKY[1], coins: '10.000000' },
    ]);
    await confirmAll(d);
    await waitForStatus(d, SKY[0], (s) => s[0]?.status === 'done');
    await waitForStatus(d, SKY[1], (s) => s[0]?.status === 'done');
    expect(await broadcasts(d)).toHaveLength(2);
  });
});

describe('sold out', () => {
  let d: Daemon;
  beforeAll(async () => {
    d = await startDaemon();
  });
  afterAll(async () => {
    await d?.dispose();
  });

  it('a payout the wallet cannot cover waits; smaller ones still go; a refill pays it without a restart', async () => {
    expect(await health(d)).toMatchObject({ exchange: { sender_error: '' }, sold_out: false });
    await setBalance(d, 10_000_000n); // 10 SKY
    const big = await bind(d, SKY[0], 'BTC');
    const small = await bind(d, SKY[1], 'BTC');
    await deposit(d, { addr: big, value: 12_345_678, tx: 'so-big' }); // 61.728 SKY
    await waitForDeposit(d, 'so-big:0', (x) => x.status === 'waiting_send');
    const h = await waitFor(
      () => health(d),
      (x) => x.exchange.sender_error === NOT_ENOUGH,
      DEADLINE_MS,
      'sender_error',
    );
    expect(h.sold_out).toBe(true);
    expect(h.exchange.balance.coins).toBe('10.000000');
    expect(await soldOutOfConfig(d)).toBe(true);
    // Binding stays open while sold out.
    expect(
      (await postJson(`${d.publicUrl}/api/bind`, JSON.stringify({ skyaddr: SKY[2], coin_type: 'BTC' })))
        .status,
    ).toBe(200);

    // DESIGN 12: not serialised behind the stuck payout.
    await deposit(d, { addr: small, value: 1_000_000, tx: 'so-small' }); // 5 SKY
    await waitForPayout(d, 'so-small:0');
    expect((await depositById(d, 'so-big:0'))?.status).toBe('waiting_send');
    expect((await broadcasts(d)).map((b) => b.outputs[0].coins)).toEqual(['5.000000']);

    await setBalance(d, 1_000_000_000n); // 1000 SKY
    await waitForPayout(d, 'so-big:0');
    await waitFor(
      () => health(d),
      (x) => x.exchange.sender_error === '' && !x.sold_out,
      DEADLINE_MS,
      'sender_error cleared',
    );
    expect(await soldOutOfConfig(d)).toBe(false);
    await confirmAll(d);
    await waitForDeposit(d, 'so-big:0', (x) => x.status === 'done');
    await waitForDeposit(d, 'so-small:0', (x) => x.status === 'done');
    expect((await broadcasts(d)).map((b) => b.outputs[0].coins)).toEqual(['5.000000', '61.728000']);
    expect((await health(d)).exchange.balance.coins).toBe('938.272000');
  });

  it('a restart while sold out: the payout still waits, and goes once the wallet is refilled', async () => {
    await setBalance(d, 1_000_000n); // 1 SKY
    const addr = await bind(d, SKY[2], 'BTC');
    await deposit(d, { addr, value: 2_000_000, tx: 'so-restart' }); // 10 SKY
    await waitFor(
      () => health(d),
      (x) => x.sold_out && x.exchange.sender_error === NOT_ENOUGH,
      DEADLINE_MS,
      'sold out',
    );
    const paidBefore = (await broadcasts(d)).length;
    await d.restart({ kill: true });
    await waitFor(
      () => health(d),
      (x) => x.sold_out && x.exchange.sender_error === NOT_ENOUGH,
      DEADLINE_MS,
      'sold out again',
    );
    expect((await depositById(d, 'so-restart:0'))?.status).toBe('waiting_send');
    await setBalance(d, 100_000_000n);
    await waitForPayout(d, 'so-restart:0');
    expect((await broadcasts(d)).length).toBe(paidBefore + 1);
    await confirmAll(d);
    await waitForDeposit(d, 'so-restart:0', (x) => x.status === 'done');
  });

  it('an empty wallet is sold out before any payout fails; a refill ends it', async () => {
    await setBalance(d, 0);
    expect(await health(d)).toMatchObject({ exchange: { sender_error: EMPTY }, sold_out: true });
    expect(await soldOutOfConfig(d)).toBe(true);
    const addr = await bind(d, SKY[3], 'BTC');
    await deposit(d, { addr, value: 200_000, tx: 'so-empty' }); // 1 SKY
    await waitForDeposit(d, 'so-empty:0', (x) => x.status === 'waiting_send');
    await replayTwice(d, { addr, value: 200_000, tx: 'so-empty' }); // its send step has failed by now
    expect((await depositById(d, 'so-empty:0'))?.status).toBe('waiting_send');
    await setBalance(d, 2_000_000n);
    await waitForPayout(d, 'so-empty:0');
    await waitFor(
      () => health(d),
      (x) => !x.sold_out && x.exchange.sender_error === '',
      DEADLINE_MS,
      'not sold out',
    );
    expect((await health(d)).exchange.balance.coins).toBe('1.000000');
    // Paying the wallet down to exactly 0 makes it sold out again.
    const addr2 = await bind(d, SKY[4], 'BTC');
    await deposit(d, { addr: addr2, value: 200_000, tx: 'so-last' });
    await waitForPayout(d, 'so-last:0');
    expect(await health(d)).toMatchObject({
      exchange: { sender_error: EMPTY, balance: { coins: '0.000000' } },
      sold_out: true,
    });
  });
});

import { SKY, request, startDaemon, type Daemon } from '../helpers/daemon';
import { untilValue } from '../helpers/until';

/**
 * The built daemon with buy_method = "passthrough" on the simulated exchange (dummy mode): the
 * deposit buys the payout coin, pays what was bought, survives a restart mid-order, and a deposit
 * below the exchange minimum is an errored deposit, not an order.
 */

interface Info {
  deposit_id: string;
  status: string;
  sky_sent: number;
  error: string;
  passthrough: { sky_bought: number; order: { order_id: string; final: boolean } };
}

async function json<T>(url: string): Promise<T> {
  const res = await request(url);
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${res.body}`);
  return JSON.parse(res.body) as T;
}

/** A control call answered with an empty 200. */
async function call(url: string): Promise<void> {
  const res = await request(url, { method: 'POST' });
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${res.body}`);
}

async function bind(d: Daemon, sky: string): Promise<string> {
  const res = await request(`${d.publicUrl}/api/bind`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ skyaddr: sky, coin_type: 'BTC' }),
  });
  expect(res.status).toBe(200);
  return (JSON.parse(res.body) as { deposit_address: string }).deposit_address;
}

async function deposit(d: Daemon, addr: string, value: number, tx: string): Promise<void> {
  const res = await request(
    `${d.dummyUrl}/dummy/scanner/deposit?addr=${addr}&value=${value}&height=1&tx=${tx}&n=0`,
  );
  expect(res.status).toBe(200);
}

async function waitFor(d: Daemon, id: string, ok: (i: Info) => boolean, ms?: number): Promise<Info> {
  const info = async (): Promise<Info | string> => {
    const res = await request(`${d.adminUrl}/api/deposits/${id}`);
    return res.status === 200 ? (JSON.parse(res.body) as Info) : `HTTP ${res.status} ${res.body}`;
  };
  return (await untilValue(id, info, (i) => typeof i !== 'string' && ok(i), ms, 100)) as Info;
}

describe('passthrough through the simulated exchange', () => {
  let daemon: Daemon;
  beforeAll(async () => {
    daemon = await startDaemon({
      eth_scanner: { enabled: false },
      sky_exchanger: { buy_method: 'passthrough', c2cx: { check_order_wait: '100ms' } },
    });
  });
  afterAll(() => daemon?.dispose());

  it('buys, pays what was bought (fee deducted) and finishes', async () => {
    const addr = await bind(daemon, SKY[0]);
    await deposit(daemon, addr, 10_000_000, 'p1');
    const sent = await waitFor(daemon, 'p1:0', (i) => i.status === 'waiting_confirm');
    expect(sent.passthrough.order.final).toBe(true);
    expect(sent.passthrough.sky_bought).toBeGreaterThan(0);
    // 0.1 BTC at 500 SKY/BTC buys at most 50 SKY; the fee comes off what was bought.
    expect(sent.sky_sent).toBeLessThan(50_000_000);
    expect(sent.sky_sent).toBeGreaterThan(49_000_000);
    expect(sent.sky_sent % 1000).toBe(0);
    await call(
      `${daemon.dummyUrl}/dummy/sender/confirm?txid=${(await json<{ txid: string }[]>(`${daemon.dummyUrl}/dummy/sender/broadcasts`))[0].txid}`,
    );
    await waitFor(daemon, 'p1:0', (i) => i.status === 'done');
  });

  it('records a deposit below the exchange minimum as errored, with no order', async () => {
    const addr = await bind(daemon, SKY[1]);
    const before = (await json<unknown[]>(`${daemon.dummyUrl}/dummy/exchange/orders`)).length;
    await deposit(daemon, addr, 100_000, 'p2');
    const rec = await waitFor(daemon, 'p2:0', (i) => i.error !== '');
    expect(rec.error).toMatch(/minimum/);
    expect(
      (await json<{ deposits: Info[] }>(`${daemon.adminUrl}/api/deposits/errored`)).deposits.map(
        (d) => d.deposit_id,
      ),
    ).toContain('p2:0');
    expect(await json<unknown[]>(`${daemon.dummyUrl}/dummy/exchange/orders`)).toHaveLength(before);
  });

  it('resumes an open order after a restart: one order, one payout', async () => {
    await call(`${daemon.dummyUrl}/dummy/exchange/mode?mode=hold`);
    const addr = await bind(daemon, SKY[2]);
    await deposit(daemon, addr, 5_000_000, 'p3');
    const open = await waitFor(daemon, 'p3:0', (i) => i.status === 'waiting_passthrough_order_complete');
    const orders = (await json<unknown[]>(`${daemon.dummyUrl}/dummy/exchange/orders`)).length;
    await daemon.restart({ kill: true });
    await call(`${daemon.dummyUrl}/dummy/exchange/fill?order_id=${open.passthrough.order.order_id}`);
    await waitFor(daemon, 'p3:0', (i) => i.status === 'waiting_confirm');
    expect(await json<unknown[]>(`${daemon.dummyUrl}/dummy/exchange/orders`)).toHaveLength(orders);
    const broadcasts = await json<{ outputs: { address: string }[] }[]>(
      `${daemon.dummyUrl}/dummy/sender/broadcasts`,
    );
    expect(broadcasts.filter((b) => b.outputs[0].address === SKY[2])).toHaveLength(1);
  });
});

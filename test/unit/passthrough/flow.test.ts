import { clientOrderIdFor } from '../../../src/passthrough/client-order-id';
import { INSUFFICIENT_BALANCE_TEXT } from '../../../src/passthrough/processor';
import { faulty, Harness, passthroughConfig } from './harness';

/** The passthrough flow end to end over the simulated exchange: amounts, partial fills, failures. */

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('full flow', () => {
  test('buys on the exchange, pays what was bought (fee off, precision cut) and records the order', async () => {
    h = await Harness.start();
    // 0.01234567 BTC at 500 SKY/BTC: 6.172835 SKY, filled to 2 decimals = 6.17 SKY for 0.01234 BTC;
    // the fee of 0.1% (0.00617 SKY) is charged in SKY: 6.16383 SKY bought, 6.163 paid (3 decimals).
    const id = await h.deposit(1_234_567n);
    const done = await h.payOut(id);

    expect(done.error).toBe('');
    expect(done.passthrough.exchange_name).toBe('simulated');
    expect(done.passthrough.requested_amount).toBe('0.01234567');
    expect(done.passthrough.sky_bought).toBe(6_163_830n);
    expect(done.passthrough.deposit_value_spent).toBe(1_234_000n);
    expect(done.sky_sent).toBe(6_163_000n);
    const order = done.passthrough.order;
    expect(order).toMatchObject({
      customer_id: clientOrderIdFor(id),
      order_id: '1',
      completed_amount: '6.17',
      price: '0.002',
      status: 'closed',
      final: true,
    });
    expect(JSON.parse(order.original)).toMatchObject({
      id: '1',
      filled: '6.17',
      cost: '0.01234',
      fee: '0.00617',
    });

    const ledger = await h.ledger(id);
    expect(ledger).toMatchObject({
      requested: 1_234_567n,
      remainder: 0n,
      unspent: 567n,
      fee: 6_170n,
      fee_source: 'exchange',
      submissions: 1,
    });
    expect(h.d.sim.orderCount()).toBe(1);
    expect(h.d.sender.list()).toHaveLength(1);
    expect(h.d.sender.list()[0]).toMatchObject({ to: done.sky_address, amount: 6_163_000n });

    const events = await h.events(id);
    expect(events).toEqual([
      expect.stringMatching(/^- -> waiting_decide: deposit of 1234567 BTC/),
      'waiting_decide -> waiting_passthrough: buy method passthrough',
      `waiting_passthrough -> waiting_passthrough: order requested: spend 0.01234567 BTC on simulated SKY/BTC, client order id ${clientOrderIdFor(id)}`,
      'waiting_passthrough -> waiting_passthrough_order_complete: order 1 placed: closed',
      'waiting_passthrough_order_complete -> waiting_send: order 1 closed: bought 6.16383 SKY after a fee of 0.00617 (exchange), spent 0.01234 BTC, 0.00000567 BTC unspent',
      expect.stringMatching(/^waiting_send -> waiting_confirm: payout [0-9a-f]{64} signed$/),
      expect.stringMatching(/^waiting_confirm -> done: payout [0-9a-f]{64} confirmed$/),
    ]);
  });

  test("spends only what the market's cost precision allows and records the remainder", async () => {
    h = await Harness.start({ sim: { costDecimals: 5 } });
    const id = await h.deposit(1_234_567n);
    const sent = await h.waitSettled(id);
    expect(sent.passthrough.requested_amount).toBe('0.01234');
    expect(await h.ledger(id)).toMatchObject({ requested: 1_234_000n, remainder: 567n, unspent: 0n });
    expect(JSON.parse(sent.passthrough.order.original)).toMatchObject({ spend: '0.01234', cost: '0.01234' });
    expect((await h.events(id)).join('\n')).toContain(
      "0.00000567 BTC below the exchange's precision is not spent",
    );
    await h.payOut(id);
  });

  test('the configured fee applies when an order does not report one', async () => {
    h = await Harness.start({
      wrap: (sim) =>
        faulty(sim, {
          marketBuy: async (r) => ({ ...(await sim.marketBuy(r)), fees: undefined }),
          fetchOrder: async (o, s) => ({ ...(await sim.fetchOrder(o, s)), fees: undefined }),
        }),
    });
    const id = await h.deposit(1_000_000n);
    const sent = await h.waitSettled(id);
    // 5 SKY less 0.1% from the config.
    expect(sent.passthrough.sky_bought).toBe(4_995_000n);
    expect(await h.ledger(id)).toMatchObject({ fee: 5_000n, fee_source: 'config' });
  });
});

describe('partial fills', () => {
  test('a market order that fills half and expires: the half bought is paid, the rest noted unspent', async () => {
    h = await Harness.start();
    await h.d.sim.setMode('partial', '0.5');
    const id = await h.deposit(1_000_000n);
    const done = await h.payOut(id);
    // 0.005 BTC spent: 2.5 SKY, fee 0.0025 → 2.4975 bought, 2.497 paid.
    expect(done.passthrough.order.status).toBe('expired');
    expect(done.passthrough.order.completed_amount).toBe('2.5');
    expect(done.passthrough.sky_bought).toBe(2_497_500n);
    expect(done.passthrough.deposit_value_spent).toBe(500_000n);
    expect(done.sky_sent).toBe(2_497_000n);
    expect(await h.ledger(id)).toMatchObject({ unspent: 500_000n });
    expect((await h.events(id)).join('\n')).toContain(
      'order 1 expired: bought 2.4975 SKY after a fee of 0.0025 (exchange), spent 0.005 BTC, 0.005 BTC unspent',
    );
  });

  test('an open order filled in parts, then canceled: the filled part is bought', async () => {
    h = await Harness.start();
    await h.d.sim.setMode('hold');
    const id = await h.deposit(2_000_000n);
    await h.waitStatus(id, 'waiting_passthrough_order_complete');
    await h.d.sim.fill('1', '0.25');
    const open = await h.waitFor(
      id,
      (r) => r.passthrough.order.completed_amount === '2.5',
      'a partial fill seen',
    );
    expect(open.status).toBe('waiting_passthrough_order_complete');
    expect(open.passthrough.order).toMatchObject({ status: 'open', final: false });
    await h.d.sim.cancel('1');
    const done = await h.payOut(id);
    expect(done.passthrough.order).toMatchObject({
      status: 'canceled',
      completed_amount: '2.5',
      final: true,
    });
    expect(done.passthrough.sky_bought).toBe(2_497_500n);
    expect(done.sky_sent).toBe(2_497_000n);
    expect(await h.ledger(id)).toMatchObject({ unspent: 1_500_000n });
  });
});

describe('failures', () => {
  test('a deposit below the minimum order is recorded with a clear error and never ordered', async () => {
    h = await Harness.start();
    const id = await h.deposit(499_999n);
    const rec = await h.waitError(id);
    expect(rec.error).toBe('deposit below the exchange minimum order of 0.005 BTC');
    expect(rec.status).toBe('waiting_passthrough');
    expect(rec.passthrough.order.customer_id).toBe('');
    expect(h.d.deposits.errored.has(id)).toBe(true);
    expect(h.d.sim.orderCount()).toBe(0);
    expect(await h.ledger(id)).toBeUndefined();
  });

  test("the market's own minimum applies when it is higher than btc_minimum_volume", async () => {
    h = await Harness.start({ sim: { minCost: '0.02' }, config: passthroughConfig() });
    const id = await h.deposit(1_000_000n);
    expect((await h.waitError(id)).error).toBe('deposit below the exchange minimum order of 0.02 BTC');
  });

  test('a rejected order is an error; retryPassthrough resubmits it under a new client order id', async () => {
    h = await Harness.start();
    await h.d.sim.setMode('reject');
    const id = await h.deposit(1_000_000n);
    const failed = await h.waitError(id);
    expect(failed.error).toBe('order rejected by the simulated exchange');
    expect(failed.status).toBe('waiting_passthrough');
    expect(h.d.deposits.errored.has(id)).toBe(true);
    expect(h.d.sim.orderCount()).toBe(0);

    const retried = await h.d.processor.retryPassthrough(id);
    expect(retried.error).toBe('');
    expect(retried.passthrough.order.customer_id).toBe(clientOrderIdFor(id, 1));
    expect(await h.ledger(id)).toMatchObject({
      attempt: 1,
      previous_client_order_ids: [clientOrderIdFor(id)],
      submitted_at: 0,
    });
    h.d.exchange.schedule(id);
    const done = await h.payOut(id);
    expect(done.passthrough.order.customer_id).toBe(clientOrderIdFor(id, 1));
    expect(h.d.sim.orderCount()).toBe(1);
    expect(h.d.sender.list()).toHaveLength(1);
    expect((await h.events(id)).join('\n')).toContain(
      `passthrough retry requested by admin: no order under ${clientOrderIdFor(id)}, nothing bought; resubmitting as client order id ${clientOrderIdFor(id, 1)} (attempt 1)`,
    );
  });

  test('an order canceled with nothing filled is an error; a retry places a second order', async () => {
    h = await Harness.start();
    await h.d.sim.setMode('hold');
    const id = await h.deposit(1_000_000n);
    await h.waitStatus(id, 'waiting_passthrough_order_complete');
    await h.d.sim.cancel('1');
    const failed = await h.waitError(id);
    expect(failed.error).toBe('order 1 canceled on simulated without buying anything');
    expect(failed.passthrough.order).toMatchObject({ order_id: '1', status: 'canceled', final: true });

    await h.d.sim.setMode('fill');
    const retried = await h.d.processor.retryPassthrough(id);
    expect(retried.status).toBe('waiting_passthrough');
    expect(retried.passthrough.order.order_id).toBe('');
    expect(await h.ledger(id)).toMatchObject({ previous_order_ids: ['1'], attempt: 1 });
    h.d.exchange.schedule(id);
    const done = await h.payOut(id);
    expect(done.passthrough.order.order_id).toBe('2');
    expect(done.sky_sent).toBe(4_995_000n);
    expect(h.d.sender.list()).toHaveLength(1);
  });

  test('markHandled settles a failed deposit by hand: done, error kept, event recorded, nothing paid', async () => {
    h = await Harness.start();
    const id = await h.deposit(100_000n);
    await h.waitError(id);
    await expect(h.d.processor.markHandled(id, '  ')).rejects.toMatchObject({ code: 'note_required' });
    const done = await h.d.processor.markHandled(id, 'refunded 0.001 BTC to the buyer');
    expect(done.status).toBe('done');
    expect(done.error).toBe('handled manually: refunded 0.001 BTC to the buyer');
    expect((await h.events(id)).at(-1)).toBe(
      'waiting_passthrough -> done: handled manually by admin: refunded 0.001 BTC to the buyer (was: deposit below the exchange minimum order of 0.005 BTC)',
    );
    await expect(h.d.processor.markHandled(id, 'again')).rejects.toMatchObject({ code: 'not_retryable' });
    await expect(h.d.processor.retryPassthrough(id)).rejects.toMatchObject({ code: 'not_retryable' });
    expect(h.d.sender.list()).toHaveLength(0);
  });

  test('admin resolutions refuse unknown deposits and deposits without a failed order', async () => {
    h = await Harness.start();
    await expect(h.d.processor.retryPassthrough('nope:0')).rejects.toMatchObject({ code: 'not_found' });
    await h.d.sim.setMode('hold');
    const id = await h.deposit(1_000_000n);
    await h.waitStatus(id, 'waiting_passthrough_order_complete');
    await expect(h.d.processor.retryPassthrough(id)).rejects.toMatchObject({ code: 'not_retryable' });
    await expect(h.d.processor.markHandled(id, 'x')).rejects.toMatchObject({ code: 'not_retryable' });
  });
});

describe('exchange trouble is retried without stopping anything', () => {
  test('an outage before the order, then recovery', async () => {
    h = await Harness.start();
    await h.d.sim.setMode('offline');
    const id = await h.deposit(1_000_000n);
    const waiting = await h.waitLastError(id, 'simulated exchange is offline');
    expect(waiting).toMatchObject({ status: 'waiting_passthrough', error: '' });
    await h.d.sim.setMode('fill');
    const done = await h.payOut(id);
    expect(done.last_error).toBe('');
    expect(h.d.sim.orderCount()).toBe(1);
  });

  test('an outage while the order is open, then recovery', async () => {
    h = await Harness.start();
    await h.d.sim.setMode('hold');
    const id = await h.deposit(1_000_000n);
    await h.waitStatus(id, 'waiting_passthrough_order_complete');
    await h.d.sim.setMode('offline');
    await h.waitLastError(id, 'simulated exchange is offline');
    await h.d.sim.setMode('hold');
    await h.d.sim.fill('1');
    const done = await h.payOut(id);
    expect(done.passthrough.sky_bought).toBe(4_995_000n);
    expect(h.d.sim.orderCount()).toBe(1);
  });

  test("an exchange account short of funds waits with teller's text until topped up", async () => {
    h = await Harness.start();
    await h.d.sim.setBalance('BTC', '0.001');
    const id = await h.deposit(1_000_000n);
    const waiting = await h.waitLastError(id, INSUFFICIENT_BALANCE_TEXT);
    expect(waiting).toMatchObject({ status: 'waiting_passthrough', error: '' });
    expect(h.d.sim.orderCount()).toBe(0);
    // /api/health's processor_error (Exchange.processorError): the processor's last error...
    expect(h.d.exchange.processorError).toBe('exchange balance 0.001 BTC is insufficient');
    await h.d.sim.setBalance('BTC', '10');
    await h.payOut(id);
    // ...cleared by the step that went through.
    expect(h.d.exchange.processorError).toBe('');
    expect(h.d.sim.state().balances).toEqual({ SKY: '4.995', BTC: '9.99' });
  });
});

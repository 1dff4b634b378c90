import { ExchangeUnavailableError, OrderRejectedError } from '../../../src/passthrough/errors';
import type { ExchangeOrder } from '../../../src/passthrough/types';
import { faulty, Harness, passthroughConfig, until } from './harness';

/**
 * Crashes and lost responses at every passthrough step: after a restart (store closed and
 * reopened, everything rebuilt) each deposit ends with exactly one exchange order that bought
 * anything and exactly one payout.
 */

let h: Harness;
afterEach(async () => {
  await h.close();
});

/** After the restart, the deposit completes with one order and one payout. */
async function expectOnceAfterRestart(id: string, orders = 1): Promise<void> {
  const done = await h.payOut(id);
  expect(done.error).toBe('');
  expect(done.sky_sent).toBe(4_995_000n);
  expect(h.d.sim.orderCount()).toBe(orders);
  expect(h.d.sender.list()).toHaveLength(1);
}

describe('crash and restart', () => {
  test('in waiting_passthrough before the order is requested (exchange offline)', async () => {
    h = await Harness.start();
    await h.d.sim.setMode('offline');
    const id = await h.deposit(1_000_000n);
    const rec = await h.waitLastError(id, 'simulated exchange is offline');
    expect(rec.passthrough.order.customer_id).toBe('');
    await h.crash();
    await h.boot();
    expect(h.d.sim.state().mode).toBe('offline');
    await h.d.sim.setMode('fill');
    await expectOnceAfterRestart(id);
  });

  test('in waiting_passthrough with the order requested but not yet sent', async () => {
    h = await Harness.start({
      wrap: (sim) =>
        faulty(sim, { balance: () => Promise.reject(new ExchangeUnavailableError('balance unavailable')) }),
    });
    const id = await h.deposit(1_000_000n);
    const rec = await h.waitLastError(id, 'balance unavailable');
    expect(rec.passthrough.order.customer_id).not.toBe('');
    expect(await h.ledger(id)).toMatchObject({ submitted_at: 0, submissions: 0 });
    await h.crash();
    h.wrap = undefined;
    await h.boot();
    await expectOnceAfterRestart(id);
    expect(await h.ledger(id)).toMatchObject({ submissions: 1 });
  });

  test('in waiting_passthrough after the order was placed but its response was lost', async () => {
    h = await Harness.start({
      wrap: (sim) =>
        faulty(sim, {
          marketBuy: async (req) => {
            await sim.marketBuy(req);
            // The process dies before it hears back: nothing more reaches the exchange.
            await sim.setMode('offline');
            throw new ExchangeUnavailableError('socket hang up');
          },
        }),
    });
    const id = await h.deposit(1_000_000n);
    const rec = await h.waitLastError(id, 'simulated exchange is offline');
    expect(rec.status).toBe('waiting_passthrough');
    expect(h.d.sim.orderCount()).toBe(1);
    await h.crash();
    h.wrap = undefined;
    await h.boot();
    await h.d.sim.setMode('fill');
    await expectOnceAfterRestart(id);
    expect((await h.events(id)).join('\n')).toContain(
      'order 1 found by its client order id after an unanswered request',
    );
  });

  test('in waiting_passthrough after a request that never reached the exchange', async () => {
    h = await Harness.start({
      wrap: (sim) =>
        faulty(sim, {
          marketBuy: async () => {
            await sim.setMode('offline');
            throw new ExchangeUnavailableError('connect ECONNREFUSED');
          },
        }),
    });
    const id = await h.deposit(1_000_000n);
    await h.waitLastError(id, 'simulated exchange is offline');
    expect(h.d.sim.orderCount()).toBe(0);
    await h.crash();
    h.wrap = undefined;
    await h.boot();
    await h.d.sim.setMode('fill');
    await expectOnceAfterRestart(id);
    expect(await h.ledger(id)).toMatchObject({ submissions: 2 });
  });

  test('in waiting_passthrough_order_complete (order open)', async () => {
    h = await Harness.start();
    await h.d.sim.setMode('hold');
    const id = await h.deposit(1_000_000n);
    await h.waitStatus(id, 'waiting_passthrough_order_complete');
    await h.crash();
    await h.boot();
    expect((await h.get(id)).status).toBe('waiting_passthrough_order_complete');
    await h.d.sim.fill('1');
    await expectOnceAfterRestart(id);
  });

  test('in waiting_send (sending disabled, then enabled)', async () => {
    h = await Harness.start({ config: passthroughConfig((c) => (c.sky_exchanger.send_enabled = false)) });
    const id = await h.deposit(1_000_000n);
    await h.waitStatus(id, 'waiting_send');
    await h.crash();
    await h.boot(passthroughConfig());
    await expectOnceAfterRestart(id);
  });

  test('in waiting_confirm (payout broadcast, not confirmed)', async () => {
    h = await Harness.start();
    const id = await h.deposit(1_000_000n);
    await h.waitStatus(id, 'waiting_confirm');
    await h.waitFor(id, () => h.d.sender.list().length === 1, 'the broadcast');
    await h.crash();
    await h.boot();
    await expectOnceAfterRestart(id);
  });

  test('several times over, with deposits at different steps', async () => {
    h = await Harness.start();
    await h.d.sim.setMode('hold');
    const held = await h.deposit(1_000_000n);
    await h.waitStatus(held, 'waiting_passthrough_order_complete');
    await h.d.sim.setMode('offline');
    const offline = await h.deposit(1_000_000n);
    await h.waitLastError(offline, 'simulated exchange is offline');
    for (let i = 0; i < 3; i++) {
      await h.crash();
      await h.boot();
    }
    await h.d.sim.setMode('fill');
    await h.d.sim.fill('1');
    await h.payOut(held);
    await h.payOut(offline);
    expect(h.d.sim.orderCount()).toBe(2);
    expect(h.d.sender.list()).toHaveLength(2);
  });
});

describe('lost responses without a crash', () => {
  test('the order is found by its client order id: one order, one payout', async () => {
    h = await Harness.start();
    await h.d.sim.setMode('lose');
    const id = await h.deposit(1_000_000n);
    await expectOnceAfterRestart(id);
    const events = (await h.events(id)).join('\n');
    expect(events).toContain('retryable: simulated exchange: the response to an order was lost');
    expect(events).toContain('order 1 found by its client order id after an unanswered request');
  });

  test('a lookup that misses while the request may still execute waits for it to expire', async () => {
    const expiry = 300;
    h = await Harness.start({
      wrap: (sim) =>
        faulty(sim, {
          requestExpiryMs: expiry,
          marketBuy: async () => {
            throw new ExchangeUnavailableError('timed out');
          },
        }),
    });
    const id = await h.deposit(1_000_000n);
    await h.waitLastError(id, 'timed out');
    const first = await h.ledger(id);
    expect(first?.submissions).toBe(1);
    await until(async () => (await h.ledger(id))?.submissions === 2, 'a second request');
    const second = await h.ledger(id);
    // Retries looked the order up and found nothing, but sent nothing until the first request expired.
    expect((second?.submitted_at ?? 0) - (first?.submitted_at ?? 0)).toBeGreaterThanOrEqual(expiry);
    expect((await h.get(id)).status).toBe('waiting_passthrough');
  });

  test('a lookup that misses, then a duplicate refusal: the order is looked up again, not placed twice', async () => {
    let lookups = 0;
    h = await Harness.start({
      wrap: (sim) =>
        faulty(sim, {
          // An exchange whose order query lags its matching engine.
          fetchOrderByClientId: async (cid, s): Promise<ExchangeOrder | undefined> =>
            ++lookups === 1 ? undefined : sim.fetchOrderByClientId(cid, s),
        }),
    });
    await h.d.sim.setMode('lose');
    const id = await h.deposit(1_000_000n);
    await expectOnceAfterRestart(id);
    expect(lookups).toBe(2);
    expect(await h.ledger(id)).toMatchObject({ submissions: 2 });
  });

  test('an order refused after it executed is followed on retry, never bought again', async () => {
    h = await Harness.start({
      wrap: (sim) =>
        faulty(sim, {
          marketBuy: async (req) => {
            await sim.marketBuy(req);
            throw new OrderRejectedError('Internal error');
          },
        }),
    });
    const id = await h.deposit(1_000_000n);
    expect((await h.waitError(id)).error).toBe('Internal error');
    const retried = await h.d.processor.retryPassthrough(id);
    expect(retried).toMatchObject({ status: 'waiting_passthrough_order_complete', error: '' });
    expect(retried.passthrough.order.order_id).toBe('1');
    h.d.exchange.schedule(id);
    await expectOnceAfterRestart(id);
  });
});

import type { StoredStatus } from '../../../src/core/deposit';
import { openStore, record } from '../ops/helpers';

/**
 * The state machine allows the moves the daemon makes and no others (issue 18: the unused ones
 * went). Taken: the exchange decides (waiting_decide → waiting_send | waiting_passthrough); the
 * passthrough processor follows its order (→ order_complete → waiting_send) and an admin retry or
 * "handled" moves a failed one (order_complete → waiting_passthrough, either → done); the payout
 * signs (waiting_send → waiting_confirm), rounds to zero (waiting_send → done) or confirms
 * (waiting_confirm → done). A fee bump or a re-broadcast keeps waiting_confirm.
 */
const ALLOWED: [StoredStatus, StoredStatus][] = [
  ['waiting_decide', 'waiting_send'],
  ['waiting_decide', 'waiting_passthrough'],
  ['waiting_passthrough', 'waiting_passthrough_order_complete'],
  ['waiting_passthrough', 'done'],
  ['waiting_passthrough_order_complete', 'waiting_send'],
  ['waiting_passthrough_order_complete', 'waiting_passthrough'],
  ['waiting_passthrough_order_complete', 'done'],
  ['waiting_send', 'waiting_confirm'],
  ['waiting_send', 'done'],
  ['waiting_confirm', 'done'],
];
const REFUSED: [StoredStatus, StoredStatus][] = [
  ['waiting_decide', 'done'],
  ['waiting_passthrough', 'waiting_send'],
  ['waiting_confirm', 'waiting_send'],
  ['done', 'waiting_send'],
];

test.each(ALLOWED)('%s → %s is allowed', async (from, to) => {
  const { store, deposits } = await openStore();
  const rec = await deposits.create(record('a', 0, { status: from }), 'test');
  await expect(deposits.transition(rec, { status: to }, 'move')).resolves.toMatchObject({ status: to });
  await store.close();
});

test.each(REFUSED)('%s → %s is refused (never taken)', async (from, to) => {
  const { store, deposits } = await openStore();
  const rec = await deposits.create(record('a', 0, { status: from }), 'test');
  await expect(deposits.transition(rec, { status: to }, 'move')).rejects.toThrow(
    `transition ${from} -> ${to} is not allowed`,
  );
  expect((await deposits.get(rec.deposit_id))?.status).toBe(from);
  await store.close();
});

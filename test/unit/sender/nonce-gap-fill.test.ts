import { DepositStore } from '../../../src/exchange/deposit-store';
import { verifyAudit } from '../../../src/ops/audit';
import { fillNonceGap, type GapFillDeps } from '../../../src/service/nonce-gaps';
import { silentLogger } from '../../../src/util/logger';
import { walk } from '../ops/helpers';
import { RECIPIENT, senderRigs } from './evm-fake-node';

/**
 * The admin's gap fill end to end on a real sender (fake node) and a real deposit store: only the
 * gap of an errored deposit is filled, and the fill is one batch with an event in the audit log.
 */

const rig = senderRigs();

async function setup() {
  const { chain, sender, store } = await rig();
  const deposits = new DepositStore(store);
  await deposits.open();
  const deps: GapFillDeps = {
    sender,
    deposits,
    lock: (_id, fn) => fn(),
    log: silentLogger(),
    by: 'admin API',
  };
  return { chain, sender, store, deposits, deps };
}

test('fills the gap of an errored deposit: its error says so, the audit log records it and verifies', async () => {
  const { chain, sender, store, deposits, deps } = await setup();
  const rec = await walk(deposits, 'aa', 0, 'waiting_send');
  // The payout is signed (nonce 0 reserved), then the deposit stops before it is stored or sent.
  const lost = await sender.prepare('aa:0', RECIPIENT, 5n);
  await deposits.update(rec, { error: 'store write failed', last_error: 'store write failed' }, 'error');
  const later = await sender.prepare('bb:0', RECIPIENT, 6n);
  await sender.broadcast(later);
  const fill = await fillNonceGap(deps, 0);
  expect(fill).toMatchObject({ nonce: 0, deposit_id: 'aa:0', voided_txids: [lost.txid] });
  const after = await deposits.get('aa:0');
  expect(after?.error).toBe(
    `payout void: its nonce 0 was filled with the zero-value transaction ${fill.txid} by admin API; ` +
      'nothing was paid for this deposit: resolve it by hand',
  );
  const events = await deposits.events('aa:0');
  expect(events.at(-1)?.note).toBe(
    `nonce gap 0 filled by admin API: zero-value self-transfer ${fill.txid}; payout ${lost.txid} void, never sent`,
  );
  expect((await verifyAudit(store)).ok).toBe(true);
  chain.mine();
  expect(await sender.check(later)).toBe('confirmed');
  expect(chain.balance(RECIPIENT)).toBe(6n);
});

test('refuses the gap of a deposit that is still being paid: nothing signed, sent or written', async () => {
  const { chain, sender, store, deposits, deps } = await setup();
  await walk(deposits, 'aa', 0, 'waiting_send');
  await sender.prepare('aa:0', RECIPIENT, 5n);
  const before = (await verifyAudit(store)).count;
  await expect(fillNonceGap(deps, 0)).rejects.toMatchObject({
    code: 'not_retryable',
    message: expect.stringMatching(/^deposit aa:0 \(waiting_send\) has no error: it still sends its payout/),
  });
  expect(chain.pool.size).toBe(0);
  expect((await verifyAudit(store)).count).toBe(before);
  expect(await store.get('sender', 'evm!void!aa:0')).toBeUndefined();
});

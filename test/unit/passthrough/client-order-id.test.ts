import { CLIENT_ORDER_ID_LENGTH, clientOrderIdFor } from '../../../src/passthrough/client-order-id';

const DEPOSIT = '9b1c8e4e5b2f3b5e2d1f0a9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a:1';

test("fits Binance's newClientOrderId rule: 36 chars of [.A-Z:/a-z0-9_-]", () => {
  const id = clientOrderIdFor(DEPOSIT);
  expect(id).toHaveLength(CLIENT_ORDER_ID_LENGTH);
  expect(id).toMatch(/^[.A-Z:/a-z0-9_-]{1,36}$/);
  expect(id).toMatch(/^t-[0-9a-f]{34}$/);
});

test('is derived: the same deposit and attempt give the same id, across processes', () => {
  expect(clientOrderIdFor(DEPOSIT)).toBe(clientOrderIdFor(DEPOSIT, 0));
  // sha256("<deposit id>") — pinned so that a change of derivation cannot slip in unnoticed.
  expect(clientOrderIdFor('tx:0')).toBe('t-56f73ce7225c86bb063e074a5b1a874454');
});

test('differs per deposit and per attempt', () => {
  const ids = new Set([
    clientOrderIdFor(DEPOSIT),
    clientOrderIdFor(DEPOSIT, 1),
    clientOrderIdFor(DEPOSIT, 2),
    clientOrderIdFor(DEPOSIT.replace(':1', ':2')),
  ]);
  expect(ids.size).toBe(4);
});

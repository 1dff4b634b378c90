import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { skycoinAddressError } from '../../../src/chains/skycoin/address';
import { DUMMY_BROADCAST_REJECTED, DummySender } from '../../../src/sender/dummy-sender';
import { InsufficientBalanceError, SenderError } from '../../../src/chains/errors';
import { Store } from '../../../src/store/store';

const SKY = '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X';
const SKY_2 = 't5apgjk4LvV9PQareTPzWkE88o1G5A55FW';
const DROPLETS = 1_000_000n;

const open = (store: Store): Promise<DummySender> =>
  DummySender.open(store, { coin: 'SKY', decimals: 6, addressError: skycoinAddressError });

describe('DummySender', () => {
  let dir: string;
  let store: Store;
  let sender: DummySender;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'teller-dummy-sender-'));
    store = await Store.open(dir);
    sender = await open(store);
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts with teller's 100 coins and 100 hours; pays only what it holds", async () => {
    await expect(sender.balance()).resolves.toEqual({ coins: 100n * DROPLETS, hours: 100n });
    const p = await sender.prepare('aa:0', SKY, 5n * DROPLETS);
    expect(p).toMatchObject({ deposit_id: 'aa:0', to: SKY, amount: 5n * DROPLETS, broadcasts: 0 });
    await expect(sender.check(p)).resolves.toBe('unknown');
    await sender.broadcast(p);
    await expect(sender.check(p)).resolves.toBe('pending');
    await expect(sender.balance()).resolves.toEqual({ coins: 95n * DROPLETS, hours: 100n });
    await expect(sender.prepare('bb:0', SKY, 96n * DROPLETS)).rejects.toThrow(InsufficientBalanceError);
  });

  it('rejects an invalid payout address permanently', async () => {
    const err = await sender.prepare('aa:0', 'not-an-address', 1n).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SenderError);
    expect((err as SenderError).retryable).toBe(false);
    expect((err as SenderError).message).toMatch(/^CreateTransaction invalid address: /);
  });

  it('a broadcast of known bytes changes nothing; confirm by txid or seq', async () => {
    const p1 = await sender.prepare('aa:0', SKY, DROPLETS);
    const p2 = await sender.prepare('bb:0', SKY_2, 2n * DROPLETS);
    await sender.broadcast(p1);
    await sender.broadcast(p1);
    await sender.broadcast(p2);
    expect(sender.list().map((t) => [t.seq, t.txid, t.amount])).toEqual([
      [0, p1.txid, DROPLETS],
      [1, p2.txid, 2n * DROPLETS],
    ]);
    await expect(sender.balance()).resolves.toMatchObject({ coins: 97n * DROPLETS });
    await expect(sender.confirm(p2.txid, undefined)).resolves.toMatchObject({ changed: true });
    await expect(sender.confirm(undefined, 0)).resolves.toMatchObject({ changed: true });
    // A second confirm finds it but changes nothing (the dummy API logs why).
    await expect(sender.confirm(undefined, 1)).resolves.toMatchObject({
      tx: { txid: p2.txid },
      changed: false,
    });
    await expect(sender.confirm('ff', undefined)).resolves.toBeUndefined();
    await expect(sender.confirm(undefined, 2)).resolves.toBeUndefined();
    await expect(sender.check(p1)).resolves.toBe('confirmed');
    await expect(sender.check(p2)).resolves.toBe('confirmed');
  });

  it('keeps its ledger and balance across a reopen', async () => {
    const p = await sender.prepare('aa:0', SKY, DROPLETS);
    await sender.broadcast(p);
    await sender.confirm(p.txid, undefined);
    await sender.setBalance(7n);
    await store.close();
    store = await Store.open(dir);
    sender = await open(store);
    await expect(sender.check(p)).resolves.toBe('confirmed');
    await expect(sender.balance()).resolves.toEqual({ coins: 7n, hours: 100n });
    expect(sender.list()).toHaveLength(1);
  });

  describe('failNextBroadcast (/dummy/sender/fail)', () => {
    it('fails exactly the next broadcast, permanently, without touching ledger or balance', async () => {
      const p = await sender.prepare('aa:0', SKY, DROPLETS);
      sender.failNextBroadcast(true);
      const err = await sender.broadcast(p).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SenderError);
      expect(err).not.toBeInstanceOf(InsufficientBalanceError);
      expect(err).toMatchObject({
        message: DUMMY_BROADCAST_REJECTED,
        retryable: false,
        code: 'broadcast_rejected',
      });
      expect(sender.list()).toEqual([]);
      await expect(sender.check(p)).resolves.toBe('unknown');
      await expect(sender.balance()).resolves.toMatchObject({ coins: 100n * DROPLETS });
      // The failure was used up: the same stored bytes go out on the next try (an admin retry).
      await sender.broadcast(p);
      await expect(sender.check(p)).resolves.toBe('pending');
      await expect(sender.balance()).resolves.toMatchObject({ coins: 99n * DROPLETS });
    });

    it('a re-broadcast of known bytes does not use up the armed failure', async () => {
      const known = await sender.prepare('aa:0', SKY, DROPLETS);
      await sender.broadcast(known);
      sender.failNextBroadcast(true);
      await sender.broadcast(known);
      const fresh = await sender.prepare('bb:0', SKY, DROPLETS);
      await expect(sender.broadcast(fresh)).rejects.toThrow(DUMMY_BROADCAST_REJECTED);
    });

    it('can be disarmed, and is not remembered across a reopen', async () => {
      sender.failNextBroadcast(true);
      sender.failNextBroadcast(false);
      await sender.broadcast(await sender.prepare('aa:0', SKY, DROPLETS));
      sender.failNextBroadcast(true);
      await store.close();
      store = await Store.open(dir);
      sender = await open(store);
      await sender.broadcast(await sender.prepare('bb:0', SKY, DROPLETS));
      expect(sender.list()).toHaveLength(2);
    });
  });
});

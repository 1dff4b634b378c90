import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeSkycoinTransaction } from '../../../src/chains/skycoin/rest-client';
import { SkycoinSender } from '../../../src/sender/skycoin-sender';
import { InsufficientBalanceError, SenderError } from '../../../src/chains/errors';
import type { PreparedPayout } from '../../../src/sender/types';
import { Store } from '../../../src/store/store';
import { silentLogger } from '../../../src/util/logger';
import { FakeSkycoinNode, droplets, skyAddress } from '../../helpers/fake-skycoin-node';

const BUYER = skyAddress('buyer');
const OTHER = skyAddress('someone-else');
const INJECT = '/api/v1/injectTransaction';
const CREATE = '/api/v1/wallet/transaction';

describe('SkycoinSender against a fake Skycoin node', () => {
  let node: FakeSkycoinNode;
  const started: FakeSkycoinNode[] = [];

  async function startNode(opts: Parameters<typeof FakeSkycoinNode.start>[0] = {}): Promise<FakeSkycoinNode> {
    const n = await FakeSkycoinNode.start(opts);
    started.push(n);
    return n;
  }

  async function sender(
    opts: Partial<ConstructorParameters<typeof SkycoinSender>[0]> = {},
  ): Promise<SkycoinSender> {
    const s = new SkycoinSender({ nodeUrl: node.url, wallet: node.walletId, log: silentLogger(), ...opts });
    await s.init();
    return s;
  }

  /** The error a promise rejects with (fails the test if it resolves). */
  async function rejection(p: Promise<unknown>): Promise<SenderError> {
    const err = await p.then(
      () => new Error('expected a rejection'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SenderError);
    return err as SenderError;
  }

  beforeEach(async () => {
    node = await startNode();
  });
  afterEach(async () => {
    for (const n of started.splice(0)) await n.stop();
  });

  describe('init', () => {
    it('checks the node and the wallet', async () => {
      const s = await sender();
      expect(s.kind).toBe('skycoin');
      expect(s.coin).toBe('SKY');
      expect(s.decimals).toBe(6);
      expect(node.callsTo('/api/v1/health')).toHaveLength(1);
      expect(node.callsTo('/api/v1/wallet')).toHaveLength(1);
    });

    it('says clearly when the wallet is not on the node (permanent)', async () => {
      const err = await rejection(sender({ wallet: 'missing.wlt' }));
      expect(err.code).toBe('sky_wallet_missing');
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(
        /wallet "missing\.wlt" \(sky_exchanger\.wallet\) is not loaded by Skycoin node http/,
      );
    });

    it('says clearly when the node is unreachable (retryable)', async () => {
      await node.down();
      const err = await rejection(sender());
      expect(err.code).toBe('sky_node_unreachable');
      expect(err.retryable).toBe(true);
      expect(err.message).toContain('payout.sky_node_url');
    });

    it('refuses an encrypted wallet without a password, and signs with one', async () => {
      node = await startNode({ password: 'secret' });
      expect((await rejection(sender())).code).toBe('sky_wallet_encrypted');
      const s = await sender({ password: 'secret' });
      const p = await s.prepare('d1', BUYER, droplets(1));
      expect(node.txs.get(p.txid)?.status).toBe('created');
    });
  });

  describe('prepare, broadcast, check', () => {
    it('pays exact droplets once, in three steps', async () => {
      const s = await sender();
      const before = await s.balance();
      const p = await s.prepare('tx:0', BUYER, 61_728_000n);

      expect(p).toMatchObject({
        deposit_id: 'tx:0',
        to: BUYER,
        amount: 61_728_000n,
        broadcasts: 0,
        broadcast_at: 0,
      });
      expect(p.txid).toMatch(/^[0-9a-f]{64}$/);
      const outputs = decodeSkycoinTransaction(p.raw).outputs.filter((o) => o.address === BUYER);
      expect(outputs.map((o) => o.coins)).toEqual([61_728_000n]);
      expect(node.callsTo(CREATE)[0]?.body).toMatchObject({
        wallet_id: node.walletId,
        to: [{ address: BUYER, coins: '61.728000' }],
        hours_selection: { type: 'auto', mode: 'share', share_factor: '0.5' },
        ignore_unconfirmed: true,
      });
      // Building a transaction spends nothing.
      expect(node.spends()).toHaveLength(0);
      expect(await s.check(p)).toBe('unknown');

      await s.broadcast(p);
      expect(node.spends().map((t) => t.txid)).toEqual([p.txid]);
      expect(await s.check(p)).toBe('pending');
      expect((await s.balance()).coins).toBe(before.coins - 61_728_000n);

      node.confirm(p.txid);
      expect(await s.check(p)).toBe('confirmed');
      expect(node.coins).toBe(droplets(1000) - 61_728_000n);
    });

    it.each([
      [
        'amount changed',
        (o: Out[]) => o.map((x) => (x.address === BUYER ? { ...x, coins: x.coins - 1000n } : x)),
        'CreateTransaction transaction coins are different',
      ],
      [
        'paid elsewhere',
        (o: Out[]) => o.map((x) => (x.address === BUYER ? { ...x, address: OTHER } : x)),
        `CreateTransaction transaction has no output to address ${BUYER}`,
      ],
      [
        'split in two',
        (o: Out[]) => [...o, { address: BUYER, coins: 1000n, hours: 1n }],
        `CreateTransaction transaction has multiple outputs to address ${BUYER}`,
      ],
    ])('refuses a built transaction that does not pay exactly once (%s)', async (_name, tamper, message) => {
      const s = await sender();
      node.tamperNext(tamper);
      const err = await rejection(s.prepare('d1', BUYER, droplets(2)));
      expect(err.message).toBe(message);
      expect(err.retryable).toBe(false);
      expect(err.code).toBe('sky_verify_failed');
      expect(node.spends()).toHaveLength(0);
    });

    it.each([1n, 999n, 1_000_001n, 61_728_500n])(
      'refuses %p droplets: more than 3 decimals (permanent)',
      async (amount) => {
        const s = await sender();
        const err = await rejection(s.prepare('d1', BUYER, amount));
        expect(err.code).toBe('sky_too_many_decimals');
        expect(err.retryable).toBe(false);
        expect(node.callsTo(CREATE)).toHaveLength(0);
      },
    );

    it.each([1000n, 61_728_000n, droplets(999)])('accepts %p droplets', async (amount) => {
      const s = await sender();
      expect((await s.prepare('d1', BUYER, amount)).amount).toBe(amount);
    });

    it('refuses an invalid address and a zero amount before asking the node', async () => {
      const s = await sender();
      expect((await rejection(s.prepare('d1', 'not-an-address', 1000n))).code).toBe('invalid_address');
      expect((await rejection(s.prepare('d1', BUYER, 0n))).message).toBe('Skycoin send amount is 0');
      expect(node.callsTo(CREATE)).toHaveLength(0);
    });
  });

  describe('sold out', () => {
    it('reports insufficient coins, then pays once the wallet is refilled', async () => {
      const s = await sender();
      node.setBalance(droplets(1));
      const err = await rejection(s.prepare('d1', BUYER, droplets(2)));
      expect(err).toBeInstanceOf(InsufficientBalanceError);
      expect(err.message).toBe('balance is not sufficient');
      expect(err.retryable).toBe(true);

      node.setBalance(droplets(5));
      const p = await s.prepare('d1', BUYER, droplets(2));
      await s.broadcast(p);
      expect(node.spends()).toHaveLength(1);
    });

    it('reports exhausted coin hours as insufficient balance too', async () => {
      const s = await sender();
      node.setBalance(droplets(100), 0n);
      const err = await rejection(s.prepare('d1', BUYER, droplets(2)));
      expect(err).toBeInstanceOf(InsufficientBalanceError);
      expect(err.message).toBe('Transaction has zero coinhour fee');
    });
  });

  describe('exactly once', () => {
    it('a payout broadcast twice is paid once', async () => {
      const s = await sender();
      const p = await s.prepare('d1', BUYER, droplets(3));
      await s.broadcast(p);
      await s.broadcast(p);
      expect(node.spends()).toHaveLength(1);
      expect(node.txs.get(p.txid)?.injects).toBe(2);
      expect(node.spendable().coins).toBe(droplets(997));
    });

    it('a dropped payout is unknown, and the same bytes go out again: paid once', async () => {
      const s = await sender();
      const p = await s.prepare('d1', BUYER, droplets(3));
      await s.broadcast(p);
      node.drop(p.txid);
      expect(await s.check(p)).toBe('unknown');
      await s.broadcast(p);
      expect(await s.check(p)).toBe('pending');
      node.confirm(p.txid);
      expect(await s.check(p)).toBe('confirmed');
      expect(node.spends().map((t) => t.txid)).toEqual([p.txid]);
      expect(node.coins).toBe(droplets(997));
    });

    it('broadcasting a confirmed payout again is success (the node refuses it: inputs spent)', async () => {
      const s = await sender();
      const p = await s.prepare('d1', BUYER, droplets(3));
      await s.broadcast(p);
      node.confirm(p.txid);
      await s.broadcast(p);
      expect(node.spends()).toHaveLength(1);
      expect(node.coins).toBe(droplets(997));
    });

    it.each(['before', 'after'] as const)(
      'a connection lost %s the node acted is retryable; the retry pays once',
      async (when) => {
        const s = await sender();
        const p = await s.prepare('d1', BUYER, droplets(3));
        node.dropNext(INJECT, when);
        const err = await rejection(s.broadcast(p));
        expect(err.retryable).toBe(true);
        expect(err.code).toBe('sky_node_unreachable');
        expect(node.spends()).toHaveLength(when === 'after' ? 1 : 0);
        await s.broadcast(p);
        expect(node.spends()).toHaveLength(1);
        expect(node.spendable().coins).toBe(droplets(997));
      },
    );

    it('a transaction whose inputs are gone is rejected permanently', async () => {
      const s = await sender({ holdMs: 1 });
      const a = await s.prepare('a', BUYER, droplets(600));
      const b = await s.prepare('b', OTHER, droplets(600));
      await s.broadcast(a);
      const err = await rejection(s.broadcast(b));
      expect(err.code).toBe('sky_tx_rejected');
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('Transaction violates hard constraint');
      expect(node.spends().map((t) => t.txid)).toEqual([a.txid]);
    });

    it('signs the next payout only once the previous one reached the node', async () => {
      const s = await sender();
      const a = await s.prepare('a', BUYER, droplets(1));
      let second: PreparedPayout | undefined;
      // The gate polls on a timer: fake time runs it through 4 of its 5 s, 160 polls, in an instant.
      jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      try {
        const b = s.prepare('b', OTHER, droplets(1)).then((p) => (second = p));
        await jest.advanceTimersByTimeAsync(4_000);
        expect(second).toBeUndefined();
        expect(node.callsTo(CREATE)).toHaveLength(1);
        await s.broadcast(a);
        await jest.advanceTimersByTimeAsync(100); // the gate's next poll sees it
        await b;
      } finally {
        jest.useRealTimers();
      }
      expect(second?.to).toBe(OTHER);
    });

    it('gives up waiting with a retryable error while an earlier payout is not broadcast', async () => {
      const s = await sender({ gateWaitMs: 50 });
      await s.prepare('a', BUYER, droplets(1));
      const err = await rejection(s.prepare('b', OTHER, droplets(1)));
      expect(err.code).toBe('payout_in_flight');
      expect(err.retryable).toBe(true);
    });

    it('after a restart, a stored payout not yet broadcast holds back signing until it is', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'teller-sky-hold-'));
      const store = await Store.open(dir);
      try {
        const a = await (await sender()).prepare('a', BUYER, droplets(1));
        const done = { ...a, deposit_id: 'old', txid: 'f'.repeat(64), broadcasts: 1 };
        await store.write([
          { type: 'put', space: 'payouts', key: 'a', value: a },
          { type: 'put', space: 'payouts', key: 'old', value: done },
        ]);
        const restarted = await sender({ store, gateWaitMs: 50 });
        expect((await rejection(restarted.prepare('b', OTHER, droplets(1)))).code).toBe('payout_in_flight');
        await restarted.broadcast(a);
        await expect(restarted.prepare('b', OTHER, droplets(1))).resolves.toMatchObject({ to: OTHER });
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('an abandoned signed payout stops holding back signing after holdMs', async () => {
      const s = await sender({ holdMs: 30 });
      await s.prepare('a', BUYER, droplets(1));
      await expect(s.prepare('b', OTHER, droplets(1))).resolves.toMatchObject({ to: OTHER });
    });
  });

  describe('node failures', () => {
    it('node down: every call fails retryably, and works again once it is up', async () => {
      const s = await sender({ gateWaitMs: 50 });
      const p = await s.prepare('d1', BUYER, droplets(1));
      await node.down();
      for (const call of [
        () => s.prepare('d2', BUYER, droplets(1)),
        () => s.broadcast(p),
        () => s.check(p),
        () => s.balance(),
      ]) {
        const err = await rejection(call());
        expect(err.retryable).toBe(true);
        expect(err.code).toBe('sky_node_unreachable');
      }
      await node.up();
      await s.broadcast(p);
      expect(await s.check(p)).toBe('pending');
    });

    it.each([
      [500, '500 Internal Server Error - boom', true, 'sky_node_error'],
      [503, '503 Service Unavailable - no connections', true, 'sky_node_error'],
      [403, '403 Forbidden', true, 'sky_node_forbidden'],
      [
        400,
        '400 Bad Request - please spend after your pending transaction is confirmed',
        true,
        'sky_unconfirmed_spend',
      ],
      [400, '400 Bad Request - to[0].coins has too many decimal places', false, 'sky_request_rejected'],
    ])('create answering %p %p: retryable %p (%p)', async (status, body, retryable, code) => {
      const s = await sender();
      node.failNext(status, body, CREATE);
      const err = await rejection(s.prepare('d1', BUYER, droplets(1)));
      expect(err.retryable).toBe(retryable);
      expect(err.code).toBe(code);
    });

    it('balance is the lower of confirmed and predicted (pending spends count)', async () => {
      const s = await sender();
      const p = await s.prepare('d1', BUYER, droplets(10));
      await s.broadcast(p);
      const b = await s.balance();
      expect(b.coins).toBe(droplets(990));
      expect(b.hours).toBe(node.spendable().hours);
    });
  });

  describe('CSRF', () => {
    it('sends a fresh token with every POST', async () => {
      const s = await sender();
      const p = await s.prepare('d1', BUYER, droplets(1));
      await s.broadcast(p);
      const posts = node.requests.filter((r) => r.method === 'POST');
      expect(posts).toHaveLength(2);
      for (const post of posts) expect(post.csrf).toMatch(/^[0-9a-f]{32}$/);
      expect(posts[0]?.csrf).not.toBe(posts[1]?.csrf);
      expect(node.callsTo('/api/v1/csrf')).toHaveLength(2);
    });

    it('fetches a new token once when the node says the token is invalid', async () => {
      const s = await sender();
      const p = await s.prepare('d1', BUYER, droplets(1));
      node.failNext(403, '403 Forbidden - invalid CSRF token', INJECT);
      await s.broadcast(p);
      expect(node.callsTo(INJECT)).toHaveLength(2);
      expect(node.spends()).toHaveLength(1);
    });

    it('works with CSRF disabled on the node (no token header)', async () => {
      node = await startNode({ csrf: false });
      const s = await sender();
      const p = await s.prepare('d1', BUYER, droplets(1));
      await s.broadcast(p);
      expect(node.requests.filter((r) => r.method === 'POST').map((r) => r.csrf)).toEqual([
        undefined,
        undefined,
      ]);
      expect(node.spends()).toHaveLength(1);
    });
  });
});

type Out = { address: string; coins: bigint; hours: bigint };

import { depositIdOf, type ScannedDeposit } from '../../../src/core/deposit';
import type { RewoundState } from '../../../src/scanner/types';
import type { Op } from '../../../src/store/store';
import { FakeChain, fullPolls, pay, scannerRig, waitFor } from './fake-chain';

/**
 * A handed-over deposit that a rewind took back stays "to recheck" until it is handed over again:
 * found again on the new branch but orphaned once more before it is confirmed there, it is still a
 * deposit that was paid and is no longer on the chain (found by the model-based test, seed 1011).
 */

const A = 'addr-a';

describe('ChainScanner: a rewound deposit found again, then orphaned again', () => {
  const rig = scannerRig();

  it('raises the loss alert for the paid deposit', async () => {
    const chain = new FakeChain(104);
    const paid = new Set<string>();
    const received: ScannedDeposit[] = [];
    const { scanner, ...cap } = rig.scanner(chain, {
      config: { confirmations_required: 3 },
      watch: [A],
      batchSize: 10,
    });
    await scanner.start(
      async (d) => {
        received.push(d);
        paid.add(depositIdOf(d));
      },
      undefined,
      async (d): Promise<RewoundState> => (paid.has(depositIdOf(d)) ? 'paid' : 'none'),
    );
    const s = scanner;
    chain.mine(3, [[pay(A, 70n, 'twice')]]); // 105, confirmed at 107
    await waitFor(() => received.length === 1, 'hand-over');
    // A reorg deeper than the confirmations re-mines the payment one block later (106', 2 of 3).
    chain.reorg(3, 3, [[], [pay(A, 70n, 'twice')], []]);
    await waitFor(() => s.pending(A)[0]?.deposit.height === 106, 'found again at 106');
    expect(s.status().alert).toBe('');
    // Orphaned again before it was confirmed there: the payment is gone for good.
    chain.reorg(2, 4);
    await waitFor(() => s.status().height === chain.tip, 'the new branch scanned');
    await fullPolls(chain, 2);
    expect(s.pending(A)).toEqual([]);
    expect(received).toHaveLength(1);
    expect(s.status().alert).toMatch(/twice:0.*it was paid: a loss/);
    expect(cap.msgs('no longer on the chain')[0]).toMatchObject({ level: 50, depositId: 'twice:0' });
  });
});

describe('ChainScanner: a crash right after a passed recheck entry is dropped', () => {
  const rig = scannerRig();

  it('has logged the loss alert before the entry is gone (model-based test, seed 1011)', async () => {
    const chain = new FakeChain(104);
    const paid = new Set<string>();
    let dead = false;
    // The process dies once the batch dropping a recheck entry is durable: nothing after it runs.
    const dying = new Proxy(rig.store, {
      get(target, prop, receiver) {
        if (prop !== 'write') return Reflect.get(target, prop, receiver) as unknown;
        return async (ops: Op[]) => {
          if (dead) return new Promise<never>(() => undefined);
          await target.write(ops);
          if (ops.some((o) => o.type === 'del' && o.key.includes('!recheck!'))) {
            dead = true;
            return new Promise<never>(() => undefined);
          }
        };
      },
    });
    const { scanner, ...cap } = rig.scanner(chain, {
      store: dying,
      config: { confirmations_required: 3 },
      watch: [A],
      batchSize: 10,
    });
    await scanner.start(
      async (d) => void paid.add(depositIdOf(d)),
      undefined,
      async (d): Promise<RewoundState> => (paid.has(depositIdOf(d)) ? 'paid' : 'none'),
    );
    chain.mine(3, [[pay(A, 70n, 'gone')]]);
    await waitFor(() => paid.size === 1, 'hand-over');
    chain.reorg(3, 4); // the payment is not mined again
    await waitFor(() => dead, 'the recheck entry dropped');
    rig.forget(scanner); // dead: its stop() would wait for a write that never returns
    expect(cap.msgs('no longer on the chain')[0]).toMatchObject({ level: 50, depositId: 'gone:0' });
  });
});

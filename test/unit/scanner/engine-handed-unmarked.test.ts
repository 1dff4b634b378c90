import { depositIdOf } from '../../../src/core/deposit';
import type { RewoundState } from '../../../src/scanner/types';
import type { Op } from '../../../src/store/store';
import { FakeChain, fullPolls, pay, scannerRig, waitFor } from './fake-chain';

/**
 * The exchange recorded a deposit (the hand-over worked) but the scanner's handed marker was not
 * written (a failed write, or a kill in between): the deposit is still only "seen". A rewind that
 * then takes its block back must treat it as possibly handed over, not forget it as unconfirmed:
 * the exchange pays it meanwhile, and if it is not found again that is a loss to alert.
 * Found by the model-based test (soak seed 4799, MODEL_STEPS=20).
 */

const A = 'addr-a';

describe('ChainScanner: a hand-over whose marker write failed, then a deep reorg', () => {
  const rig = scannerRig();

  it('asks the exchange about it and raises the loss alert for the paid deposit', async () => {
    const chain = new FakeChain(104);
    const paid = new Set<string>();
    const asked: string[] = [];
    let failMarker = true;
    // The first handed-marker batch fails, and the chain reorganises meanwhile (before the next poll
    // could hand the deposit over again): the payment is gone. Every later write works.
    const failing = new Proxy(rig.store, {
      get(target, prop, receiver) {
        if (prop !== 'write') return Reflect.get(target, prop, receiver) as unknown;
        return async (ops: Op[]) => {
          if (failMarker && ops.some((o) => o.type === 'put' && o.key.includes('!handed!'))) {
            failMarker = false;
            chain.reorg(1, 3);
            throw new Error('injected disk error');
          }
          await target.write(ops);
        };
      },
    });
    const { scanner, ...cap } = rig.scanner(chain, {
      store: failing,
      config: { confirmations_required: 1 },
      watch: [A],
      batchSize: 10,
    });
    await scanner.start(
      async (d) => void paid.add(depositIdOf(d)),
      undefined,
      async (d): Promise<RewoundState> => {
        asked.push(depositIdOf(d));
        return paid.has(depositIdOf(d)) ? 'paid' : 'none';
      },
    );
    const s = scanner;
    chain.mine(1, [[pay(A, 70n, 'unmarked')]]); // 105, confirmed at once
    await waitFor(() => paid.size === 1 && !failMarker, 'hand-over with a failed marker');
    await waitFor(() => s.status().height === chain.tip, 'the new branch scanned');
    await fullPolls(chain, 2);
    expect(asked).toContain('unmarked:0');
    expect(s.status().alert).toMatch(/unmarked:0.*it was paid: a loss/);
    expect(cap.msgs('no longer on the chain')[0]).toMatchObject({ level: 50, depositId: 'unmarked:0' });
  });
});

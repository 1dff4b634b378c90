import { depositIdOf, type ScannedDeposit } from '../../../src/core/deposit';
import { prefixRange } from '../../../src/store/store';
import { FakeChain, pay, scannerRig, waitFor } from './fake-chain';

/**
 * The sighting hook (DESIGN.md "Money": terms frozen when a deposit is first seen): the scanner
 * reports a block's deposits before it stores them as seen, and at start those it already holds.
 */

const A = 'addr-a';

describe('ChainScanner sightings', () => {
  const rig = scannerRig();

  const scannerOn = (chain: FakeChain) => {
    return rig.scanner(chain, { config: { confirmations_required: 3, scan_period_ms: 20 }, watch: [A] });
  };
  const storedSeen = () => rig.store.keyList('scan', prefixRange('BTC!seen!'));

  it('reports a block’s deposits before storing them as seen; a failed report stores nothing and is retried', async () => {
    const chain = new FakeChain(5);
    const { scanner, msgs } = scannerOn(chain);
    const reports: { ids: string[]; storedBefore: string[] }[] = [];
    let failures = 1;
    await scanner.start(
      async () => undefined,
      async (seen: ScannedDeposit[]) => {
        if (seen.length === 0) return;
        if (failures-- > 0) throw new Error('store busy');
        reports.push({ ids: seen.map(depositIdOf), storedBefore: await storedSeen() });
      },
    );
    chain.mine(1, [[pay(A, 7n, 'tx1'), pay(A, 8n, 'tx1', 1)]]);
    await waitFor(() => msgs('poll failed').length === 1, 'the failed report');
    expect(scanner.pending(A)).toEqual([]);
    expect(await storedSeen()).toEqual([]);
    await waitFor(() => scanner.pending(A).length === 2, 'the sighting stored');
    expect(reports).toEqual([{ ids: ['tx1:0', 'tx1:1'], storedBefore: [] }]);
    expect(scanner.pending(A)[0].deposit).toMatchObject({ height: 6, value: 7n });
  });

  it('reports at start the seen deposits it holds (stored by a build that reported none)', async () => {
    const chain = new FakeChain(5);
    const first = scannerOn(chain);
    await first.scanner.start(async () => undefined);
    chain.mine(1, [[pay(A, 9n, 'old')]]);
    await waitFor(() => first.scanner.pending(A).length === 1, 'seen');
    await first.scanner.stop();

    const second = scannerOn(chain);
    const reported: string[][] = [];
    await second.scanner.start(
      async () => undefined,
      async (seen) => void reported.push(seen.map(depositIdOf)),
    );
    expect(reported[0]).toEqual(['old:0']);
  });

  it('pendingStamp changes whenever pending does: a sighting, a new tip, a hand-over', async () => {
    const chain = new FakeChain(5);
    const { scanner } = scannerOn(chain);
    await scanner.start(async () => undefined);
    const stamps = [scanner.pendingStamp()];
    const changedWhen = async (what: string, done: () => boolean): Promise<void> => {
      await waitFor(done, what);
      expect(stamps).not.toContain(scanner.pendingStamp());
      stamps.push(scanner.pendingStamp());
    };
    chain.mine(1, [[pay(A, 9n, 'tx1')]]);
    await changedWhen('seen', () => scanner.pending(A)[0]?.confirmations === 1);
    chain.mine(1);
    await changedWhen('a confirmation', () => scanner.pending(A)[0]?.confirmations === 2);
    chain.mine(1);
    await changedWhen('handed over', () => scanner.pending(A).length === 0);
  });
});

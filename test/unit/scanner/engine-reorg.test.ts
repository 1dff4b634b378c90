import { depositIdOf, type ScannedDeposit } from '../../../src/core/deposit';
import { FakeChain, config, fullPolls, pay, scannerRig, waitFor } from './fake-chain';

const A = 'addr-a';

describe('ChainScanner reorgs (fake chain, real store)', () => {
  const rig = scannerRig();

  async function run(chain: FakeChain, over: Parameters<typeof config>[0] = {}) {
    const { scanner, ...cap } = rig.scanner(chain, { config: over, watch: [A], batchSize: 10 });
    const handed: ScannedDeposit[] = [];
    await scanner.start(async (d) => void handed.push(d));
    const at = (height: number, hash = `${height}`) =>
      waitFor(
        () => scanner.status().height === height && scanner.status().hash.startsWith(hash),
        `height ${hash}`,
      );
    const done = () => cap.msgs('deposit handed over').length;
    return { scanner, handed, at, done, ...cap };
  }

  it('un-credits a deposit orphaned before its confirmations and hands the re-mined one once', async () => {
    const chain = new FakeChain(20);
    const { scanner, handed, at, done, msgs } = await run(chain, { confirmations_required: 3 });
    chain.mine(1, [[pay(A, 70n, 'dep')]]);
    await waitFor(() => scanner.pending(A).length === 1, 'seen');
    expect(scanner.pending(A)[0]).toMatchObject({ confirmations: 1, required: 3 });
    chain.reorg(1, 2); // the deposit's block is replaced by two empty ones
    await at(22, '22-1');
    expect(scanner.pending(A)).toEqual([]);
    expect(msgs('un-credited')[0]).toMatchObject({
      level: 30,
      depositId: 'dep:0',
      height: 21,
      block: '21-0',
    });
    expect(msgs('reorg: rewound')[0]).toMatchObject({ from: 21, to: 20, depth: 1, uncredited: 1 });
    chain.mine(1, [[pay(A, 70n, 'dep')]]); // re-mined at 23
    chain.mine(2);
    await waitFor(() => done() === 1, 'hand-over');
    await fullPolls(chain);
    expect(handed).toEqual([{ coin_type: 'BTC', address: A, value: 70n, height: 23, tx: 'dep', n: 0 }]);
    expect(scanner.status().alert).toBe('');
  });

  it('notices a reorg that keeps the height (same tip, new hash)', async () => {
    const chain = new FakeChain(20);
    const { scanner, handed, at, done } = await run(chain, { confirmations_required: 2 });
    chain.mine(1, [[pay(A, 5n, 'same')]]);
    await waitFor(() => scanner.pending(A).length === 1, 'seen');
    chain.reorg(1, 1, [[pay(A, 5n, 'same')]]);
    await at(21, '21-1');
    await waitFor(() => scanner.pending(A).length === 1, 'seen again');
    chain.mine(1);
    await waitFor(() => done() === 1, 'hand-over');
    expect(handed).toHaveLength(1);
    expect(handed[0].height).toBe(21);
  });

  it('raises an alert when a reorg deeper than the confirmation depth orphans a handed deposit', async () => {
    const chain = new FakeChain(30);
    const { scanner, handed, at, done, msgs } = await run(chain, { confirmations_required: 1 });
    chain.mine(1, [[pay(A, 1n, 'gone')]]);
    chain.mine(2);
    await waitFor(() => done() === 1, 'hand-over');
    chain.reorg(3, 4);
    await at(34, '34-1');
    await waitFor(() => scanner.status().alert !== '', 'alert');
    // No exchange answer (no RewindHandler): the deposit may have been paid.
    expect(scanner.status().alert).toBe(
      'BTC deposit gone:0 (block 31, handed over at 1 confirmations) is no longer on the chain: ' +
        'check whether it was paid',
    );
    expect(msgs('no longer on the chain')[0]).toMatchObject({ level: 50, depositId: 'gone:0' });
    // Scanning goes on; the alert stays until acknowledged.
    chain.mine(1, [[pay(A, 2n, 'next')]]);
    await waitFor(() => done() === 2, 'next hand-over');
    expect(handed.map(depositIdOf)).toEqual(['gone:0', 'next:0']);
    scanner.acknowledgeAlert();
    expect(scanner.status().alert).toBe('');
  });

  it('stops advancing, with an error and an alert, when no common ancestor is within the window', async () => {
    const chain = new FakeChain(300);
    const { scanner, at, msgs } = await run(chain);
    await at(300);
    chain.reorg(150, 151);
    await waitFor(() => scanner.status().alert !== '', 'alert');
    expect(scanner.status().alert).toMatch(/reorg deeper than the 100 stored blocks below height 300/);
    expect(msgs('reorg deeper than')[0]).toMatchObject({ level: 50 });
    chain.mine(5);
    await waitFor(() => scanner.status().tip === 306, 'tip');
    await fullPolls(chain);
    expect(scanner.status()).toMatchObject({ height: 300, hash: '300-0', tip: 306 });
    scanner.acknowledgeAlert();
    expect(scanner.status().alert).not.toBe('');
  });

  it('follows a reorg found by parent hash in the middle of a catch-up batch', async () => {
    const chain = new FakeChain(20);
    const { handed, at, done, msgs } = await run(chain);
    await at(20);
    chain.mine(10);
    const blocks = chain.blocks.bind(chain);
    let reorged = false;
    chain.blocks = async (from, to) => {
      if (!reorged) {
        reorged = true;
        chain.reorg(12, 12, [[pay(A, 3n, 'fork')]]); // new branch from 19 on
        return blocks(from, to);
      }
      return blocks(from, to);
    };
    await at(30, '30-1');
    expect(msgs('reorg: rewound')[0]).toMatchObject({
      from: 20,
      to: 18,
      reason: expect.stringMatching(/^block 21 has parent 20-1/),
    });
    await waitFor(() => done() === 1, 'hand-over');
    expect(handed[0]).toMatchObject({ tx: 'fork', height: 19 });
  });

  it('rewinds when the node reports a shorter chain, and rescans below a first block', async () => {
    const chain = new FakeChain(12);
    const { scanner, handed, at, done } = await run(chain, {
      initial_scan_height: 10,
      confirmations_required: 2,
    });
    chain.mine(1, [[pay(A, 4n, 'short')]]);
    await waitFor(() => scanner.pending(A).length === 1, 'seen');
    chain.reorg(5, 2); // tip 13 -> 10: every scanned block replaced, down to 9 (below the first)
    await waitFor(() => scanner.pending(A).length === 0, 'un-credited');
    await at(10, '10-1');
    chain.mine(3, [[pay(A, 4n, 'short')]]);
    await waitFor(() => done() === 1, 'hand-over');
    expect(handed[0]).toMatchObject({ height: 11 });
    expect(scanner.status().alert).toBe('');
  });

  it('does not spin on a source whose parent links contradict its hashes', async () => {
    const chain = new FakeChain(10);
    const { scanner, at } = await run(chain, { scan_period_ms: 20 });
    await at(10);
    chain.mine(1);
    const blocks = chain.blocks.bind(chain);
    chain.blocks = async (from, to) => (await blocks(from, to)).map((b) => ({ ...b, parentHash: 'bogus' }));
    await waitFor(() => scanner.status().last_error.includes('chain changed while scanning'), 'error');
    expect(scanner.status().height).toBe(10);
  });
});

import { depositIdOf, type ScannedDeposit } from '../../../src/core/deposit';
import { ChainScanner } from '../../../src/scanner/engine';
import { Store, prefixRange } from '../../../src/store/store';
import { TellerError } from '../../../src/util/errors';
import { FakeChain, captureLog, config, fullPolls, pay, scannerRig, tempStore, waitFor } from './fake-chain';

const A = 'addr-a';
const B = 'addr-b';

describe('ChainScanner (fake chain, real store)', () => {
  const rig = scannerRig();

  function setup(chain: FakeChain, over: Parameters<typeof config>[0] = {}, extra = {}) {
    const { scanner, ...cap } = rig.scanner(chain, { config: over, watch: [A, B], ...extra });
    const handed: ScannedDeposit[] = [];
    const start = () => scanner.start(async (d) => void handed.push(d));
    // Hand-overs are complete (marked in the store) once logged.
    const done = () => cap.msgs('deposit handed over').length;
    return { scanner, handed, start, done, ...cap };
  }

  it('scans forward to the tip and hands over deposits to watched addresses only', async () => {
    const chain = new FakeChain(3);
    chain.mine(2, [[pay(A, 1500n, 't1'), pay('someone-else', 7n, 't2')], []]);
    const { scanner, handed, start, done } = setup(chain);
    await start();
    await waitFor(() => done() === 1 && scanner.status().height === 5, 'hand-over');
    expect(handed[0]).toEqual({ coin_type: 'BTC', address: A, value: 1500n, height: 4, tx: 't1', n: 0 });
    expect(scanner.status()).toEqual({
      chain: 'BTC',
      enabled: true,
      height: 5,
      hash: '5-0',
      tip: 5,
      lag: 0,
      last_error: '',
      alert: '',
    });
    expect(scanner.watched('BTC').sort()).toEqual([A, B]);
    expect(scanner.watched('ETH')).toEqual([]);
  });

  it.each([
    [0, 1],
    [1, 1],
    [3, 3],
  ])('confirmations_required %i hands over at %i confirmations (tip - height + 1)', async (required, at) => {
    const chain = new FakeChain(10);
    const { scanner, handed, start, done } = setup(chain, { confirmations_required: required });
    await start();
    chain.mine(1, [[pay(A, 5n, 'tx')]]);
    for (let confs = 1; confs < at; confs++) {
      await waitFor(() => scanner.pending(A)[0]?.confirmations === confs, `${confs} confirmations`);
      expect(scanner.pending(A)[0]).toMatchObject({ confirmations: confs, required: at });
      await fullPolls(chain);
      expect(handed).toEqual([]);
      chain.mine(1);
    }
    await waitFor(() => done() === 1, 'hand-over');
    expect(scanner.status().tip - handed[0].height + 1).toBe(at);
    expect(scanner.pending(A)).toEqual([]);
  });

  it('rescans from a height while running: the deposit is handed over again (the exchange dedupes)', async () => {
    const chain = new FakeChain(3);
    chain.mine(3, [[pay(A, 10n, 'r1')], [], []]);
    const { scanner, handed, start, done } = setup(chain);
    await start();
    await waitFor(() => done() === 1 && scanner.status().height === 6, 'first hand-over');
    await expect(scanner.rescanFrom(9)).rejects.toThrow(/skip blocks/);
    const result = await scanner.rescanFrom(4);
    expect(result).toMatchObject({ chain: 'BTC', from_height: 4, previous_height: 6 });
    await waitFor(() => done() === 2 && scanner.status().height === 6, 'second hand-over');
    expect(handed.map((d) => d.tx)).toEqual(['r1', 'r1']);
  });

  it('goes through long runs of empty blocks and waits below initial_scan_height', async () => {
    const chain = new FakeChain(50);
    chain.mine(1, [[pay(A, 1n, 'old')]]);
    const { scanner, handed, start } = setup(chain, { initial_scan_height: 120 });
    await start();
    await waitFor(() => scanner.status().tip === 51, 'first poll');
    await fullPolls(chain);
    expect(scanner.status()).toMatchObject({ height: -1, lag: 0 });
    chain.mine(300);
    chain.mine(1, [[pay(A, 2n, 'new')]]);
    await waitFor(() => handed.length === 1, 'hand-over');
    // The deposit below initial_scan_height is never credited; scanning began at 120, not 0.
    expect(handed.map((d) => d.tx)).toEqual(['new']);
    expect(chain.fetched[0][0]).toBe(120);
  });

  it('keeps several deposits of one block and one tx apart (txid:n)', async () => {
    const chain = new FakeChain(5);
    const { handed, start } = setup(chain);
    await start();
    chain.mine(1, [[pay(A, 1n, 'tx1', 0), pay(A, 2n, 'tx1', 1), pay(B, 3n, 'tx2', 4)]]);
    await waitFor(() => handed.length === 3, 'three hand-overs');
    expect(handed.map(depositIdOf).sort()).toEqual(['tx1:0', 'tx1:1', 'tx2:4']);
    expect(handed.map((d) => d.value).sort()).toEqual([1n, 2n, 3n]);
  });

  it('hands each deposit over once, across polls and restarts', async () => {
    const chain = new FakeChain(5);
    chain.mine(1, [[pay(A, 1n, 'once')]]);
    const first = setup(chain);
    await first.start();
    await waitFor(() => first.done() === 1, 'hand-over');
    chain.mine(5);
    await waitFor(() => first.scanner.status().height === chain.tip, 'scan');
    await first.scanner.stop();
    const second = setup(chain);
    await second.start();
    chain.mine(3);
    await waitFor(() => second.scanner.status().height === chain.tip, 'scan after restart');
    await fullPolls(chain);
    expect(first.handed).toHaveLength(1);
    expect(second.handed).toHaveLength(0);
  });

  it('retries a failing hand-over on the next poll and keeps the deposit pending meanwhile', async () => {
    const chain = new FakeChain(5);
    chain.mine(1, [[pay(A, 9n, 'retry')]]);
    const { scanner, msgs } = setup(chain);
    let calls = 0;
    const handed: ScannedDeposit[] = [];
    await scanner.start(async (d) => {
      if (++calls <= 2) throw new Error('exchange busy');
      handed.push(d);
    });
    await waitFor(() => calls >= 1, 'first try');
    expect(scanner.pending(A)).toHaveLength(1);
    await waitFor(() => msgs('deposit handed over').length === 1, 'hand-over after failures');
    expect(handed).toHaveLength(1);
    expect(calls).toBe(3);
    expect(msgs('hand-over failed')).toHaveLength(2);
    expect(msgs('hand-over failed')[0]).toMatchObject({
      level: 40,
      depositId: 'retry:0',
      // The error itself (pino's err serializer): its stack says where it came from.
      err: expect.objectContaining({
        message: 'exchange busy',
        stack: expect.stringContaining('engine.test.ts'),
      }),
    });
    expect(scanner.pending(A)).toEqual([]);
  });

  it('resumes from the persisted cursor after a restart (store closed and reopened)', async () => {
    const { store: s1, dir } = await tempStore();
    const chain = new FakeChain(40);
    chain.mine(1, [[pay(A, 4n, 'r1')]]);
    const cap = captureLog();
    const one = new ChainScanner({ source: chain, store: s1, config: config(), log: cap.log });
    one.watch('BTC', A);
    const handed: ScannedDeposit[] = [];
    await one.start(async (d) => void handed.push(d));
    await waitFor(() => one.status().height === 41 && handed.length === 1, 'first run');
    await one.stop();
    await s1.close();

    const s2 = await Store.open(dir);
    chain.mine(2, [[], [pay(A, 5n, 'r2')]]);
    chain.fetched.length = 0;
    const two = new ChainScanner({ source: chain, store: s2, config: config(), log: cap.log });
    two.watch('BTC', A);
    await two.start(async (d) => void handed.push(d));
    await waitFor(() => two.status().height === 43 && handed.length === 2, 'second run');
    await two.stop();
    await s2.close();
    expect(chain.fetched[0][0]).toBe(42);
    expect(handed.map((d) => d.tx)).toEqual(['r1', 'r2']);
    expect(cap.msgs('resuming from cursor')[0]).toMatchObject({ height: 41, hash: '41-0' });
  });

  it('hands over after a crash between the block write and the hand-over, without rescanning', async () => {
    const chain = new FakeChain(5);
    chain.mine(1, [[pay(A, 3n, 'crash')]]);
    const crashed = setup(chain);
    let release: (err: Error) => void = () => undefined;
    // The handler never returns: the process "dies" with the block written, the deposit not handed.
    await crashed.scanner.start(() => new Promise<void>((_, reject) => (release = reject)));
    await waitFor(
      () => crashed.scanner.status().height === 6 && crashed.scanner.pending(A).length === 1,
      'scan',
    );
    chain.fetched.length = 0;
    const revived = setup(chain);
    await revived.start();
    await waitFor(() => revived.handed.length === 1, 'hand-over after restart');
    expect(revived.handed[0]).toMatchObject({ tx: 'crash', height: 6, value: 3n });
    expect(chain.fetched).toEqual([]);
    const stopping = crashed.scanner.stop();
    release(new Error('process gone'));
    await stopping;
  });

  it('neither misses nor repeats deposits when killed mid-scan', async () => {
    const chain = new FakeChain(0);
    const pays = Array.from({ length: 200 }, (_, i) => (i % 7 === 0 ? [pay(A, BigInt(i), `k${i}`)] : []));
    chain.mine(200, pays);
    const killed = setup(chain, {}, { batchSize: 20 });
    const origBlocks = chain.blocks.bind(chain);
    let calls = 0;
    chain.blocks = async (from, to) => {
      if (++calls === 4) chain.hang = true;
      return origBlocks(from, to);
    };
    await killed.start();
    // The killed scanner's poll never returns: it is dropped, never stopped.
    rig.forget(killed.scanner);
    await waitFor(() => chain.hang && killed.scanner.status().height === 59, 'three batches');
    chain.hang = false;
    const revived = setup(chain, {}, { batchSize: 20 });
    await revived.start();
    await waitFor(() => revived.scanner.status().height === 200, 'resume');
    const all = [...killed.handed, ...revived.handed].map((d) => d.tx).sort();
    expect(all).toEqual(
      pays
        .flat()
        .map((p) => p.tx)
        .sort(),
    );
    expect(killed.handed.length).toBeGreaterThan(0);
    expect(revived.handed.length).toBeGreaterThan(0);
  });

  it('survives source errors with backoff, records last_error and recovers', async () => {
    const chain = new FakeChain(5);
    const { scanner, handed, start, msgs, done } = setup(chain, { scan_period_ms: 40 });
    await start();
    await waitFor(() => scanner.status().height === 5, 'scan');
    chain.down = new Error('connect ECONNREFUSED 127.0.0.1:8332');
    chain.mine(1, [[pay(A, 8n, 'late')]]);
    await waitFor(() => msgs('poll failed').length >= 3, 'failures');
    expect(scanner.status().last_error).toBe('connect ECONNREFUSED 127.0.0.1:8332');
    expect(msgs('poll failed')[0]).toMatchObject({ level: 40, failures: 1 });
    chain.down = null;
    await waitFor(() => done() === 1 && scanner.status().last_error === '', 'recovery');
    expect(handed).toHaveLength(1);
    expect(msgs('scanner recovered')).toHaveLength(1);
  });

  it('starts with the node down, and refuses to start on a permanent init error', async () => {
    const chain = new FakeChain(5);
    chain.initError = new Error('connect ECONNREFUSED');
    const down = setup(chain);
    await down.start();
    expect(down.scanner.status().last_error).toBe('connect ECONNREFUSED');
    chain.initError = null;
    await waitFor(() => down.scanner.status().height === 5, 'scan once up');
    await down.scanner.stop();

    chain.initError = new TellerError(
      'btc_source',
      'node is on chain "main" but btc_scanner.network is regtest',
    );
    const wrong = setup(chain);
    await expect(wrong.start()).rejects.toThrow('btc_scanner.network is regtest');
  });

  it('logs catch-up progress and prunes block refs outside the reorg window', async () => {
    const chain = new FakeChain(320);
    const { scanner, start, msgs } = setup(chain, {}, { progressIntervalMs: 0, batchSize: 25 });
    await start();
    await waitFor(() => msgs('caught up').length === 1, 'catch-up');
    const progress = msgs('catching up');
    expect(progress.length).toBeGreaterThan(2);
    expect(progress[0]).toEqual(expect.objectContaining({ height: -1, tip: 320, behind: 321 }));
    expect(progress[1]).toEqual(
      expect.objectContaining({ height: 24, tip: 320, blocksPerSec: expect.any(Number) }),
    );
    expect(progress[1]).toHaveProperty('etaSec');
    await waitFor(() => scanner.status().height === 320, 'scan');
    await fullPolls(chain); // the poll that reached 320 has pruned
    const refs = [];
    for await (const k of rig.store.keys('scan', prefixRange('BTC!block!'))) refs.push(k);
    expect(refs.length).toBeLessThanOrEqual(101);
    expect(refs.length).toBeGreaterThanOrEqual(100);
  });

  it('ignores a disabled config and a second watch of the same address', async () => {
    const chain = new FakeChain(3);
    const { scanner, start } = setup(chain, { enabled: false });
    scanner.watch('BTC', A);
    expect(scanner.watched('BTC')).toHaveLength(2);
    jest.useFakeTimers();
    try {
      await start();
      await jest.advanceTimersByTimeAsync(100);
    } finally {
      jest.useRealTimers();
    }
    expect(chain.tipCalls).toBe(0);
    expect(scanner.status()).toMatchObject({ enabled: false, height: -1, tip: -1 });
  });
});

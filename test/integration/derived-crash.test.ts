import { generateBtcAddresses } from '../../src/pool/generate';
import { RESERVE_BLOCK } from '../../src/pool/reservations';
import { SKY, adminGet, postJson, request, runCli, startDaemon, type Daemon } from '../helpers/daemon';

/**
 * Never reuse, never lose (issue 19): binds on a derived pool with the daemon SIGKILLed at
 * (seeded) random moments while binds are in flight. Every address a client was given is listed
 * once with its own index, as bound; every index below the next one is listed, bound (with its
 * binding) or skipped because it was reserved before a crash (src/pool/reservations.ts: at most
 * one block per crash); none is handed out twice.
 */

/** BIP84's published account-0 zpub of "abandon … about". */
const ZPUB =
  'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';
const TOTAL = Number(process.env.CRASH_BINDS ?? 500);
const IN_FLIGHT = 8;

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Listed {
  index: number;
  address: string;
  status: string;
}

describe('derived pool under SIGKILL', () => {
  let daemon: Daemon;
  const seed = Number(process.env.CRASH_SEED ?? 19);

  beforeAll(async () => {
    daemon = await startDaemon({
      btc_addresses: null,
      eth_scanner: { enabled: false },
      teller: { max_bound_addrs: 0 },
      btc_scanner: { deposit_xpub: ZPUB, network: 'mainnet' },
    });
  }, 60_000);
  afterAll(() => daemon?.dispose());

  it(`${TOTAL} binds, killed at random moments: no index twice, none lost without trace`, async () => {
    const random = rng(seed);
    const given: string[] = [];
    let attempts = 0;
    let unknown = 0;
    let kills = 0;
    while (attempts < TOTAL) {
      // This round: kill once `killAfter` binds have answered, with up to IN_FLIGHT more in flight
      // (about 13 kills in 500 binds: a restart costs far more than a bind, so this sets the runtime).
      const killAfter = 10 + Math.floor(random() * 50);
      let answered = 0;
      let killing: Promise<void> | undefined;
      const url = `${daemon.publicUrl}/api/bind`;
      const worker = async (w: number): Promise<void> => {
        while (!killing && attempts < TOTAL) {
          attempts++;
          const sky = SKY[(attempts + w) % SKY.length];
          try {
            const res = await postJson(url, JSON.stringify({ skyaddr: sky, coin_type: 'BTC' }));
            if (res.status !== 200) throw new Error(`bind: ${res.status} ${res.body}`);
            given.push((JSON.parse(res.body) as { deposit_address: string }).deposit_address);
            answered++;
          } catch (err) {
            if (!killing) throw err;
            unknown++; // in flight when the process died: bound or not, the list must say
            return;
          }
          if (answered >= killAfter && !killing) {
            kills++;
            killing = daemon.kill();
          }
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, (_, w) => worker(w)));
      await killing;
      await daemon.restart();
    }

    const view = await adminGet<Record<string, { derived_pool: { next_index: number; bound: number } }>>(
      daemon,
      '/api/deposit-addresses',
    );
    // The bindings, as the buyers' status route shows them (the dummy scanner lists no watch set).
    const bound = new Set<string>();
    for (const sky of SKY) {
      const res = await request(`${daemon.publicUrl}/api/v2/status?skyaddr=${sky}`);
      for (const d of (JSON.parse(res.body) as { deposits: { deposit_address: string }[] }).deposits)
        bound.add(d.deposit_address);
    }
    await daemon.stop();
    const r = await runCli([
      'pool',
      'list',
      'BTC',
      '--format',
      'json',
      '-c',
      daemon.configPath,
      '-d',
      daemon.dataDir,
    ]);
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.stdout) as Listed[];

    // Indexes 0..n-1, each once, each the key's own address at 0/i, bound or skipped as reserved.
    const n = listed.length;
    expect(listed.map((l) => l.index)).toEqual(Array.from({ length: n }, (_, i) => i));
    const derived = generateBtcAddresses({
      xpub: ZPUB,
      network: 'mainnet',
      type: 'p2wpkh',
      count: n,
    }).addresses;
    expect(listed.map((l) => l.address)).toEqual(derived);
    const boundRows = listed.filter((l) => l.status === 'bound');
    const skipped = listed.filter((l) => l.status !== 'bound');
    expect(skipped.every((l) => l.status.startsWith('skipped (reserved'))).toBe(true);
    // A crash skips less than one reservation block.
    expect(skipped.length).toBeLessThan(kills * RESERVE_BLOCK);
    // The state agrees: next index = entries, bound count = bound entries.
    expect(view.BTC?.derived_pool).toMatchObject({ next_index: n, bound: boundRows.length });
    // No address handed out twice; every one a client got is listed as bound; in-flight ones at most add.
    expect(new Set(given).size).toBe(given.length);
    const set = new Set(boundRows.map((l) => l.address));
    expect(given.filter((a) => !set.has(a))).toEqual([]);
    expect(boundRows.length).toBeGreaterThanOrEqual(given.length);
    expect(boundRows.length).toBeLessThanOrEqual(given.length + unknown);
    // Every derived index has its binding, and no binding is outside the list.
    expect(bound).toEqual(set);
    expect(kills).toBeGreaterThan(3);
  }, 300_000);
});

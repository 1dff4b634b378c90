import { existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { bindingKey } from '../../src/exchange/deposit-store';
import { entryKey, sourceId, type DerivedEntry, type DerivedState } from '../../src/pool/derived';
import { DeriveReservations, reservationPath } from '../../src/pool/reservations';
import { seqKey, Store, type Op } from '../../src/store/store';
import { segwitAddress } from './btc-encode';
import { skyAddresses } from './deposits';
import os from 'node:os';
import { prng, randomBytesFrom } from './stats';

/**
 * A data dir whose store holds `count` bindings of a derived BTC pool, in the daemon's own layout
 * (bindings, bindings_by_sky, pool_used, pool_derived entries, the pool's state in meta, the
 * reservation file beside it). Deriving 5,000,000 addresses takes hours (3.5-5 ms each), so the
 * addresses are the bench pool's synthetic P2WPKH ones (random witness programs: the same shape and
 * script distribution as derived ones) and the records are written straight to the store in large
 * batches. Built once and kept (benchCache()) for later rounds and runs; the daemon only adds its
 * checkpoint and a clean-stop mark to it.
 */

/** The account key the daemon is configured with (BIP84's published zpub of "abandon … about"). */
export const DERIVED_ZPUB =
  'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';
const PER_PAYOUT_ADDRESS = 5;
const BATCH = 20_000;

/** Synthetic P2WPKH addresses (mainnet), in memory: the witness program of address i at [20 i, 20 i + 20). */
export interface SyntheticPool {
  addresses: string[];
  programs: Buffer;
}

/**
 * `count` addresses from a fixed seed (the same every call: the store is built from them once, the
 * scan benchmark watches them again). Flat strings: concatenated ones keep every piece alive, which
 * at 5,000,000 addresses fills the heap.
 */
export function syntheticPool(count: number, seed = 0x5e5e5): SyntheticPool {
  const programs = randomBytesFrom(prng(seed), 20 * count);
  const addresses = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const a = segwitAddress('bc', 0, programs.subarray(20 * i, 20 * i + 20));
    addresses[i] = Buffer.from(a, 'latin1').toString('latin1');
  }
  return { addresses, programs };
}

/** The P2WPKH scriptPubKey of address i. */
export const syntheticScript = (pool: SyntheticPool, i: number): Buffer =>
  Buffer.concat([Buffer.of(0x00, 0x14), pool.programs.subarray(20 * i, 20 * i + 20)]);

/**
 * Where the store is kept: BENCH_CACHE, else a fixed dir under the system temp dir, so that it is
 * built once per machine, not once per run (bench/run.mjs removes its own temp dir).
 */
export function benchCache(): string {
  return process.env.BENCH_CACHE ?? path.join(os.tmpdir(), 'teller-bench-cache');
}

export interface DerivedDataset {
  pool: SyntheticPool;
  dataDir: string;
  buildSeconds: number;
}

export async function derivedDataset(
  count: number,
  progress: (line: string) => void = () => undefined,
): Promise<DerivedDataset> {
  const t0 = performance.now();
  const pool = syntheticPool(count);
  const dataDir = path.join(benchCache(), `derived-${count}`);
  const db = path.join(dataDir, 'teller.db');
  if (existsSync(reservationPath(db))) return { pool, dataDir, buildSeconds: 0 };
  const building = `${dataDir}.building`;
  rmSync(building, { recursive: true, force: true });
  const store = await Store.open(path.join(building, 'teller.db'));
  const source = { xpub: DERIVED_ZPUB, type: 'p2wpkh', network: 'mainnet' as const };
  const id = sourceId(source);
  progress(`${count} addresses made, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  // Flat strings (see syntheticPool): a million base58 ones built by concatenation fill the heap.
  const sky = skyAddresses(Math.ceil(count / PER_PAYOUT_ADDRESS)).map((a) =>
    Buffer.from(a, 'latin1').toString('latin1'),
  );
  progress(`${sky.length} payout addresses made, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const createdAt = Math.floor(Date.now() / 1000);
  for (let from = 0; from < count; from += BATCH) {
    const ops: Op[] = [];
    for (let i = from; i < Math.min(count, from + BATCH); i++) {
      const address = pool.addresses[i];
      const key = bindingKey('BTC', address);
      const seq = i + 1;
      const skyAddress = sky[Math.floor(i / PER_PAYOUT_ADDRESS)];
      const binding = {
        sky_address: skyAddress,
        address,
        coin_type: 'BTC',
        buy_method: 'direct',
        seq,
        created_at: createdAt,
      };
      const entry: DerivedEntry = { address };
      ops.push(
        { type: 'put', space: 'bindings', key, value: binding },
        { type: 'put', space: 'bindings_by_sky', key: `${skyAddress}!${seqKey(seq)}`, value: key },
        { type: 'put', space: 'pool_used', key, value: seq },
        { type: 'put', space: 'pool_derived', key: entryKey('BTC', id, i), value: entry },
      );
    }
    await store.write(ops);
    if ((from / BATCH) % 25 === 24)
      progress(
        `${from + BATCH} bindings written, ${((performance.now() - t0) / 1000).toFixed(0)} s, ` +
          `${(process.cpuUsage().user / 1e6).toFixed(0)} s CPU`,
      );
  }
  const state: DerivedState = { ...source, next: count, bound: count };
  await store.write([
    { type: 'put', space: 'meta', key: `derived:BTC!${id}`, value: state },
    { type: 'put', space: 'meta', key: 'counter:bind', value: count },
  ]);
  await store.close();
  // Every index is in the store: reserved up to the next one, as the binder leaves it.
  await DeriveReservations.read(reservationPath(path.join(building, 'teller.db'))).raise(`BTC!${id}`, count);
  renameSync(building, dataDir);
  return { pool, dataDir, buildSeconds: (performance.now() - t0) / 1000 };
}

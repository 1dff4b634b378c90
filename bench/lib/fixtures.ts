import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { segwitAddress } from './btc-encode';
import { prng, randomBytesFrom } from './stats';

/**
 * Shared fixtures. bench/run.mjs gives every benchmark the same scratch dir (BENCH_TMP), so the
 * million-address pool is generated once per run and read by the scan and start-up benchmarks.
 */

export const REPO_ROOT = path.resolve(__dirname, '../..');

export function benchTmp(): string {
  const dir = process.env.BENCH_TMP ?? path.join(os.tmpdir(), 'teller-bench');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export const POOL_SIZE = 1_000_000;
const POOL_SEED = 0x7e11e5;

export interface BtcPool {
  file: string;
  /** Addresses in file order (P2WPKH, mainnet: gen-btc-addresses' default type). */
  addresses: string[];
  /** The 20-byte witness program of address i at [20 i, 20 i + 20). */
  programs: Buffer;
}

/** The million-address BTC pool file (`bc1q…`, one per line), made once per run. */
export function btcPool(size = POOL_SIZE): BtcPool {
  const dir = benchTmp();
  const file = path.join(dir, `btc-pool-${size}.txt`);
  const programsFile = `${file}.programs`;
  if (existsSync(file) && existsSync(programsFile)) {
    const addresses = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    return { file, addresses, programs: readFileSync(programsFile) };
  }
  const programs = randomBytesFrom(prng(POOL_SEED), 20 * size);
  const addresses = new Array<string>(size);
  for (let i = 0; i < size; i++)
    addresses[i] = segwitAddress('bc', 0, programs.subarray(20 * i, 20 * i + 20));
  // Written under a temporary name first: a benchmark killed mid-write leaves no half pool.
  writeFileSync(`${programsFile}.tmp`, programs);
  writeFileSync(`${file}.tmp`, `# bench pool: ${size} P2WPKH mainnet addresses\n${addresses.join('\n')}\n`);
  renameSync(`${programsFile}.tmp`, programsFile);
  renameSync(`${file}.tmp`, file);
  return { file, addresses, programs };
}

/** The P2WPKH scriptPubKey of pool address i. */
export const poolScript = (pool: BtcPool, i: number): Buffer =>
  Buffer.concat([Buffer.of(0x00, 0x14), pool.programs.subarray(20 * i, 20 * i + 20)]);

import { cpSync, existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DepositStore } from '../../src/exchange/deposit-store';
import { Store } from '../../src/store/store';
import { depositRecord, forEachConcurrent, skyAddresses } from './deposits';
import { benchTmp, btcPool, type BtcPool } from './fixtures';

/**
 * A loaded daemon's data: the million-address BTC pool, 100,000 bindings (20,000 payout addresses
 * with 5 deposit addresses each, the first 100,000 of the pool, as binds hand them out) and one
 * finished deposit per binding, written through DepositStore (so the layout is the daemon's own).
 * Built once per run; each benchmark gets its own copy of the data dir.
 */

export const BINDINGS = 100_000;
export const PER_PAYOUT_ADDRESS = 5;
/** Writes in flight while building: enough for the store's group commit to batch them. */
const BUILD_IN_FLIGHT = 512;

export interface Dataset {
  pool: BtcPool;
  /** Payout (Skycoin) addresses; binding i belongs to skyAddresses[floor(i / 5)]. */
  skyAddresses: string[];
  /** A data dir holding `teller.db`. */
  dataDir: string;
  buildSeconds: number;
}

export async function dataset(): Promise<Dataset> {
  const pool = btcPool();
  const sky = skyAddresses(BINDINGS / PER_PAYOUT_ADDRESS);
  const dataDir = path.join(benchTmp(), 'dataset');
  if (existsSync(path.join(dataDir, 'teller.db', 'CURRENT'))) {
    return { pool, skyAddresses: sky, dataDir, buildSeconds: 0 };
  }
  const t0 = performance.now();
  const building = `${dataDir}.building`;
  rmSync(building, { recursive: true, force: true });
  const store = await Store.open(path.join(building, 'teller.db'));
  const deposits = new DepositStore(store);
  await deposits.open();
  // Binds are sequenced per coin in the daemon (pool order); here addresses are assigned up front.
  await forEachConcurrent(0, BINDINGS, BUILD_IN_FLIGHT, async (i) => {
    const skyAddress = sky[Math.floor(i / PER_PAYOUT_ADDRESS)];
    await deposits.bind(skyAddress, 'BTC', 'BTC', pool.addresses[i], 'direct');
    const rec = depositRecord(i, { address: pool.addresses[i], skyAddress, status: 'done' });
    await deposits.create(
      rec,
      `deposit of ${rec.deposit_value} BTC base units at height ${rec.deposit.height}`,
    );
  });
  await store.close();
  renameSync(building, dataDir);
  return { pool, skyAddresses: sky, dataDir, buildSeconds: (performance.now() - t0) / 1000 };
}

/** A private copy of the dataset's data dir (a daemon may write to it). */
export function copyDataDir(d: Dataset, name: string): string {
  const dir = path.join(benchTmp(), name);
  rmSync(dir, { recursive: true, force: true });
  cpSync(d.dataDir, dir, { recursive: true });
  return dir;
}

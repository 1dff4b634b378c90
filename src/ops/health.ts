import { errorMessage } from '../util/errors';
import type { OpsSource } from './source';

/**
 * Readiness for supervisors (`/readyz`): the store answers reads, and every enabled scanner has
 * reached its node and is within `maxLagBlocks` of the tip. Liveness (`/healthz`) needs nothing:
 * a process that answers HTTP is up.
 */

export interface ScannerReadiness {
  chain: string;
  ready: boolean;
  height: number;
  tip: number;
  lag: number;
  reason: string;
}

export interface Readiness {
  ready: boolean;
  store: { ready: boolean; reason: string };
  scanners: ScannerReadiness[];
}

export async function readiness(
  source: Pick<OpsSource, 'store' | 'scanners'>,
  maxLagBlocks: number,
): Promise<Readiness> {
  let store = { ready: true, reason: '' };
  try {
    await source.store.get<number>('meta', 'schema_version');
  } catch (err) {
    store = { ready: false, reason: `store unreadable: ${errorMessage(err)}` };
  }
  const scanners = source.scanners.map((sc): ScannerReadiness => {
    const s = sc.status();
    const base = { chain: s.chain, height: s.height, tip: s.tip, lag: s.lag };
    if (!s.enabled) return { ...base, ready: true, reason: 'disabled' };
    // A scanner that never reached its node has tip -1 (the dummy scanner has no node and no error).
    if (s.tip < 0 && s.last_error !== '')
      return { ...base, ready: false, reason: `node not reached: ${s.last_error}` };
    if (s.lag > maxLagBlocks)
      return { ...base, ready: false, reason: `${s.lag} blocks behind (limit ${maxLagBlocks})` };
    return { ...base, ready: true, reason: '' };
  });
  return { ready: store.ready && scanners.every((s) => s.ready), store, scanners };
}

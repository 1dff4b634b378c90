import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Network } from '../config/types';
import { PoolLoadError, reasonOf } from './errors';
import { forEachPoolLine, isJsonPoolFile, parsePoolJson, parsePoolText, type PoolCoin } from './load';
import { normalizeAddress, validatePool } from './validate';

/**
 * Validating a large pool at every start is slow: each address is decoded (base58check, bech32
 * and its checksum, a curve check for P2TR) and checked against all others for duplicates. For a
 * million BTC addresses that was ~2.5 s of a ~5.5 s start and ~200 MB of peak heap (bench 6).
 * Pool files rarely change, so once a file has passed, its stamp is kept in the store: the SHA-256
 * of its text, the network, the address count and the rules that checked it (the daemon's build
 * and the validating modules' code). A start that finds the same stamp only splits and normalizes
 * the lines; any other file, network, build or rule change runs the full validation again.
 */

export interface PoolStamp {
  sha256: string;
  network: Network;
  count: number;
  rules: string;
}

/** Where stamps are kept (the daemon: the store's `meta` space, key `pool_stamp:<coin>`). */
export interface PoolStamps {
  get(coin: PoolCoin): Promise<PoolStamp | undefined>;
  put(coin: PoolCoin, stamp: PoolStamp): Promise<void>;
}

/** The modules whose code decides what a valid pool is (resolved next to this one). */
const RULE_MODULES = [
  './validate',
  './load',
  '../chains/bitcoin/address',
  '../chains/ethereum/address',
  '../chains/skycoin/address',
  '../chains/skycoin/base58',
];

let rulesOfCode: string | null | undefined;

/** A hash of the validating modules' code; null when they cannot be read (then nothing is reused). */
function codeRules(): string | null {
  if (rulesOfCode === undefined) {
    try {
      const h = createHash('sha256');
      for (const m of RULE_MODULES) h.update(readFileSync(require.resolve(m)));
      rulesOfCode = h.digest('hex');
    } catch {
      // Bundled or otherwise unreadable: re-validating every time is the safe answer.
      rulesOfCode = null;
    }
  }
  return rulesOfCode;
}

export interface StampedPool {
  /** Normalized, in file order: what `loadPool` returns. */
  addresses: string[];
  /** True when the file's stamp matched and the per-address checks were skipped. */
  reused: boolean;
}

/**
 * `loadPool`, reusing an earlier full validation of the same bytes under the same rules. `build`
 * names the running daemon (its version and commit); an empty one disables reuse.
 */
export async function loadPoolStamped(
  file: string,
  coin: PoolCoin,
  network: Network,
  build: string,
  stamps: PoolStamps,
): Promise<StampedPool> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PoolLoadError(`cannot read the ${coin} address pool ${file}: ${reasonOf(err)}`);
  }
  const code = codeRules();
  const rules = build !== '' && code !== null ? `${build}:${code}` : '';
  // The hash is of the text as decoded (what is parsed); no second copy of the file stays around.
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  const known = rules === '' ? undefined : await stamps.get(coin);
  if (known && known.sha256 === sha256 && known.network === network && known.rules === rules) {
    const addresses: string[] = [];
    if (isJsonPoolFile(file)) {
      for (const e of parsePoolJson(text, coin, file)) addresses.push(normalizeAddress(coin, e.address));
    } else {
      forEachPoolLine(text, (address) => addresses.push(normalizeAddress(coin, address)));
    }
    if (addresses.length === known.count) return { addresses, reused: true };
  }
  const entries = isJsonPoolFile(file) ? parsePoolJson(text, coin, file) : parsePoolText(text);
  const addresses = validatePool(coin, entries, { network, file });
  if (rules !== '') await stamps.put(coin, { sha256, network, count: addresses.length, rules });
  return { addresses, reused: false };
}

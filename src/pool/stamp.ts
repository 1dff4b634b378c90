import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Network } from '../config/types';
import { PoolLoadError, reasonOf } from './errors';
import { forEachPoolLine, isJsonPoolFile, parsePoolJson, parsePoolText, type PoolCoin } from './load';
import type { AddressList } from './pool';
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
  './stamp',
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
  addresses: AddressList;
  /** True when the file's stamp matched and the per-address checks were skipped. */
  reused: boolean;
}

/**
 * A validated text pool kept as its text and each address's offset, the address made (and
 * normalized) when asked for: a million addresses as strings held ~80 MB, this holds ~50 MB, and
 * the pool only ever walks forward from its cursor.
 */
class TextAddressList implements AddressList {
  constructor(
    private readonly coin: PoolCoin,
    private readonly text: string,
    private readonly starts: Int32Array,
    private readonly lengths: Uint16Array,
  ) {}

  get length(): number {
    return this.starts.length;
  }

  at(index: number): string | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.starts.length) return undefined;
    const start = this.starts[index];
    return normalizeAddress(this.coin, this.text.slice(start, start + this.lengths[index]));
  }
}

/** The stamped file's addresses without validating them again; null if the count disagrees. */
function reuse(file: string, coin: PoolCoin, text: string, count: number): AddressList | null {
  if (isJsonPoolFile(file)) {
    const addresses = parsePoolJson(text, coin, file).map((e) => normalizeAddress(coin, e.address));
    return addresses.length === count ? addresses : null;
  }
  const starts = new Int32Array(count);
  const lengths = new Uint16Array(count);
  let n = 0;
  forEachPoolLine(text, (address, _line, start) => {
    if (n < count) {
      starts[n] = start;
      lengths[n] = address.length;
    }
    n++;
  });
  return n === count ? new TextAddressList(coin, text, starts, lengths) : null;
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
    throw new PoolLoadError(`cannot read the ${coin} address pool ${file}: ${reasonOf(err)}`, { cause: err });
  }
  const code = codeRules();
  const rules = build !== '' && code !== null ? `${build}:${code}` : '';
  // The hash is of the text as decoded (what is parsed); no second copy of the file stays around.
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  const known = rules === '' ? undefined : await stamps.get(coin);
  if (known && known.sha256 === sha256 && known.network === network && known.rules === rules) {
    const addresses = reuse(file, coin, text, known.count);
    if (addresses) return { addresses, reused: true };
  }
  const entries = isJsonPoolFile(file) ? parsePoolJson(text, coin, file) : parsePoolText(text);
  const addresses = validatePool(coin, entries, { network, file });
  if (rules !== '') await stamps.put(coin, { sha256, network, count: addresses.length, rules });
  // A text pool is kept as a restart keeps it (the text and offsets), not as the million strings
  // validation made: those held a million heap objects for the life of the process, and every full
  // GC marked them. A JSON pool is kept as validated (reuse would only parse it again).
  if (isJsonPoolFile(file)) return { addresses, reused: false };
  return { addresses: reuse(file, coin, text, addresses.length) ?? addresses, reused: false };
}

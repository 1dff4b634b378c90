import { btcAddressError, normalizeBtcAddress } from '../chains/bitcoin/address';
import { ethAddressError, normalizeEthAddress } from '../chains/ethereum/address';
import { skycoinAddressError } from '../chains/skycoin/address';
import type { Network } from '../config/types';
import { PoolError } from './errors';
import {
  entryLocation,
  entryRef,
  isJsonPoolFile,
  readPoolEntries,
  type PoolCoin,
  type PoolEntry,
} from './load';

/**
 * Startup validation of a pool (spec §3.2, stricter): every invalid or duplicate entry is reported
 * at once, with its file and line, and the pool is returned in its canonical form.
 */

export interface ValidatePoolOptions {
  /** Which Bitcoin network BTC addresses must belong to (ignored for ETH and SKY). */
  network: Network;
  /** The pool file, for messages; its extension says how positions read (line or JSON index). */
  file: string;
}

/** Messages list at most this many problems; `PoolError.problems` holds all of them. */
const MAX_LISTED_PROBLEMS = 1000;
const MAX_SHOWN_ADDRESS_CHARS = 100;

/** null when `addr` is a valid deposit address of `coin`, else the reason. */
export function addressError(coin: PoolCoin, addr: string, network: Network): string | null {
  switch (coin) {
    case 'BTC':
      return btcAddressError(addr, network);
    case 'ETH':
      return ethAddressError(addr);
    case 'SKY':
      return skycoinAddressError(addr);
  }
}

/**
 * The spelling pools, the store and scanners compare: ETH lowercase, BTC bech32 lowercase, base58
 * (BTC legacy, SKY) as written. Use it on every address before a lookup.
 */
export function normalizeAddress(coin: PoolCoin, addr: string): string {
  switch (coin) {
    case 'BTC':
      return normalizeBtcAddress(addr);
    case 'ETH':
      return normalizeEthAddress(addr);
    case 'SKY':
      return addr;
  }
}

const quote = (addr: string): string =>
  JSON.stringify(addr.length > MAX_SHOWN_ADDRESS_CHARS ? `${addr.slice(0, MAX_SHOWN_ADDRESS_CHARS)}…` : addr);

function problemsMessage(coin: PoolCoin, file: string, problems: readonly string[]): string {
  const n = problems.length;
  const shown = problems.slice(0, MAX_LISTED_PROBLEMS);
  const more = n > shown.length ? [`... and ${n - shown.length} more`] : [];
  return [`${coin} address pool ${file}: ${n} bad entr${n === 1 ? 'y' : 'ies'}:`, ...shown, ...more].join(
    '\n  ',
  );
}

/**
 * Checks every address of a pool and returns them normalized, in file order. Throws one PoolError
 * listing every problem: `btc.txt:7: invalid BTC address "xyz" for mainnet: <reason>`,
 * `btc.txt:9: "1Abc…" is a duplicate of line 3`, or `No BTC addresses in btc.txt` for an empty pool.
 * Given plain strings instead of entries, positions are taken as lines 1..n (or indexes 0..n-1).
 */
export function validatePool(
  coin: PoolCoin,
  addresses: readonly PoolEntry[] | readonly string[],
  opts: ValidatePoolOptions,
): string[] {
  const { file, network } = opts;
  if (addresses.length === 0) throw new PoolError(`No ${coin} addresses in ${file}`);
  const entries = addresses.map((a: PoolEntry | string, i): PoolEntry => {
    if (typeof a !== 'string') return a;
    return { address: a, pos: isJsonPoolFile(file) ? i : i + 1 };
  });
  const problems: { pos: number; text: string }[] = [];
  const normalized: string[] = [];
  const valid: PoolEntry[] = [];
  for (const entry of entries) {
    const { address, pos } = entry;
    const reason = addressError(coin, address, network);
    if (reason === null) {
      normalized.push(normalizeAddress(coin, address));
      valid.push(entry);
      continue;
    }
    const onNetwork = coin === 'BTC' ? ` for ${network}` : '';
    const text = `${entryLocation(file, coin, pos)}: invalid ${coin} address ${quote(address)}${onNetwork}: ${reason}`;
    problems.push({ pos, text });
  }
  // Building a Set in one go is the cheap way to learn there is no duplicate (the usual case);
  // only when there is one does a second pass find which entry each repeats.
  if (new Set(normalized).size !== normalized.length) {
    const firstSeen = new Map<string, number>();
    valid.forEach(({ address, pos }, i) => {
      const key = normalized[i] ?? address;
      const first = firstSeen.get(key);
      if (first === undefined) firstSeen.set(key, pos);
      else {
        const ref = entryRef(file, coin, first);
        problems.push({
          pos,
          text: `${entryLocation(file, coin, pos)}: ${quote(address)} is a duplicate of ${ref}`,
        });
      }
    });
  }
  if (problems.length) {
    const texts = problems.sort((a, b) => a.pos - b.pos).map((p) => p.text);
    throw new PoolError(problemsMessage(coin, file, texts), texts);
  }
  return normalized;
}

/** Reads and validates a pool file: the normalized addresses, in file order. */
export function loadPool(file: string, coin: PoolCoin, network: Network): string[] {
  return validatePool(coin, readPoolEntries(file, coin), { network, file });
}

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { PoolLoadError, reasonOf } from './errors';

/**
 * Pool files (spec §3.1). `<name>.json` is `{"btc_addresses": [...]}` (`eth_addresses`,
 * `sky_addresses`); anything else is text, one address per line. Unlike teller, every address is
 * trimmed (a CRLF file or a trailing space broke validation) and `addr  # note` comments are
 * allowed; a wrong JSON key is an error naming the key expected, not an empty pool.
 */

export type PoolCoin = 'BTC' | 'ETH' | 'SKY';

export const POOL_COINS: readonly PoolCoin[] = ['BTC', 'ETH', 'SKY'];

export interface PoolEntry {
  address: string;
  /** 1-based line number in a text file; 0-based index into the array of a JSON file. */
  pos: number;
}

/** teller's rule: exactly the `.json` extension means JSON. */
export const isJsonPoolFile = (file: string): boolean => extname(file) === '.json';

export const poolJsonKey = (coin: PoolCoin): string => `${coin.toLowerCase()}_addresses`;

/** Where an entry is, for messages: `btc.txt:7` or `btc.json: btc_addresses[6]`. */
export function entryLocation(file: string, coin: PoolCoin, pos: number): string {
  return isJsonPoolFile(file) ? `${file}: ${poolJsonKey(coin)}[${pos}]` : `${file}:${pos}`;
}

/** How another entry of the same file is referred to: `line 3` or `btc_addresses[2]`. */
export function entryRef(file: string, coin: PoolCoin, pos: number): string {
  return isJsonPoolFile(file) ? `${poolJsonKey(coin)}[${pos}]` : `line ${pos}`;
}

/**
 * Text format: `#` starts a comment (whole line or the rest of one); blank lines are skipped.
 * Calls `take` with each address, its 1-based line and its offset in `text`, in file order. Lines
 * are cut one at a time (not with split) so that a million-line file leaves no million-entry array.
 */
export function forEachPoolLine(
  text: string,
  take: (address: string, line: number, start: number) => void,
): void {
  let lineNo = 0;
  for (let from = 0; from <= text.length;) {
    let end = text.indexOf('\n', from);
    if (end < 0) end = text.length;
    lineNo++;
    let line = text.slice(from, end);
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    // trim() also drops the \r of CRLF files and a UTF-8 byte order mark.
    const address = line.trim();
    if (address !== '') take(address, lineNo, from + line.length - line.trimStart().length);
    from = end + 1;
  }
}

/** The text format's entries, with their line numbers (see forEachPoolLine). */
export function parsePoolText(text: string): PoolEntry[] {
  const entries: PoolEntry[] = [];
  forEachPoolLine(text, (address, pos) => entries.push({ address, pos }));
  return entries;
}

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/** JSON format; `file` only names the file in errors. */
export function parsePoolJson(text: string, coin: PoolCoin, file: string): PoolEntry[] {
  const key = poolJsonKey(coin);
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new PoolLoadError(`${file}: Decode loaded address json failed: ${reasonOf(err)}`, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new PoolLoadError(`${file}: expected a JSON object {"${key}": [...]}, found ${describe(doc)}`);
  }
  if (!Object.prototype.hasOwnProperty.call(doc, key)) {
    const found = Object.keys(doc);
    const foundText = found.length
      ? `it has ${found.map((k) => JSON.stringify(k)).join(', ')}`
      : 'it is empty';
    throw new PoolLoadError(
      `${file}: missing key "${key}" (the ${coin} pool needs {"${key}": [...]}; ${foundText})`,
    );
  }
  const list: unknown = (doc as Record<string, unknown>)[key];
  if (!Array.isArray(list)) {
    throw new PoolLoadError(`${file}: "${key}" must be an array of address strings, found ${describe(list)}`);
  }
  const entries: PoolEntry[] = [];
  const problems: string[] = [];
  list.forEach((item: unknown, pos) => {
    if (typeof item === 'string') entries.push({ address: item.trim(), pos });
    else problems.push(`${file}: ${key}[${pos}]: expected an address string, found ${describe(item)}`);
  });
  if (problems.length) throw new PoolLoadError(problems.join('\n'));
  return entries;
}

/** Reads a pool file into its entries, in file order, with their line numbers (or JSON indexes). */
export function readPoolEntries(file: string, coin: PoolCoin): PoolEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PoolLoadError(`cannot read the ${coin} address pool ${file}: ${reasonOf(err)}`, { cause: err });
  }
  return isJsonPoolFile(file) ? parsePoolJson(text, coin, file) : parsePoolText(text);
}

/** The addresses of a pool file as written (trimmed), in file order; see `loadPool` to validate. */
export const loadPoolFile = (file: string, coin: PoolCoin): string[] =>
  readPoolEntries(file, coin).map((e) => e.address);

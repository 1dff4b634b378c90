/**
 * Keys that no read asks for. Teller's viper ignored every unknown key, so a misspelled key was a
 * silently missing setting; Teller refuses one (a config problem, exit 2) and names the nearest
 * known key. The exception is this one list: keys a working teller config may carry because
 * teller documented them, put them in its examples or set a default on them, but never read.
 * They stay harmless warnings, so that no teller config stops working (spec teller-core.md §2.2).
 */

/** Path (lowercase) → why it is ignored. A table listed here is ignored whole. */
export const IGNORED_TELLER_KEYS: Readonly<Record<string, string>> = {
  profile: 'teller documented it but never read it',
  'teller.max_bound_btc_addrs': 'a stray default in teller; the setting is teller.max_bound_addrs',
  'web.send_enabled': 'a stray default in teller; the setting is sky_exchanger.send_enabled',
  'btc_rpc.enabled': "in teller's examples, never read; the setting is btc_scanner.enabled",
  'eth_rpc.enabled': "in teller's examples, never read; the setting is eth_scanner.enabled",
  'sky_exchanger.exchange_client': "teller's README name; the section is sky_exchanger.c2cx",
};

/** Levenshtein distance, for "did you mean". */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/** The last segment of a key path: `eth_tokens[0].symbol` → `symbol`. */
const leafOf = (p: string): string => p.slice(p.lastIndexOf('.') + 1);

/**
 * The hint for unknown `key` of a table: the nearest key of the same table (a typo: printed bare),
 * else the same name in another table (a key in the wrong section: printed as its full path).
 */
export function didYouMean(key: string, siblings: readonly string[], allPaths: readonly string[]): string {
  const budget = key.length <= 4 ? 1 : key.length <= 10 ? 2 : 3;
  let best = '';
  let bestDistance = budget + 1;
  for (const s of siblings) {
    const d = editDistance(key, s);
    if (d < bestDistance) [best, bestDistance] = [s, d];
  }
  if (best !== '') return best;
  const elsewhere = allPaths.filter((p) => leafOf(p) === key && !p.includes('[')).sort();
  if (elsewhere.length <= 1) return elsewhere[0] ?? '';
  return `${elsewhere.slice(0, -1).join(', ')} or ${elsewhere[elsewhere.length - 1]}`;
}

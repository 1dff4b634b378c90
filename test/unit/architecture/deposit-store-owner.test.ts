import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * DepositStore (src/exchange/deposit-store.ts) owns its key spaces: nothing outside it reaches the
 * Store it wraps. Its `store` is private, so tsc refuses `deposits.store`; this test also catches a
 * way round that (`deposits['store']`, a cast) in any file of src/.
 */
const SRC = resolve(__dirname, '../../../src');
const OWNER = 'exchange/deposit-store.ts';
/** `<something named deposits>.store`, `?.store`, `['store']` (with or without a cast around it). */
const REACH = /\bdeposits(?:\s+as\s+\w+)?\)?!?\s*(?:\??\.\s*store\b|\[\s*['"`]store['"`]\s*\])/;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('DepositStore owns its key spaces', () => {
  it('no file of src/ other than deposit-store.ts reaches deposits.store', () => {
    const reaches = tsFiles(SRC)
      .filter((f) => relative(SRC, f) !== OWNER)
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, at: `src/${relative(SRC, f)}:${i + 1}` }))
          .filter(({ line }) => REACH.test(line))
          .map(({ line, at }) => `${at}: ${line.trim()}`),
      );
    expect(reaches).toEqual([]);
  });

  it('the check catches the ways of reaching it, and not a store of its own', () => {
    for (const line of [
      'await this.opts.deposits.store.write([op]);',
      'ledgerOf(ctx.deposits.store, rec)',
      'const s = deposits?.store;',
      "(deposits as any)['store'].put()",
      'deposits!.store.keys()',
    ])
      expect(line).toMatch(REACH);
    for (const line of [
      'await ctx.store.write([putLedger(sent)]);',
      'deposits.storeSomething()',
      'deposits.get(id)',
    ])
      expect(line).not.toMatch(REACH);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { putTermsOp } from '../../../src/exchange/terms';
import { Store } from '../../../src/store/store';
import { INJECTED_FAULT, StoreGate, type TermsWrites } from '../../model/gate';
import { sightingGenerations } from '../../model/invariants';
import type { Generation } from '../../model/world';

/**
 * The model's notion of a deposit's first sighting (the rate property): the daemon freezes the
 * terms in a store write before it stores the sighting; a sighting whose write failed was never
 * recorded (nor shown to the buyer as pending), so it cannot bind the rate.
 */

const RATES = { BTC: '500', ETH: '100', TOK: '1' };
const gen = (end: Generation['end'], terms?: Partial<Record<keyof TermsWrites, string[]>>): Generation => ({
  rates: RATES,
  end,
  terms: { written: new Set(terms?.written), failed: new Set(terms?.failed) },
});

describe('sightingGenerations', () => {
  it('stops at the first generation that ended gracefully or still runs', () => {
    expect(
      sightingGenerations([1, 2], [gen('graceful', { written: ['a:0'] }), gen('running')], false, 'a:0'),
    ).toEqual([1]);
    expect(
      sightingGenerations([2], [gen('graceful'), gen('running', { written: ['a:0'] })], false, 'a:0'),
    ).toEqual([2]);
  });

  it('goes on past a killed generation, or any once the deposit was orphaned', () => {
    const gens = [gen('killed'), gen('graceful'), gen('running')];
    expect(sightingGenerations([1, 2, 3], gens, false, 'a:0')).toEqual([1, 2]);
    expect(sightingGenerations([1, 2, 3], gens, true, 'a:0')).toEqual([1, 2, 3]);
  });

  it('goes on past a generation whose terms write for the deposit failed and was not redone', () => {
    const gens = [gen('graceful', { failed: ['a:0', 'b:1'] }), gen('running')];
    expect(sightingGenerations([1, 2], gens, false, 'a:0')).toEqual([1, 2]);
  });

  it('stops at it when the failed terms write was redone, or failed for another deposit only', () => {
    const redone = [gen('graceful', { failed: ['a:0'], written: ['a:0'] }), gen('running')];
    expect(sightingGenerations([1, 2], redone, false, 'a:0')).toEqual([1]);
    const other = [gen('graceful', { failed: ['b:1'] }), gen('running')];
    expect(sightingGenerations([1, 2], other, false, 'a:0')).toEqual([1]);
  });
});

describe('StoreGate terms writes', () => {
  let dir: string;
  let raw: Store;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'teller-gate-'));
    raw = await Store.open(dir);
  });
  afterEach(async () => {
    await raw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const terms = {
    conversion_rate: '100',
    max_decimals: 3,
    buy_method: 'direct' as const,
    seen_at: 1,
    height: 2,
  };

  it('notes the deposit ids of durable and of failed terms writes', async () => {
    const gate = new StoreGate(raw);
    gate.armFault(2);
    await gate.store.write([putTermsOp('a:0', terms)]);
    await expect(gate.store.write([putTermsOp('b:1', terms), putTermsOp('c:0', terms)])).rejects.toThrow(
      INJECTED_FAULT,
    );
    await gate.store.write([{ type: 'put', space: 'meta', key: 'x', value: 1 }]);
    expect(gate.terms.written).toEqual(new Set(['a:0']));
    expect(gate.terms.failed).toEqual(new Set(['b:1', 'c:0']));
  });
});

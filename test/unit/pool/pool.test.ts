import fc from 'fast-check';
import { PoolExhaustedError, PoolUnknownAddressError } from '../../../src/pool/errors';
import { AddressPool } from '../../../src/pool/pool';

const ADDRS = ['a1', 'a2', 'a3', 'a4'];

/** Allocates like the caller does: peek, persist (not here), markUsed. */
function take(pool: AddressPool): string {
  const addr = pool.next();
  pool.markUsed(addr);
  return addr;
}

describe('AddressPool', () => {
  it('hands out addresses in file order, moving on after markUsed', () => {
    const pool = new AddressPool('BTC', ADDRS, []);
    expect(pool.peek()).toBe('a1');
    expect(pool.peek()).toBe('a1'); // peeking alone consumes nothing (a failed bind loses no address)
    pool.markUsed('a1');
    expect(pool.peek()).toBe('a2');
    expect([take(pool), take(pool), take(pool)]).toEqual(['a2', 'a3', 'a4']);
    expect(pool.peek()).toBeUndefined();
  });

  it('counts', () => {
    const pool = new AddressPool('ETH', ADDRS, ['a2', 'gone1', 'gone2']);
    expect(pool.coin).toBe('ETH');
    expect([pool.total(), pool.usedCount(), pool.remaining()]).toEqual([4, 1, 3]);
    take(pool);
    expect([pool.total(), pool.usedCount(), pool.remaining()]).toEqual([4, 2, 2]);
  });

  it('skips addresses used before, wherever they are in the file', () => {
    const pool = new AddressPool('BTC', ADDRS, new Set(['a1', 'a3']));
    expect(take(pool)).toBe('a2');
    expect(take(pool)).toBe('a4');
    expect(pool.peek()).toBeUndefined();
  });

  it('ignores used addresses that are no longer in the file, and never issues them', () => {
    const pool = new AddressPool('BTC', ADDRS, ['old1', 'old2', 'a4']);
    expect(pool.usedCount()).toBe(1);
    expect(pool.remaining()).toBe(3);
    expect(pool.has('old1')).toBe(false);
    expect([take(pool), take(pool), take(pool)]).toEqual(['a1', 'a2', 'a3']);
  });

  it("is exhausted with teller's error", () => {
    const pool = new AddressPool('SKY', ['s1'], ['s1']);
    expect(pool.peek()).toBeUndefined();
    expect(pool.remaining()).toBe(0);
    expect(() => pool.next()).toThrow(PoolExhaustedError);
    try {
      pool.next();
    } catch (err) {
      expect(err).toMatchObject({
        code: 'pool_empty',
        message: 'Deposit address pool is empty',
        coin: 'SKY',
      });
    }
    expect(() => new AddressPool('BTC', [], []).next()).toThrow('Deposit address pool is empty');
  });

  it('marks used idempotently, and refuses an address it does not hold', () => {
    const pool = new AddressPool('BTC', ADDRS, []);
    pool.markUsed('a3');
    pool.markUsed('a3');
    expect(pool.usedCount()).toBe(1);
    expect(pool.isUsed('a3')).toBe(true);
    expect(pool.isUsed('a1')).toBe(false);
    expect(pool.isUsed('nope')).toBe(false);
    expect(() => pool.markUsed('nope')).toThrow(PoolUnknownAddressError);
    expect(() => pool.markUsed('nope')).toThrow('BTC address nope is not in the deposit address pool');
  });

  it('has() answers for pool addresses, used or not', () => {
    const pool = new AddressPool('BTC', ADDRS, ['a1']);
    expect(ADDRS.map((a) => pool.has(a))).toEqual([true, true, true, true]);
    expect(pool.has('A1')).toBe(false); // exact: callers normalize first
  });

  it('never issues a repeated entry twice (validatePool refuses them; this is the last line of defence)', () => {
    const pool = new AddressPool('BTC', ['a', 'b', 'a'], []);
    expect([take(pool), take(pool)]).toEqual(['a', 'b']);
    expect(pool.peek()).toBeUndefined();
  });

  it('never hands out an address twice, whatever was used before and whatever is marked meanwhile', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 60 })),
        fc.array(fc.oneof(fc.constant<'take'>('take'), fc.integer({ min: 0, max: 40 }))),
        (n, usedIdx, ops) => {
          const addrs = Array.from({ length: n }, (_, i) => `x${i}`);
          const used = new Set(usedIdx.map((i) => `x${i}`));
          const pool = new AddressPool('BTC', addrs, used);
          const issued = new Set<string>();
          for (const op of ops) {
            if (op === 'take') {
              const addr = pool.peek();
              if (addr === undefined) {
                expect(addrs.every((a) => used.has(a))).toBe(true);
                continue;
              }
              expect(used.has(addr)).toBe(false);
              expect(issued.has(addr)).toBe(false);
              // strictly the first unused one in file order
              expect(addr).toBe(addrs.find((a) => !used.has(a)));
              issued.add(addr);
              used.add(addr);
              pool.markUsed(addr);
            } else if (op < n) {
              used.add(`x${op}`); // marked out of band (e.g. replayed from the store)
              pool.markUsed(`x${op}`);
            }
            expect(pool.remaining()).toBe(addrs.filter((a) => !used.has(a)).length);
            expect(pool.usedCount() + pool.remaining()).toBe(pool.total());
          }
        },
      ),
    );
  });

  it('allocates a large pool in amortised constant time', () => {
    const n = 200_000;
    const addrs = Array.from({ length: n }, (_, i) => `x${i}`);
    const pool = new AddressPool('ETH', addrs, addrs.slice(0, n / 2));
    for (let i = 0; i < n / 2; i++) take(pool);
    expect(pool.remaining()).toBe(0);
    // Quadratic scanning (teller's slice-and-rescan) would take minutes here: the test's timeout is the bound.
  });

  it('makes each address of a pool list once while binds are in flight (peekExcept)', () => {
    // A list that makes its addresses on demand (as a stamped text pool does) and counts it.
    let made = 0;
    const list = {
      length: 1000,
      at: (i: number) => {
        made++;
        return i >= 0 && i < 1000 ? `addr${i}` : undefined;
      },
    };
    const pool = new AddressPool('BTC', list, []);
    // 32 binds in flight, each taking the first address none of the others holds.
    const inFlight = new Set<string>();
    for (let k = 0; k < 32; k++) inFlight.add(pool.peekExcept(inFlight) ?? '');
    expect([...inFlight]).toEqual(Array.from({ length: 32 }, (_, i) => `addr${i}`));
    // They finish in order; the pool moves on.
    for (const addr of inFlight) pool.markUsed(addr);
    expect(pool.peek()).toBe('addr32');
    // Each of the 33 addresses made about once (walking past the in-flight ones made them 16 times each).
    expect(made).toBeLessThanOrEqual(2 * 33);
  });
});

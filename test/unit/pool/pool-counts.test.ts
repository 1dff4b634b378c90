import fc from 'fast-check';
import { AddressPool } from '../../../src/pool/pool';

/** The startup count of used addresses (a used prefix first, then the rest) against a plain count. */
describe('AddressPool used counts', () => {
  it('matches a count over the whole file, for any used set', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 50 }),
        (size, picks) => {
          const addresses = Array.from({ length: size }, (_, i) => `a${i}`);
          const used = picks.map((i) => `a${i}`); // some beyond the file (a40..a60)
          const pool = new AddressPool('BTC', addresses, used);
          const expected = addresses.filter((a) => used.includes(a)).length;
          expect(pool.usedCount()).toBe(expected);
          expect(pool.remaining()).toBe(size - expected);
          expect(pool.peek()).toBe(addresses.find((a) => !used.includes(a)));
        },
      ),
    );
  });

  it('counts a used prefix without looking further', () => {
    const addresses = Array.from({ length: 10 }, (_, i) => `a${i}`);
    const pool = new AddressPool('BTC', addresses, ['a0', 'a1', 'a2']);
    expect([pool.usedCount(), pool.remaining(), pool.peek()]).toEqual([3, 7, 'a3']);
  });
});

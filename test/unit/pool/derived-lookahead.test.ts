import { DerivedPool, LOOKAHEAD, type DerivedSource } from '../../../src/pool/derived';

/**
 * Derivation out of the bind lock (issue 19): a derived pool derives the next LOOKAHEAD addresses
 * in the background, so taking an index (inside the binder's lock) derives nothing once they are
 * ready, and the indexes handed out stay consecutive, none twice.
 */

function counting() {
  const state = { inTake: false, duringTake: 0, calls: 0 };
  const src: DerivedSource = {
    coin: 'BTC',
    key: 'btc_scanner.deposit_xpub',
    xpub: 'xpubA',
    type: 'p2wpkh',
    network: 'regtest',
    derive: (i) => {
      state.calls++;
      if (state.inTake) state.duringTake++;
      return `d${i}`;
    },
  };
  return { src, state };
}

async function takeCounted(pool: DerivedPool, state: { inTake: boolean }) {
  state.inTake = true;
  const taking = pool.take();
  state.inTake = false;
  return taking;
}

describe('DerivedPool look-ahead', () => {
  it('takes a prepared address without deriving in the lock', async () => {
    const { src, state } = counting();
    const pool = new DerivedPool(src, { next: 5, bound: 5 });
    await pool.ready();
    expect(state.calls).toBe(LOOKAHEAD);
    for (let i = 5; i < 5 + 3 * LOOKAHEAD; i++) {
      await pool.ready();
      expect((await takeCounted(pool, state))?.address).toBe(`d${i}`);
    }
    expect(state.duringTake).toBe(0);
  });

  it('derives in line when the look-ahead is behind, and hands out each index once, in order', async () => {
    const { src, state } = counting();
    const pool = new DerivedPool(src, { next: 0, bound: 0 });
    const got: string[] = [];
    for (let i = 0; i < 4 * LOOKAHEAD; i++) {
      const r = await takeCounted(pool, state);
      if (r === undefined) throw new Error('no index');
      // A failed write gives its index back: handed out next, once.
      if (i % 7 === 3) pool.release(r);
      else got.push(r.address);
    }
    expect(state.duringTake).toBeGreaterThan(0);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => `d${i}`));
  });
});

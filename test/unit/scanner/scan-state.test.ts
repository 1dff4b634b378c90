import { ScanState } from '../../../src/scanner/engine-state';
import type { Store } from '../../../src/store/store';
import { prefixRange } from '../../../src/store/store';
import { tempStore } from './fake-chain';

const pad = (h: number) => String(h).padStart(12, '0');
const TX = `0x${'cd'.repeat(32)}`;
const token = (n: number, height: number) => ({
  coin_type: 'TUSD',
  address: '0x1111111111111111111111111111111111111111',
  value: 5n,
  height,
  tx: TX,
  n,
});

describe('ScanState keys written by an earlier build', () => {
  // Token entries: tx:<block-wide index> (oldest), tx:log<block-wide index>, now tx:txlog<index in the tx>.
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await tempStore());
  });
  afterEach(() => cleanup());

  const keys = async () => store.keyList('scan', prefixRange('ETH!'));

  it('renames token entries keyed tx:<index> to tx:log<index> at load, so later deletes find them', async () => {
    await store.write([
      {
        type: 'put',
        space: 'scan',
        key: `ETH!seen!${pad(50)}!${TX}:3`,
        value: { deposit: token(3, 50), hash: 'b50' },
      },
      {
        type: 'put',
        space: 'scan',
        key: `ETH!handed!${pad(40)}!${TX}:0`,
        value: { deposit: token(0, 40), hash: 'b40', at: 1 },
      },
      { type: 'put', space: 'scan', key: 'ETH!cursor', value: { height: 50, hash: 'b50' } },
    ]);
    const state = new ScanState(store, 'ETH');
    await state.load();
    expect(await keys()).toEqual([
      'ETH!cursor',
      `ETH!handed!${pad(40)}!${TX}:log0`,
      `ETH!seen!${pad(50)}!${TX}:log3`,
    ]);
    const [seen] = state.seenDeposits();
    await state.markHanded(seen);
    expect(await keys()).toEqual([
      'ETH!cursor',
      `ETH!handed!${pad(40)}!${TX}:log0`,
      `ETH!handed!${pad(50)}!${TX}:log3`,
    ]);
    // A rewind takes the handed one back under its new key.
    const { rechecked } = await state.rewind({ height: 39, hash: 'b39' });
    expect(rechecked).toHaveLength(2);
    expect(await keys()).toEqual([
      'ETH!cursor',
      `ETH!recheck!${pad(40)}!${TX}:log0`,
      `ETH!recheck!${pad(50)}!${TX}:log3`,
    ]);
    // Found again by this build (ids by index in the transaction; a reorg moved them in the block):
    // each old entry moves to one of them, under its current key.
    const found = [0, 1].map((n) => ({ ...token(n, 41), log_index: 7 + n }));
    const { refound } = await state.commitBlocks([
      { height: 41, hash: 'b41', parentHash: 'b39', deposits: found },
    ]);
    expect(refound.map((h) => h.deposit)).toEqual(found);
    expect(state.rechecking().map((h) => [h.deposit.n, h.found])).toEqual([
      [0, true],
      [1, true],
    ]);
    expect(await keys()).toEqual([
      `ETH!block!${pad(41)}`,
      'ETH!cursor',
      `ETH!recheck!${pad(41)}!${TX}:txlog0`,
      `ETH!recheck!${pad(41)}!${TX}:txlog1`,
      `ETH!seen!${pad(41)}!${TX}:txlog0`,
      `ETH!seen!${pad(41)}!${TX}:txlog1`,
    ]);
  });
});

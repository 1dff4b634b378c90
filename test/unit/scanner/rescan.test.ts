import { TellerError } from '../../../src/util/errors';
import { canRescan, checkRescanHeight, isRescanChain, rescanStoredCursor } from '../../../src/scanner/rescan';
import type { Store } from '../../../src/store/store';
import { openStore } from '../ops/helpers';

const pad = (h: number) => String(h).padStart(12, '0');
const deposit = (tx: string, height: number, n = 0) => ({
  coin_type: 'BTC',
  address: 'addr',
  value: 5n,
  height,
  tx,
  n,
});

/** A scan space as the engine leaves it: refs of blocks 90..120, cursor at 120, one seen deposit. */
async function scanned(store: Store): Promise<void> {
  const ops = [];
  for (let h = 90; h <= 120; h++) {
    ops.push({
      type: 'put' as const,
      space: 'scan' as const,
      key: `BTC!block!${pad(h)}`,
      value: { height: h, hash: `h${h}`, parentHash: `h${h - 1}` },
    });
  }
  ops.push({
    type: 'put' as const,
    space: 'scan' as const,
    key: 'BTC!cursor',
    value: { height: 120, hash: 'h120' },
  });
  ops.push({
    type: 'put' as const,
    space: 'scan' as const,
    key: `BTC!seen!${pad(119)}!aa:0`,
    value: { deposit: deposit('aa', 119), hash: 'h119' },
  });
  ops.push({
    type: 'put' as const,
    space: 'scan' as const,
    key: `BTC!handed!${pad(105)}!bb:1`,
    value: { deposit: deposit('bb', 105, 1), hash: 'h105', at: 1 },
  });
  ops.push({
    type: 'put' as const,
    space: 'scan' as const,
    key: `BTC!handed!${pad(95)}!cc:0`,
    value: { deposit: deposit('cc', 95), hash: 'h95', at: 1 },
  });
  ops.push({
    type: 'put' as const,
    space: 'scan' as const,
    key: 'ETH!cursor',
    value: { height: 5000, hash: 'e5000' },
  });
  await store.write(ops);
}

const refs = async (store: Store) => {
  const out: string[] = [];
  for await (const k of store.keys('scan', { gte: 'BTC!block!', lt: 'BTC!block!\uffff' })) out.push(k);
  return out;
};

describe('rescanStoredCursor', () => {
  let store: Store;
  beforeEach(async () => {
    ({ store } = await openStore());
    await scanned(store);
  });
  afterEach(() => store.close());

  it('rewinds to from-1 as a reorg does: cursor, refs, seen and handed deposits above', async () => {
    const r = await rescanStoredCursor(store, 'BTC', 100);
    expect(r).toEqual({
      chain: 'BTC',
      from_height: 100,
      previous_height: 120,
      cursor: { height: 99, hash: 'h99' },
      refs_removed: 21,
      seen_removed: 1,
      handed_rechecked: 1,
    });
    expect(await store.get('scan', 'BTC!cursor')).toEqual({ height: 99, hash: 'h99' });
    expect((await refs(store)).at(-1)).toBe(`BTC!block!${pad(99)}`);
    // A seen deposit above counts again only if found again (its block may be gone); a handed one
    // is rechecked (src/scanner/engine-recheck.ts). Below the rescan and other chains: untouched.
    expect(await store.get('scan', `BTC!seen!${pad(119)}!aa:0`)).toBeUndefined();
    expect(await store.get('scan', `BTC!handed!${pad(105)}!bb:1`)).toBeUndefined();
    expect(await store.get('scan', `BTC!recheck!${pad(105)}!bb:1`)).toEqual({
      deposit: deposit('bb', 105, 1),
      hash: 'h105',
      at: 1,
    });
    expect(await store.get('scan', `BTC!handed!${pad(95)}!cc:0`)).toMatchObject({ hash: 'h95' });
    expect(await store.get('scan', 'ETH!cursor')).toEqual({ height: 5000, hash: 'e5000' });
  });

  it("keeps a cursor below the stored window with hash '' (taken on trust)", async () => {
    const r = await rescanStoredCursor(store, 'BTC', 50);
    expect(r.cursor).toEqual({ height: 49, hash: '' });
    expect(await refs(store)).toEqual([]);
  });

  it('from 0 removes the cursor: the scanner starts at initial_scan_height', async () => {
    const r = await rescanStoredCursor(store, 'BTC', 0);
    expect(r.cursor).toBeNull();
    expect(await store.get('scan', 'BTC!cursor')).toBeUndefined();
  });

  it('a rescan from cursor + 1 changes nothing but is allowed', async () => {
    const r = await rescanStoredCursor(store, 'BTC', 121);
    expect(r.cursor).toEqual({ height: 120, hash: 'h120' });
    expect(r).toMatchObject({ refs_removed: 0, seen_removed: 0, handed_rechecked: 0 });
    expect(await store.get('scan', `BTC!seen!${pad(119)}!aa:0`)).toMatchObject({ hash: 'h119' });
  });

  it('refuses to skip blocks, a chain never scanned, and bad heights', async () => {
    await expect(rescanStoredCursor(store, 'BTC', 125)).rejects.toThrow(/would skip blocks 121\.\.124/);
    await expect(rescanStoredCursor(store, 'DOGE', 1)).rejects.toThrow(/nothing scanned yet/);
    expect(() => checkRescanHeight('BTC', -1, 10)).toThrow(TellerError);
    expect(() => checkRescanHeight('BTC', -1, 10)).toThrow(expect.objectContaining({ code: 'bad_rescan' }));
    expect(() => checkRescanHeight('BTC', 1.5, 10)).toThrow(/whole number/);
    expect(await store.get('scan', 'BTC!cursor')).toEqual({ height: 120, hash: 'h120' });
  });

  it('knows its chains and which scanners can rescan while running', () => {
    expect(isRescanChain('BTC')).toBe(true);
    expect(isRescanChain('SKY')).toBe(false);
    expect(canRescan({ rescanFrom: async () => undefined })).toBe(true);
    expect(canRescan({ chain: 'BTC' })).toBe(false);
  });
});

import path from 'node:path';
import { Store } from '../../../../src/store/store';
import { dataDirWith, run, withOpenStore } from './run';

const pad = (h: number) => String(h).padStart(12, '0');

describe('teller rescan', () => {
  const scanned = () =>
    dataDirWith(async (_d, store) => {
      await store.write([
        {
          type: 'put',
          space: 'scan',
          key: `BTC!block!${pad(199)}`,
          value: { height: 199, hash: 'h199', parentHash: 'h198' },
        },
        {
          type: 'put',
          space: 'scan',
          key: `BTC!block!${pad(200)}`,
          value: { height: 200, hash: 'h200', parentHash: 'h199' },
        },
        { type: 'put', space: 'scan', key: 'BTC!cursor', value: { height: 200, hash: 'h200' } },
      ]);
    });

  it("moves the chain's cursor back so the next start scans from the height", async () => {
    const dir = await scanned();
    const r = await run(['rescan', 'btc', '200'], dir);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      'BTC: scan cursor moved from 200 to 199; 1 block refs removed; the next start scans from height 200\n',
    );
    await withOpenStore(dir, async (_d, store) =>
      expect(await store.get('scan', 'BTC!cursor')).toEqual({ height: 199, hash: 'h199' }),
    );
    const low = await run(['rescan', 'BTC', '10'], dir);
    expect(low.out).toMatch(/moved from 199 to 9 \(block hash no longer stored: taken on trust\)/);
  });

  it('reports the deposits it takes back: unconfirmed ones dropped, handed-over ones held', async () => {
    const dep = (tx: string, height: number) => ({
      deposit: { coin_type: 'BTC', address: 'a', value: 1n, height, tx, n: 0 },
      hash: `h${height}`,
      at: 1,
    });
    const dir = await scanned();
    await withOpenStore(dir, (_d, store) =>
      store.write([
        { type: 'put', space: 'scan', key: `BTC!seen!${pad(200)}!s:0`, value: dep('s', 200) },
        { type: 'put', space: 'scan', key: `BTC!handed!${pad(199)}!h:0`, value: dep('h', 199) },
      ]),
    );
    const r = await run(['rescan', 'BTC', '199'], dir);
    expect(r.out).toBe(
      'BTC: scan cursor moved from 200 to 198 (block hash no longer stored: taken on trust); 2 block refs removed; ' +
        '1 unconfirmed deposits dropped until found again; 1 handed-over deposits held until found again ' +
        '(an alert if not); the next start scans from height 199\n',
    );
    await withOpenStore(dir, async (_d, store) => {
      expect(await store.get('scan', `BTC!seen!${pad(200)}!s:0`)).toBeUndefined();
      expect(await store.get('scan', `BTC!recheck!${pad(199)}!h:0`)).toEqual(dep('h', 199));
    });
  });

  it('refuses other chains, bad heights (exit 2) and skipping blocks (exit 1)', async () => {
    const dir = await scanned();
    expect((await run(['rescan', 'SKY', '1'], dir)).code).toBe(2);
    expect((await run(['rescan', 'BTC', '-5'], dir)).code).toBe(2);
    expect((await run(['rescan', 'BTC', '1e3'], dir)).code).toBe(2);
    const skip = await run(['rescan', 'BTC', '300'], dir);
    expect([skip.code, skip.err]).toEqual([1, expect.stringMatching(/would skip blocks 201\.\.299/)]);
    const never = await run(['rescan', 'ETH', '5'], dir);
    expect([never.code, never.err]).toEqual([
      1,
      expect.stringMatching(/ETH: nothing scanned yet; .*eth_scanner\.initial_scan_height/),
    ]);
  });

  it('on a running daemon points at POST /api/rescan', async () => {
    const dir = await scanned();
    const daemon = await Store.open(path.join(dir, 'teller.db'));
    const r = await run(['rescan', 'BTC', '150'], dir);
    await daemon.close();
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/already in use[\s\S]*POST \/api\/rescan \{"chain": "BTC", "from_height": 150\}/);
  });
});

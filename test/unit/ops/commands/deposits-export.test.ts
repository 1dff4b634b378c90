import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXPORT_COLUMNS } from '../../../../src/ops/export';
import { tmpDir, walk } from '../helpers';
import { dataDirWith, run } from './run';

describe('teller deposits export', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await dataDirWith(async (d) => {
      await walk(d, 'aa', 0, 'done');
      await walk(d, 'bb', 1, 'waiting_confirm');
    });
  });

  it('writes CSV to stdout by default', async () => {
    const r = await run(['deposits', 'export'], dir);
    expect(r.code).toBe(0);
    const lines = r.out.split('\r\n');
    expect(lines[0]).toBe(EXPORT_COLUMNS.join(','));
    expect(lines.slice(1, 3).map((l) => l.split(',')[1])).toEqual(['aa:0', 'bb:1']);
  });

  it('writes JSON to a file, owner-only, replacing it whole', async () => {
    const outDir = tmpDir();
    const file = path.join(outDir, 'deposits.json');
    writeFileSync(file, 'old');
    const r = await run(
      ['deposits', 'export', '--format', 'json', '--out', file, '--status', 'waiting_confirm'],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.out).toBe(`exported 1 deposits to ${file}\n`);
    const rows = JSON.parse(readFileSync(file, 'utf8'));
    expect(rows).toEqual([
      expect.objectContaining({ deposit_id: 'bb:1', payout_txid: 'payout-bb-1', sky_sent: '5000000' }),
    ]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(outDir)).toEqual(['deposits.json']);
  });

  it('a bad format is exit 2; an unwritable --out is exit 1 and leaves nothing', async () => {
    expect((await run(['deposits', 'export', '--format', 'xlsx'], dir)).code).toBe(2);
    const r = await run(
      ['deposits', 'export', '--out', path.join(tmpDir(), 'no', 'such', 'dir', 'x.csv')],
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/ENOENT/);
  });
});

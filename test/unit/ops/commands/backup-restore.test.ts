import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { writeBackup } from '../../../../src/store/backup';
import { tmpDir, walk } from '../helpers';
import { dataDirWith, run, withOpenStore } from './run';

describe('teller backup restore', () => {
  it('restores a backup into an empty data dir (created if missing)', async () => {
    const source = await dataDirWith(async (d) => {
      await walk(d, 'aa', 0, 'done');
      await walk(d, 'bb', 0, 'waiting_confirm');
    });
    const file = path.join(tmpDir(), 'teller-1.db');
    await withOpenStore(source, async (_d, store) => {
      const out = createWriteStream(file);
      await writeBackup(store, out);
      if (!out.writableFinished) await once(out, 'finish');
    });
    const target = path.join(tmpDir(), 'new', 'data');
    const r = await run(['backup', 'restore', file], target);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^restored \d+ records into .*new\/data\/teller\.db\n$/);
    await withOpenStore(target, async (d) => {
      expect((await d.get('aa:0'))?.status).toBe('done');
      expect((await d.get('bb:0'))?.status).toBe('waiting_confirm');
      expect(await d.getPayout('bb:0')).toMatchObject({ txid: 'payout-bb-0' });
    });

    const again = await run(['backup', 'restore', file], target);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already holds data: restore into an empty data dir/);
  });

  it('a file that is not a backup is exit 1', async () => {
    const r = await run(['backup', 'restore', path.join(__dirname, 'run.ts')], tmpDir());
    expect(r.code).toBe(1);
  });
});

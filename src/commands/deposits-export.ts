import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { depositRecords, isExportFormat, writeDeposits } from '../ops/export';
import { EXIT_OK, UsageError, parseCommandArgs, withStore, type Command } from './context';
import { parseStatusFlag } from './deposits-list';

/**
 * `teller deposits export [--format csv|json] [--status s] [--out file]`: every deposit as flat rows
 * (src/ops/export.ts). With --out the file appears complete or not at all (written aside, then
 * renamed), readable by its owner only: it lists every buyer's addresses.
 */
export const depositsExport: Command = {
  words: ['deposits', 'export'],
  args: '[--format csv|json] [--status <status>] [--out <file>]',
  summary: 'export deposits as CSV (default) or JSON, to stdout or a file',
  async run(args, env) {
    const { values } = parseCommandArgs(
      args,
      {
        format: { type: 'string', default: 'csv' },
        status: { type: 'string' },
        out: { type: 'string', short: 'o' },
      },
      { min: 0, max: 0 },
    );
    const format = values.format;
    if (!isExportFormat(format)) throw new UsageError('--format must be csv or json');
    const status = parseStatusFlag(values.status);
    const hint = 'the daemon is running: use GET /api/export?format=<csv|json> on the admin API';
    if (values.out === undefined) {
      await withStore(env, hint, (store) => writeDeposits(depositRecords(store, status), format, env.stdout));
      return EXIT_OK;
    }
    const file = path.resolve(env.cwd, values.out);
    const tmp = `${file}.${process.pid}.tmp`;
    const rows = await withStore(env, hint, async (store) => {
      const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
      try {
        const failed = once(out, 'error').then(([err]: unknown[]) => {
          throw err;
        });
        const n = await Promise.race([writeDeposits(depositRecords(store, status), format, out), failed]);
        out.end();
        await Promise.race([once(out, 'close'), failed]);
        await rename(tmp, file);
        return n;
      } catch (err) {
        out.destroy();
        await rm(tmp, { force: true });
        throw err;
      }
    });
    env.out(`exported ${rows} deposits to ${file}\n`);
    return EXIT_OK;
  },
};

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { restoreBackup } from '../store/backup';
import { EXIT_OK, parseCommandArgs, storePath, type Command } from './context';

/** `teller backup restore <file> -d <dir>`: a backup (/api/backup or backup.dir) into an empty data dir. */
export const backupRestore: Command = {
  words: ['backup', 'restore'],
  args: '<file>',
  summary: 'restore a backup (from /api/backup or backup.dir) into an empty data dir (-d)',
  async run(args, env) {
    const { positionals } = parseCommandArgs(args, {}, { min: 1, max: 1 });
    const file = path.resolve(env.cwd, positionals[0]);
    const target = storePath(env);
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    const n = await restoreBackup(file, target);
    env.out(`restored ${n} records into ${target}\n`);
    return EXIT_OK;
  },
};

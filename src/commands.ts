import path from 'node:path';
import { restoreBackup } from './store/backup';
import { errorMessage } from './util/errors';

/** Maintenance commands of the `teller` binary (working on a stopped daemon's data dir). */
export const COMMANDS_USAGE = `Commands:
  backup restore <file> -d <dir>   restore a backup (from /api/backup) into an empty data dir
`;

export interface CommandContext {
  dataDir: string;
  configArg: string | undefined;
}

/** Runs a subcommand; returns the process exit code. */
export async function runCommand(args: string[], ctx: CommandContext): Promise<number> {
  const [cmd, sub, ...rest] = args;
  try {
    if (cmd === 'backup' && sub === 'restore' && rest.length === 1) {
      const n = await restoreBackup(path.resolve(rest[0]), path.join(ctx.dataDir, 'teller.db'));
      process.stdout.write(`restored ${n} records into ${ctx.dataDir}\n`);
      return 0;
    }
  } catch (err) {
    process.stderr.write(`teller ${cmd}: ${errorMessage(err)}\n`);
    return 1;
  }
  process.stderr.write(`teller: unknown command "${args.join(' ')}"\n\n${COMMANDS_USAGE}`);
  return 2;
}

import { ConfigError } from '../config';
import { errorMessage } from '../util/errors';
import { auditVerify } from './audit-verify';
import { backupRestore } from './backup-restore';
import {
  EXIT_FAILURE,
  EXIT_USAGE,
  UsageError,
  commandEnv,
  type Command,
  type CommandContext,
} from './context';
import { depositsExport } from './deposits-export';
import { depositsList } from './deposits-list';
import { depositsRetry } from './deposits-retry';
import { depositsShow } from './deposits-show';
import { payoutFillNonce } from './payout-fill-nonce';
import { poolList } from './pool-list';
import { poolReserve } from './pool-reserve';
import { ratesList, ratesSet } from './rates';
import { recheck } from './recheck';
import { rescan } from './rescan';

/**
 * Maintenance commands of the `teller` binary. They work on a stopped daemon's data dir (-d, and
 * `dbfile` from the config when there is one); a running daemon holds the store's lock, and each
 * command then names the admin API route that does the same job.
 */

export type { CommandContext } from './context';

const COMMANDS: readonly Command[] = [
  backupRestore,
  auditVerify,
  depositsList,
  depositsShow,
  depositsExport,
  depositsRetry,
  rescan,
  recheck,
  payoutFillNonce,
  poolList,
  poolReserve,
  ratesList,
  ratesSet,
];

const usageLine = (c: Command): string => `${c.words.join(' ')} ${c.args}`.trim();

export const COMMANDS_USAGE = `Commands (on a stopped daemon's data dir, given with -d; exit 0 done, 1 failed, 2 bad usage):
${COMMANDS.map((c) => `  ${usageLine(c)}\n      ${c.summary}`).join('\n')}
`;

/** The daemon's own flags that take a value; everything else after a command word is the command's. */
const GLOBAL_WITH_VALUE = new Set(['-c', '--config', '-d', '--dir']);
const isGlobalInline = (a: string): boolean => /^(--config=|--dir=|-c.|-d.)/.test(a);

/**
 * Splits a command line into the daemon's flags and a command's words and flags. -c/-d (and their
 * values) are the daemon's wherever they appear (`teller backup restore f.db -d dir`); before the
 * first word every flag is the daemon's, after it every other flag is the command's.
 */
export function splitArgs(argv: readonly string[]): { global: string[]; command: string[] } {
  const global: string[] = [];
  const command: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (GLOBAL_WITH_VALUE.has(a)) {
      global.push(a);
      if (i + 1 < argv.length) global.push(argv[++i]);
    } else if (isGlobalInline(a) || (command.length === 0 && a.startsWith('-'))) {
      global.push(a);
    } else {
      command.push(a);
    }
  }
  return { global, command };
}

function find(args: readonly string[]): Command | undefined {
  return COMMANDS.find((c) => c.words.every((w, i) => args[i] === w));
}

/** Runs a subcommand; returns the process exit code (0 done, 1 failed, 2 bad usage or config). */
export async function runCommand(args: string[], ctx: CommandContext): Promise<number> {
  const env = commandEnv(ctx);
  const cmd = find(args);
  if (!cmd) {
    env.err(`teller: unknown command "${args.join(' ')}"\n\n${COMMANDS_USAGE}`);
    return EXIT_USAGE;
  }
  const name = cmd.words.join(' ');
  const rest = args.slice(cmd.words.length);
  if (rest.includes('-h') || rest.includes('--help')) {
    env.out(`Usage: teller ${usageLine(cmd)}\n  ${cmd.summary}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, env);
  } catch (err) {
    if (err instanceof UsageError) {
      env.err(`teller ${name}: ${err.message}\nUsage: teller ${usageLine(cmd)}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof ConfigError) {
      env.err(`teller ${name}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    env.err(`teller ${name}: ${errorMessage(err)}\n`);
    return EXIT_FAILURE;
  }
}

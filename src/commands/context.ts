import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, resolveConfigPath } from '../config';
import { OpsError } from '../ops/errors';
import { StoreLockedError } from '../store/errors';
import { checkpointPath } from '../store/checkpoint';
import { Store } from '../store/store';
import { TellerError, type TellerErrorOptions, errorMessage } from '../util/errors';

/** Exit codes of every command: 0 done, 1 failed (or found a problem), 2 bad usage or config. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The daemon's store file name when no config says otherwise (config key `dbfile`). */
export const DEFAULT_DB_FILE = 'teller.db';

export interface CommandContext {
  dataDir: string;
  /** The daemon's -c: where `dbfile` is read from. */
  configArg: string | undefined;
  /** Relative paths in the config and the arguments resolve against this (default: process.cwd()). */
  cwd?: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/** A command's view of its context, defaults filled in. */
export interface CommandEnv {
  dataDir: string;
  configArg: string | undefined;
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  stdout: NodeJS.WritableStream;
}

export function commandEnv(ctx: CommandContext): CommandEnv {
  const stdout = ctx.stdout ?? process.stdout;
  const stderr = ctx.stderr ?? process.stderr;
  return {
    dataDir: ctx.dataDir,
    configArg: ctx.configArg,
    cwd: ctx.cwd ?? process.cwd(),
    out: (text) => void stdout.write(text),
    err: (text) => void stderr.write(text),
    stdout,
  };
}

export interface Command {
  /** The words that select it: ['deposits', 'list']. */
  words: readonly string[];
  /** Arguments and flags after the words, for the usage text. */
  args: string;
  summary: string;
  /** Exit code; throws UsageError for bad arguments and anything else for a failure. */
  run(args: string[], env: CommandEnv): Promise<number>;
}

/** Bad arguments: exit 2 with the command's usage. */
export class UsageError extends TellerError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('usage', message, false, options);
  }
}

/** parseArgs with a command's flags; an unknown flag or a wrong number of arguments is a UsageError. */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
  positionals: { min: number; max: number },
) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(errorMessage(err), { cause: err });
  }
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new UsageError('missing argument');
  if (n > positionals.max)
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals.max]}"`);
  return parsed;
}

/** Where the daemon keeps its store: `<data dir>/<dbfile>`, dbfile from the config if there is one. */
export function storePath(env: CommandEnv): string {
  let file: string;
  try {
    file = resolveConfigPath(env.configArg, env.dataDir, env.cwd);
  } catch (err) {
    // No -c and no config.toml: the daemon's default dbfile.
    if (env.configArg === undefined && err instanceof ConfigError)
      return path.join(env.dataDir, DEFAULT_DB_FILE);
    throw err;
  }
  // As src/app.ts joins them.
  return path.join(env.dataDir, loadConfig(file, { cwd: env.cwd }).config.dbfile);
}

/**
 * Opens the existing store of a stopped daemon, runs `fn`, closes it. A running daemon holds the
 * LevelDB lock: that error gets `runningHint` (the admin API route that does the same job).
 */
export async function withStore<T>(
  env: CommandEnv,
  runningHint: string,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const dir = storePath(env);
  const checkpoint = checkpointPath(dir);
  if (!existsSync(dir) && !existsSync(checkpoint))
    throw new OpsError('no_store', `no teller store at ${dir}: check -d (and dbfile in the config)`);
  let store: Store;
  try {
    store = await Store.open(dir, {
      checkpoint,
      onCheckpointError: (err) =>
        env.err(`store checkpoint not written (it trails the store): ${errorMessage(err)}\n`),
    });
  } catch (err) {
    if (err instanceof StoreLockedError)
      throw new OpsError('store_locked', `${err.message}\n${runningHint}`, false, { cause: err });
    throw err;
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** JSON for people and scripts: two-space indent, bigint amounts as decimal strings. */
export const toJson = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), 2) + '\n';

/**
 * Loading the config: TOML text → typed, validated `Config`, or a `ConfigError` that lists
 * every problem at once, each naming its key. An unknown key is a problem (viper ignored it, and a
 * misspelled key was a silently missing setting), except the few teller accepted without reading
 * them, which are warnings (unknown-keys.ts).
 */
import fs from 'node:fs';
import path from 'node:path';

import toml from 'toml';

import { TellerError, type TellerErrorOptions } from '../util/errors';
import { findConfigFile } from './paths';
import { ConfigTable, type Findings } from './reader';
import { readConfig } from './schema';
import type { Config } from './types';
import { validateConfig } from './validate';

/** Overrides `admin_panel.token`, so that the token need not sit in a file. */
export const ADMIN_TOKEN_ENV = 'TELLER_ADMIN_TOKEN';

/** The config cannot be used; `problems` lists every reason, one per line of the message. */
export class ConfigError extends TellerError<'config_invalid'> {
  constructor(
    readonly problems: string[],
    /** Warnings found on the way (unknown keys...), worth printing with the problems. */
    readonly warnings: string[] = [],
    options?: TellerErrorOptions,
  ) {
    super('config_invalid', `Config error:\n${problems.join('\n')}`, false, options);
  }
}

export interface LoadOptions {
  /** Relative paths in the config resolve against this (default: process.cwd()). */
  cwd?: string;
  /** Environment for TELLER_ADMIN_TOKEN (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface LoadedConfig {
  config: Config;
  /** Not fatal, but an operator should read them: unknown keys, settings that do nothing. */
  warnings: string[];
}

function parseToml(text: string, source: string): Record<string, unknown> {
  try {
    const parsed: unknown = toml.parse(text.replace(/^\uFEFF/, ''), { bigint: true });
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError([`${source}: ${tomlErrorText(err)}`], [], { cause: err });
  }
}

/** The message of anything thrown (Node's fs errors are not always `instanceof Error`, e.g. under jest). */
function messageOf(err: unknown): string {
  const message = typeof err === 'object' && err !== null && 'message' in err ? err.message : undefined;
  return typeof message === 'string' ? message : String(err);
}

/** What the toml package throws: `line`/`column` (duplicate keys) or peggy's `location.start`. */
interface TomlSyntaxError {
  line?: unknown;
  column?: unknown;
  location?: { start?: { line?: unknown; column?: unknown } };
}

function tomlErrorText(err: unknown): string {
  const e: TomlSyntaxError = typeof err === 'object' && err !== null ? err : {};
  const { line, column } = e.location?.start ?? e;
  const at = typeof line === 'number' && typeof column === 'number' ? `line ${line}, column ${column}: ` : '';
  return `invalid TOML: ${at}${messageOf(err)}`;
}

/** Reads a config from TOML text without validating it: types and defaults only. */
function readTyped(text: string, source: string): { config: Config; findings: Findings } {
  const findings: Findings = { problems: [], warnings: [] };
  const root = new ConfigTable(parseToml(text, source), '', findings);
  const config = readConfig(root);
  root.reportUnknown();
  return { config, findings };
}

/**
 * Parses and validates config text. Throws ConfigError listing every problem; returns the
 * config and the warnings otherwise. `source` names the text in TOML syntax errors.
 */
export function parseConfig(text: string, opts: LoadOptions = {}, source = 'config'): LoadedConfig {
  const { config, findings } = readTyped(text, source);
  const env = opts.env ?? process.env;
  const envToken = env[ADMIN_TOKEN_ENV];
  const adminTokenFromEnv = envToken !== undefined && envToken !== '';
  if (adminTokenFromEnv) config.admin_panel.token = envToken;
  // The SKY sender talks to the node's REST API at teller's sky_rpc.address unless a URL is given.
  if (config.payout.sky_node_url === '' && config.sky_rpc.address !== '')
    config.payout.sky_node_url = `http://${config.sky_rpc.address}`;
  // Exchange keys may come from the environment rather than sit in the file.
  const pt = config.sky_exchanger.passthrough;
  if (pt.api_key === '') pt.api_key = env.TELLER_EXCHANGE_KEY ?? '';
  if (pt.secret === '') pt.secret = env.TELLER_EXCHANGE_SECRET ?? '';
  const checked = validateConfig(config, { cwd: opts.cwd ?? process.cwd(), adminTokenFromEnv });
  const problems = [...findings.problems, ...checked.problems];
  const warnings = [...findings.warnings, ...checked.warnings];
  if (problems.length > 0) throw new ConfigError(problems, warnings);
  return { config, warnings };
}

/** Reads, parses and validates the config file at `file` (relative to opts.cwd). */
export function loadConfig(file: string, opts: LoadOptions = {}): LoadedConfig {
  const full = path.resolve(opts.cwd ?? process.cwd(), file);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot read the config file: ${messageOf(err)}`], [], { cause: err });
  }
  return parseConfig(text, opts, file);
}

/**
 * Teller's `-c` lookup (absolute path returned): an existing file as given, else `<name>.toml`
 * in the data dir, then in the working dir. `arg` '' or undefined means teller's default "config".
 */
export function resolveConfigPath(arg: string | undefined, dataDir: string, cwd: string): string {
  const found = findConfigFile(arg, dataDir, cwd);
  if ('path' in found) return found.path;
  const name = arg === undefined || arg === '' ? 'config' : arg;
  throw new ConfigError([`config file "${name}" not found (looked for ${found.tried.join(' and ')})`]);
}

/** Every key at its default, unvalidated (the defaults alone do not pass: no pool files, no rates). */
export function defaultConfig(): Config {
  return readTyped('', 'defaults').config;
}

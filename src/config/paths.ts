/**
 * Where the config file is, and whether the files it names exist. Relative paths resolve
 * against the working directory, as in teller.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Teller's `-c` default: a config *name*, looked up as `config.toml`. */
export const DEFAULT_CONFIG_NAME = 'config';

/** True when `p` (relative to cwd, as teller's os.Stat) does not exist. Readability is checked by its user. */
export function fileMissing(cwd: string, p: string): boolean {
  return !fs.existsSync(path.resolve(cwd, p));
}

const isFile = (p: string): boolean => fs.statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;

/** True when `p` (relative to cwd) is a directory. */
export const isDirectory = (cwd: string, p: string): boolean =>
  fs.statSync(path.resolve(cwd, p), { throwIfNoEntry: false })?.isDirectory() ?? false;

/**
 * Whether `dbfile`, joined to the data dir as teller joins it (an absolute path too), names a path
 * strictly inside the data dir: `../x`, `a/../../x`, `.` and `..` do not.
 */
export function staysInDataDir(dbfile: string): boolean {
  const root = path.resolve('/data-dir');
  const rel = path.relative(root, path.join(root, dbfile));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * Teller's config lookup: `arg` naming an existing file is used as is; otherwise it is a viper
 * config name (a trailing `.toml` dropped), looked up as `<name>.toml` in the data dir, then in
 * the working dir. Returns an absolute path, or undefined with the places tried.
 */
export function findConfigFile(
  arg: string | undefined,
  dataDir: string,
  cwd: string,
): { path: string } | { tried: string[] } {
  const given = arg === undefined || arg === '' ? DEFAULT_CONFIG_NAME : arg;
  const direct = path.resolve(cwd, given);
  if (isFile(direct)) return { path: direct };
  const name = `${given.replace(/\.toml$/, '')}.toml`;
  const tried = [path.resolve(cwd, dataDir, name), path.resolve(cwd, name)];
  const found = tried.find(isFile);
  return found === undefined ? { tried } : { path: found };
}

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

/**
 * `p` as an error shows it: a relative path keeps its meaning (the working directory, as in
 * teller) but also shows the absolute path tried, so a daemon started from the wrong directory says so.
 */
export function shownPath(cwd: string, p: string): string {
  return path.isAbsolute(p)
    ? p
    : `${p} (${path.resolve(cwd, p)}; relative paths are from the working directory)`;
}

const isFile = (p: string): boolean => fs.statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;

/** True when `p` (relative to cwd) is a directory. */
export const isDirectory = (cwd: string, p: string): boolean =>
  fs.statSync(path.resolve(cwd, p), { throwIfNoEntry: false })?.isDirectory() ?? false;

/** True when directory `p` (relative to cwd) does not exist. */
export const directoryMissing = (cwd: string, p: string): boolean => !isDirectory(cwd, p);

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

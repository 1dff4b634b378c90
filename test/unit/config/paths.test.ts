import fs from 'node:fs';
import path from 'node:path';

import { ConfigError, resolveConfigPath } from '../../../src/config';
import { removeDir, scratchDir } from './helpers';

let root: string;
let dataDir: string;
let cwd: string;
beforeEach(() => {
  root = scratchDir({
    'data/config.toml': '',
    'data/teller.toml': '',
    'work/config.toml': '',
    'work/teller.toml': '',
    'work/local.toml': '',
    'work/conf/custom.conf': '',
    'work/noext': '',
  });
  dataDir = path.join(root, 'data');
  cwd = path.join(root, 'work');
});
afterEach(() => removeDir(root));

describe('resolveConfigPath', () => {
  it.each<[string | undefined, string]>([
    [undefined, 'data/config.toml'],
    ['', 'data/config.toml'],
    ['config', 'data/config.toml'],
    ['teller', 'data/teller.toml'],
    ['local', 'work/local.toml'],
    ['local.toml', 'work/local.toml'],
    ['conf/custom.conf', 'work/conf/custom.conf'],
    ['./noext', 'work/noext'],
    // An existing path wins over the data-dir lookup.
    ['teller.toml', 'work/teller.toml'],
  ])('%j → %s', (arg, expected) => {
    expect(resolveConfigPath(arg, dataDir, cwd)).toBe(path.join(root, expected));
  });

  it('takes an absolute path', () => {
    expect(resolveConfigPath(path.join(dataDir, 'teller.toml'), '/nonexistent', '/')).toBe(
      path.join(dataDir, 'teller.toml'),
    );
  });

  it('falls back to the working dir when the data dir lacks the name', () => {
    fs.rmSync(path.join(dataDir, 'config.toml'));
    expect(resolveConfigPath(undefined, dataDir, cwd)).toBe(path.join(cwd, 'config.toml'));
  });

  it('ignores a directory of that name', () => {
    fs.mkdirSync(path.join(cwd, 'config'));
    expect(resolveConfigPath('config', dataDir, cwd)).toBe(path.join(dataDir, 'config.toml'));
  });

  it('fails with the places it looked in', () => {
    let caught: unknown;
    try {
      resolveConfigPath('missing.toml', dataDir, cwd);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([
      `config file "missing.toml" not found (looked for ${path.join(dataDir, 'missing.toml')} and ${path.join(cwd, 'missing.toml')})`,
    ]);
  });
});

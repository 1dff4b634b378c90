/** Shared by the config tests: TOML from objects, and scratch directories under os.tmpdir(). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ConfigError, parseConfig } from '../../../src/config';

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

const isTable = (v: TomlValue): v is TomlTable => typeof v === 'object' && !Array.isArray(v);
const isTableArray = (v: TomlValue): v is TomlTable[] => Array.isArray(v) && v.length > 0 && v.every(isTable);

function scalar(v: TomlValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(scalar).join(', ')}]`;
  return String(v);
}

/** Serialises plain values first, then `[tables]` and `[[arrays of tables]]`. */
export function toToml(t: TomlTable, prefix = ''): string {
  const lines: string[] = [];
  const nested: string[] = [];
  for (const [key, value] of Object.entries(t)) {
    const full = prefix === '' ? key : `${prefix}.${key}`;
    if (isTableArray(value)) {
      for (const item of value) nested.push(`[[${full}]]\n${toToml(item, full)}`);
    } else if (isTable(value)) {
      nested.push(`[${full}]\n${toToml(value, full)}`);
    } else {
      lines.push(`${key} = ${scalar(value)}`);
    }
  }
  return [...lines, ...nested].join('\n') + '\n';
}

/** Deep merge of tables; `over` wins; arrays are replaced. */
export function merge(base: TomlTable, over: TomlTable): TomlTable {
  const out: TomlTable = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = prev !== undefined && isTable(prev) && isTable(value) ? merge(prev, value) : value;
  }
  return out;
}

/** A fresh directory under os.tmpdir() holding `files` (relative path → content). */
export function scratchDir(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'teller-config-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

export const removeDir = (dir: string): void => fs.rmSync(dir, { recursive: true, force: true });

/** Files the valid base configs refer to. */
export const BASE_FILES: Record<string, string> = {
  'btc.txt': '1FeexV6bAHb8ybZjqQMjJrcCrHGW9sb6uF\n',
  'eth.txt': '0x2a65aca4d5fc5b5c859090a6c34d164135398226\n',
  'sky.txt': '2GgFvqoyk9RjwVzj8tqfcXVXB4orBwoc9qv\n',
  'hot.wlt': '{}\n',
  'keystore.json': '{}\n',
  'btcd.cert': 'cert\n',
  'tls.crt': 'cert\n',
  'tls.key': 'key\n',
  // web.static_dir's default, ./web/build (a missing one is warned about).
  'web/build/index.html': '<!doctype html>\n',
};

/** The smallest valid config: dummy scanner and sender, BTC only. */
export const DUMMY_BASE: TomlTable = {
  btc_addresses: 'btc.txt',
  sky_exchanger: { sky_btc_exchange_rate: '500' },
  dummy: { scanner: true, sender: true },
};

/** A valid config with real nodes and the SKY hot wallet. */
export const REAL_BASE: TomlTable = {
  btc_addresses: 'btc.txt',
  btc_rpc: { user: 'u', pass: 'p' },
  sky_exchanger: { sky_btc_exchange_rate: '500', wallet: 'hot.wlt' },
};

export const ETH_ON: TomlTable = {
  eth_scanner: { enabled: true },
  eth_addresses: 'eth.txt',
  eth_rpc: { server: 'localhost', port: '8545' },
  sky_exchanger: { sky_eth_exchange_rate: '100' },
};
export const SKY_ON: TomlTable = {
  sky_scanner: { enabled: true },
  sky_addresses: 'sky.txt',
  sky_exchanger: { sky_sky_exchange_rate: '1' },
};
export const EVM_PAYOUT: TomlTable = { payout: { coin: 'ETH', evm: { keystore: 'keystore.json' } } };
export const TOKEN = { symbol: 'USDT', contract: `0x${'a'.repeat(40)}`, decimals: 6, exchange_rate: '20' };

/** The dummy base with ETH scanning on and these [[eth_tokens]]. */
export const withTokens = (...tokens: TomlTable[]): TomlTable =>
  merge(merge(DUMMY_BASE, ETH_ON), { eth_tokens: tokens });

export interface Outcome {
  problems: string[];
  warnings: string[];
}

/** Problems and warnings of a config (no throw), its relative paths resolved against `cwd`. */
export function checkConfig(t: TomlTable, cwd: string, env: Record<string, string> = {}): Outcome {
  try {
    return { problems: [], warnings: parseConfig(toToml(t), { cwd, env }).warnings };
  } catch (err) {
    if (err instanceof ConfigError) return { problems: err.problems, warnings: err.warnings };
    throw err;
  }
}

/**
 * Checks configs in a scratch dir holding BASE_FILES, made before the calling file's tests and
 * removed after them: call it at the top level of a test file.
 */
export function baseFilesCheck(): {
  check: (t: TomlTable, env?: Record<string, string>) => Outcome;
  cwd: () => string;
} {
  let cwd = '';
  beforeAll(() => {
    cwd = scratchDir(BASE_FILES);
  });
  afterAll(() => removeDir(cwd));
  return { check: (t, env = {}) => checkConfig(t, cwd, env), cwd: () => cwd };
}

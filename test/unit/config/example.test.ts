import fs from 'node:fs';
import path from 'node:path';

import toml from 'toml';

import { defaultConfig, loadConfig } from '../../../src/config';
import { removeDir, scratchDir } from './helpers';

const EXAMPLE = path.join(__dirname, '../../../config.example.toml');
const text = fs.readFileSync(EXAMPLE, 'utf8');

/** Leaf key paths of a table (arrays are leaves). */
function leafKeys(t: object, prefix = ''): string[] {
  return Object.entries(t).flatMap(([k, v]: [string, unknown]) => {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? leafKeys(v, key) : [key];
  });
}

describe('config.example.toml', () => {
  let cwd: string;
  beforeAll(() => {
    // The pool files it names are placeholders here; their contents are the pool loader's business.
    cwd = scratchDir({
      'addresses/btc-example.txt': '',
      'addresses/eth-example.txt': '',
      'web/build/index.html': '',
    });
  });
  afterAll(() => removeDir(cwd));

  it('loads without problems or warnings in dummy mode', () => {
    const { config, warnings } = loadConfig(EXAMPLE, { cwd, env: {} });
    expect(warnings).toEqual([]);
    expect(config.dummy).toEqual({
      scanner: true,
      sender: true,
      http_addr: '127.0.0.1:4121',
      token: '',
      allowed_hosts: [],
    });
    expect(config.btc_addresses).toBe('addresses/btc-example.txt');
    expect(config.eth_addresses).toBe('addresses/eth-example.txt');
    expect(config.eth_scanner.enabled).toBe(true);
    expect(config.btc_scanner.network).toBe('mainnet');
    expect(config.logfile).toBe('');
    expect(config.web.static_dir).toBe('./web/build');
    expect(config.sky_exchanger).toMatchObject({
      sky_btc_exchange_rate: '500',
      sky_eth_exchange_rate: '100',
      sky_sky_exchange_rate: '1',
      send_enabled: true,
      tx_confirmation_check_wait_ms: 1000,
    });
  });

  it('sets every key (durations under their TOML names)', () => {
    const documented = leafKeys(toml.parse(text) as object).sort();
    const known = leafKeys(defaultConfig())
      .filter((k) => k !== 'eth_tokens' && k !== 'market_rates')
      .map((k) => k.replace(/_ms$/, ''))
      .sort();
    expect(documented).toEqual(known);
  });

  it('documents [[eth_tokens]] in a comment', () => {
    for (const key of ['[[eth_tokens]]', 'symbol =', 'contract =', 'decimals =', 'exchange_rate =']) {
      expect(text).toMatch(new RegExp(`^# ${key.replace(/[[\]]/g, '\\$&')}`, 'm'));
    }
  });

  it('documents [[market_rates]] in a comment', () => {
    for (const key of [
      '[[market_rates]]',
      'coin =',
      'sources =',
      'symbol =',
      'spread_percent =',
      'max_age =',
      'max_disagreement_percent =',
      'max_move_percent =',
      'move_window =',
      'poll_interval =',
    ]) {
      expect(text).toMatch(new RegExp(`^# ${key.replace(/[[\]]/g, '\\$&')}`, 'm'));
    }
  });

  it('has a comment above every key', () => {
    const lines = text.split('\n');
    const uncommented = lines.filter(
      (line, i) =>
        /^\w+ = /.test(line) && !(lines[i - 1] ?? '').startsWith('#') && !/^\w+ = /.test(lines[i - 1] ?? ''),
    );
    expect(uncommented).toEqual([]);
  });
});

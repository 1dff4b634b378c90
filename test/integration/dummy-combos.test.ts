import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, writeConfigFile, type TomlTable } from '../helpers/daemon';

/**
 * Dummy parts only run with other dummy parts (issue 15 item 2): a dummy scanner, whose deposits
 * anyone on the dummy API can invent, never meets a real hot wallet, and neither does the
 * simulated exchange, whose price is set on the same API. Each is a config error: exit 2, stderr
 * naming the keys, and nothing started.
 */

let tmp: string;
let wallet: string;
let keystore: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'teller-dummy-combos-'));
  // Files that exist, so that only the combination is at fault.
  wallet = path.join(tmp, 'hot.wlt');
  keystore = path.join(tmp, 'keystore.json');
  writeFileSync(wallet, '{}');
  writeFileSync(keystore, '{}');
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CASES: [string, () => TomlTable, string][] = [
  [
    'a dummy scanner with the Skycoin node sender',
    () => ({ dummy: { sender: false }, sky_exchanger: { wallet } }),
    'dummy.scanner = true needs dummy.sender = true',
  ],
  [
    'a dummy scanner with an ETH hot wallet (keystore)',
    () => ({
      dummy: { sender: false },
      eth_scanner: { enabled: false },
      payout: { coin: 'ETH', evm: { keystore } },
      sky_exchanger: { max_decimals: 6 },
    }),
    'dummy.scanner = true needs dummy.sender = true',
  ],
  [
    'the simulated exchange with a real sender',
    () => ({
      dummy: { scanner: false, sender: false },
      btc_scanner: { enabled: false },
      eth_scanner: { enabled: false },
      sky_exchanger: { wallet, buy_method: 'passthrough', passthrough: { exchange: 'simulated' } },
    }),
    'sky_exchanger.passthrough.exchange = "simulated" needs dummy.sender = true',
  ],
  [
    'a dummy scanner buying on a real exchange',
    () => ({
      eth_scanner: { enabled: false },
      sky_exchanger: {
        buy_method: 'passthrough',
        passthrough: { exchange: 'binance', api_key: 'k', secret: 's' },
      },
    }),
    'dummy.scanner = true cannot be used with sky_exchanger.passthrough.exchange = "binance"',
  ],
];

describe('dummy parts with real ones: exit 2', () => {
  it.each(CASES)('%s', async (_name, over, text) => {
    const file = writeConfigFile(tmp, over());
    const { code, stdout, stderr } = await runCli(['-c', file, '-d', path.join(tmp, 'data')]);
    expect({ code, stderr: stderr.includes(text) }).toEqual({ code: 2, stderr: true });
    expect(stdout).not.toContain('listening');
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, request, runCli, startDaemon, writeConfigFile, type TomlTable } from '../helpers/daemon';

/**
 * Starting the daemon: DESIGN.md difference 9 (config errors → stderr naming the key, exit 2), a
 * pool the daemon refuses, a data dir in use, and SIGTERM stopping cleanly.
 */

let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'teller-startup-'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

// The config-error runs start all at once (below): on a busy 2-core machine a dozen Node start-ups
// in parallel took over runCli's default 20 s (seen at load 20), so they get 55 s (under jest's 60 s).
const run = (config: TomlTable | string) =>
  runCli(['-c', writeConfigFile(tmp, config), '-d', path.join(tmp, 'data')], {}, 55_000);

const CONFIG_ERRORS: [string, TomlTable, string[]][] = [
  [
    'an invalid rate',
    { sky_exchanger: { sky_btc_exchange_rate: 'abc' } },
    ['sky_exchanger.sky_btc_exchange_rate'],
  ],
  ['a zero rate', { sky_exchanger: { sky_btc_exchange_rate: '0' } }, ['sky_exchanger.sky_btc_exchange_rate']],
  ['max_decimals above 3', { sky_exchanger: { max_decimals: 4 } }, ['sky_exchanger.max_decimals']],
  ['an unknown buy method', { sky_exchanger: { buy_method: 'magic' } }, ['sky_exchanger.buy_method']],
  ['a bad duration', { web: { throttle_duration: 'soon' } }, ['web.throttle_duration']],
  [
    'a bare number as a duration',
    { sky_exchanger: { tx_confirmation_check_wait: 20 } },
    ['tx_confirmation_check_wait'],
  ],
  ['a wrong type', { teller: { max_bound_addrs: 'five' } }, ['teller.max_bound_addrs']],
  ['a missing pool file', { btc_addresses: 'addresses/nope.txt' }, ['btc_addresses']],
  ['no pool file', { btc_addresses: null }, ['btc_addresses']],
  ['no listener', { web: { http_addr: '' } }, ['web.http_addr']],
  ['TLS without https_addr', { web: { tls_cert: 'x.pem', tls_key: 'y.pem' } }, ['web.https_addr']],
  [
    'an approval cap finer than the payout coin',
    { payout: { approval_above: '0.0000001' } },
    ['payout.approval_above', 'more than 6 decimal places'],
  ],
  [
    'an EVM fee ceiling of 0, a tip ceiling finer than a wei',
    { payout: { evm: { max_fee_per_gas: '0', max_priority_fee_per_gas: '1.0000000001' } } },
    [
      'payout.evm.max_fee_per_gas must be more than 0 gwei',
      'payout.evm.max_priority_fee_per_gas must be gwei with at most 9 decimals',
    ],
  ],
  [
    'two problems at once',
    { sky_exchanger: { sky_btc_exchange_rate: '-1', max_decimals: -1 } },
    ['sky_exchanger.sky_btc_exchange_rate', 'sky_exchanger.max_decimals'],
  ],
];

describe('DESIGN 9: a config error is printed to stderr with the key at fault; exit code 2', () => {
  // The CLI runs are independent: start them all at once.
  let results: Map<string, Promise<{ code: number | null; stderr: string }>>;
  beforeAll(() => {
    results = new Map(CONFIG_ERRORS.map(([name, overrides]) => [name, run(overrides)]));
  });

  it.each(CONFIG_ERRORS)('%s', async (name, _overrides, keys) => {
    const out = await results.get(name);
    expect(out?.code).toBe(2);
    for (const key of keys) expect(out?.stderr).toContain(key);
  });

  it('a TOML syntax error', async () => {
    const out = await run('debug = false\n[web\nhttp_addr = "127.0.0.1:0"\n');
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/line 2/);
  });

  it('a config file that does not exist', async () => {
    const out = await runCli(['-c', path.join(tmp, 'missing.toml'), '-d', path.join(tmp, 'data')]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('missing');
  });
});

describe('startup failures beyond the config keys', () => {
  it('an invalid address in a pool file: exit non-zero, the address named', async () => {
    const out = await run({ btc_addresses: path.join(FIXTURES, 'btc-invalid.txt') });
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabB');
  });

  it('a second daemon on the same data dir refuses to start; the first keeps serving', async () => {
    const first = await startDaemon();
    try {
      const out = await runCli(['-c', first.configPath, '-d', first.dataDir]);
      expect(out.code).toBe(1);
      expect(first.alive()).toBe(true);
      expect((await request(`${first.publicUrl}/api/health`)).status).toBe(200);
    } finally {
      await first.dispose();
    }
  });

  it.each([
    [1, true],
    [2, false],
  ])(
    'btc_scanner.confirmations_required = %d: warns at start that teller counted one block fewer: %s',
    async (n, warned) => {
      // The real BTC scanner against a port nobody listens on: the daemon starts and retries.
      const d = await startDaemon({
        btc_scanner: { enabled: true, confirmations_required: n },
        btc_rpc: { server: '127.0.0.1:9', user: 'u', pass: 'p' },
        eth_scanner: { enabled: false },
        dummy: { scanner: false, sender: true },
      });
      try {
        const warning = d
          .logs()
          .split('\n')
          .filter((l) => l.includes('"level":40') && l.includes('btc_scanner.confirmations_required'));
        expect(warning.length).toBe(warned ? 1 : 0);
        if (warned) expect(warning[0]).toContain("teller's 1 meant 2");
      } finally {
        await d.dispose();
      }
    },
  );

  it('SIGTERM stops the daemon cleanly (exit 0)', async () => {
    const d = await startDaemon();
    try {
      expect(await d.stop()).toBe(0);
      await expect(request(`${d.publicUrl}/api/health`)).rejects.toThrow();
    } finally {
      await d.dispose();
    }
  });
});

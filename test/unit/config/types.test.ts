import { ConfigError, parseConfig } from '../../../src/config';
import { BASE_FILES, DUMMY_BASE, merge, removeDir, scratchDir, toToml } from './helpers';

let cwd: string;
beforeAll(() => {
  cwd = scratchDir(BASE_FILES);
});
afterAll(() => removeDir(cwd));

/** The problems of config text that must fail. */
function problemsOf(text: string): string[] {
  try {
    parseConfig(text, { cwd, env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('type problems name the key and the expected type', () => {
  it.each([
    ['debug = "yes"', 'debug: expected a boolean (true or false), got a string ("yes")'],
    ['debug = 1', 'debug: expected a boolean (true or false), got an integer (1)'],
    ['logfile = 5', 'logfile: expected a string, got an integer (5)'],
    ['pidfile = true', 'pidfile: expected a string, got a boolean (true)'],
    ['teller = 5', 'teller: expected a table, got an integer (5)'],
    ['[teller]\nmax_bound_addrs = "5"', 'teller.max_bound_addrs: expected an integer, got a string ("5")'],
    ['[teller]\nmax_bound_addrs = 5.5', 'teller.max_bound_addrs: expected an integer, got a float (5.5)'],
    [
      '[teller]\nmax_bound_addrs = 9007199254740993',
      'teller.max_bound_addrs: integer 9007199254740993 is out of range',
    ],
    [
      '[btc_scanner]\nscan_period = 20',
      'btc_scanner.scan_period: write a duration such as "20s" (a bare number would be nanoseconds)',
    ],
    [
      '[btc_scanner]\nscan_period = 1.5',
      'btc_scanner.scan_period: write a duration such as "20s" (a bare number would be nanoseconds)',
    ],
    ['[btc_scanner]\nscan_period = "20"', 'btc_scanner.scan_period: time: missing unit in duration "20"'],
    ['[btc_scanner]\nscan_period = "-5s"', 'btc_scanner.scan_period: must not be negative'],
    [
      '[web]\nthrottle_duration = true',
      'web.throttle_duration: expected a duration string such as "20s", got a boolean (true)',
    ],
    [
      '[btc_scanner]\nnetwork = "signet"',
      'btc_scanner.network: must be one of mainnet, testnet, regtest, got "signet"',
    ],
    ['[payout]\ncoin = "BTC"', 'payout.coin: must be one of SKY, ETH, ERC20, got "BTC"'],
    ['[web]\ncors_allowed = [1, 2]', 'web.cors_allowed: expected an array of strings, got an array'],
    ['eth_tokens = 1', 'eth_tokens: expected an array of tables ([[eth_tokens]]), got an integer (1)'],
    [
      '[sky_exchanger.c2cx]\nbtc_minimum_volume = "-1"',
      'sky_exchanger.c2cx.btc_minimum_volume: expected a non-negative decimal such as "0.005", got a string ("-1")',
    ],
    [
      '[notification]\nhot_wallet_low = "lots"',
      'notification.hot_wallet_low: expected a non-negative decimal such as "0", got a string ("lots")',
    ],
    ['[metrics]\nhttp_addr = 9090', 'metrics.http_addr: expected a string, got an integer (9090)'],
    ['[eth_rpc]\nport = true', 'eth_rpc.port: expected a string, got a boolean (true)'],
    ['debug = 1979-05-27T07:32:00Z', 'debug: expected a boolean (true or false), got a date'],
  ])('%s', (toml, problem) => {
    // DUMMY_BASE's tables come after the snippet's top-level keys but TOML needs them last.
    const text = toml.startsWith('[') ? `${toToml(DUMMY_BASE)}${toml}\n` : `${toml}\n${toToml(DUMMY_BASE)}`;
    expect(problemsOf(text)).toEqual([problem]);
  });

  it('[[eth_tokens]] entries need decimals and a rate', () => {
    const text = `${toToml(
      merge(DUMMY_BASE, {
        eth_scanner: { enabled: true },
        eth_addresses: 'eth.txt',
        sky_exchanger: { sky_eth_exchange_rate: '100' },
      }),
    )}[[eth_tokens]]\nsymbol = "USDT"\ncontract = "0x${'a'.repeat(40)}"\n`;
    expect(problemsOf(text)).toEqual([
      'eth_tokens[0].decimals: missing',
      "eth_tokens[0].exchange_rate invalid: can't convert  to decimal",
    ]);
  });
});

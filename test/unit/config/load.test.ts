import fs from 'node:fs';
import path from 'node:path';

import {
  ConfigError,
  defaultConfig,
  loadConfig,
  parseConfig,
  redactConfig,
  type Config,
} from '../../../src/config';
import { BASE_FILES, DUMMY_BASE, merge, removeDir, scratchDir, toToml, type TomlTable } from './helpers';

let cwd: string;
beforeAll(() => {
  cwd = scratchDir(BASE_FILES);
});
afterAll(() => removeDir(cwd));

const env = {};
const parse = (t: TomlTable, e: Record<string, string> = env) => parseConfig(toToml(t), { cwd, env: e });
const parseText = (text: string) => parseConfig(text, { cwd, env });
/** The problems of a config that must fail. */
function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const DEFAULTS: Config = {
  debug: true,
  logfile: './teller.log',
  dbfile: 'teller.db',
  pidfile: '',
  btc_addresses: '',
  eth_addresses: '',
  sky_addresses: '',
  teller: { max_bound_addrs: 5, bind_enabled: true },
  sky_rpc: { address: '127.0.0.1:6430' },
  btc_rpc: { server: '127.0.0.1:8334', user: '', pass: '', cert: '' },
  eth_rpc: { server: '', port: '' },
  btc_scanner: {
    enabled: true,
    scan_period_ms: 20_000,
    initial_scan_height: 492478,
    confirmations_required: 1,
    network: 'mainnet',
    deposit_xpub: '',
    deposit_address_type: '',
  },
  eth_scanner: {
    enabled: false,
    scan_period_ms: 5_000,
    initial_scan_height: 4654259,
    confirmations_required: 1,
    chain_id: 0,
    logs_chunk_size: 1000,
    deposit_xpub: '',
  },
  sky_scanner: {
    enabled: false,
    scan_period_ms: 5_000,
    initial_scan_height: 17000,
    confirmations_required: 0,
  },
  eth_tokens: [],
  market_rates: [],
  sky_exchanger: {
    sky_btc_exchange_rate: '',
    sky_eth_exchange_rate: '',
    sky_sky_exchange_rate: '',
    max_decimals: 3,
    tx_confirmation_check_wait_ms: 5_000,
    wallet: '',
    send_enabled: true,
    buy_method: 'direct',
    c2cx: {
      key: '',
      secret: '',
      request_failure_wait_ms: 10_000,
      ratelimit_wait_ms: 30_000,
      check_order_wait_ms: 2_000,
      btc_minimum_volume: '0.005',
    },
    passthrough: { exchange: 'simulated', api_key: '', secret: '', symbol: 'SKY/BTC', fee: '0.001' },
  },
  payout: {
    coin: 'SKY',
    sky_node_url: '',
    approval_above: '0',
    evm: {
      rpc_url: 'http://127.0.0.1:8545',
      chain_id: 31337,
      keystore: '',
      token: '',
      decimals: 18,
      confirmations_required: 1,
      rebroadcast_after_ms: 120_000,
      max_fee_per_gas: '200',
      max_priority_fee_per_gas: '20',
    },
  },
  web: {
    http_addr: '127.0.0.1:7071',
    https_addr: '',
    static_dir: './web/build',
    auto_tls_host: '',
    tls_cert: '',
    tls_key: '',
    throttle_max: 60,
    throttle_duration_ms: 60_000,
    behind_proxy: false,
    cors_allowed: [],
    max_body_bytes: 65536,
    bind_max_per_hour: 0,
    bind_max_per_day: 0,
    bind_pause_per_hour: 0,
    max_connections: 256,
  },
  admin_panel: { host: '127.0.0.1:7711', token: '', allowed_hosts: [] },
  dummy: { scanner: false, sender: false, http_addr: '127.0.0.1:4121', token: '', allowed_hosts: [] },
  metrics: { http_addr: '' },
  notification: { hook_url: '', server_name: '', hot_wallet_low: '0', pool_low: 10, scanner_lag_blocks: 6 },
  backup: { schedule: '', keep: 7, dir: 'backups' },
};

describe('defaults', () => {
  it('are the documented ones', () => {
    expect(defaultConfig()).toEqual(DEFAULTS);
  });

  it('fill every key the file leaves out', () => {
    const { config, warnings } = parse(DUMMY_BASE);
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      ...DEFAULTS,
      btc_addresses: 'btc.txt',
      sky_exchanger: { ...DEFAULTS.sky_exchanger, sky_btc_exchange_rate: '500' },
      dummy: { ...DEFAULTS.dummy, scanner: true, sender: true },
      // '' means the node's REST API at teller's sky_rpc.address.
      payout: { ...DEFAULTS.payout, sky_node_url: 'http://127.0.0.1:6430' },
    });
  });

  it('an explicit teller.max_bound_addrs = 0 means unlimited and is kept', () => {
    expect(parse(merge(DUMMY_BASE, { teller: { max_bound_addrs: 0 } })).config.teller.max_bound_addrs).toBe(
      0,
    );
  });

  it('send_enabled can be switched off', () => {
    const { config } = parse(merge(DUMMY_BASE, { sky_exchanger: { send_enabled: false } }));
    expect(config.sky_exchanger.send_enabled).toBe(false);
  });
});

describe('keys', () => {
  it('are case-insensitive, as viper', () => {
    const { config, warnings } = parseText(
      'BTC_Addresses = "btc.txt"\nDEBUG = false\n[Sky_Exchanger]\nSKY_BTC_Exchange_Rate = "1/3"\n' +
        '[BTC_SCANNER]\nScan_Period = "10s"\n[Dummy]\nScanner = true\nSENDER = true\n',
    );
    expect(warnings).toEqual([]);
    expect(config.debug).toBe(false);
    expect(config.btc_scanner.scan_period_ms).toBe(10_000);
    expect(config.sky_exchanger.sky_btc_exchange_rate).toBe('1/3');
    expect(config.dummy).toMatchObject({ scanner: true, sender: true, http_addr: '127.0.0.1:4121' });
  });

  it('spelled twice with different case are a problem', () => {
    expect(problemsOf(() => parseText(`DEBUG = true\ndebug = false\n${toToml(DUMMY_BASE)}`))).toEqual([
      'debug: set more than once (keys are case-insensitive)',
    ]);
  });

  it('keys teller documented or defaulted but never read are warnings, listed in one place', () => {
    const { warnings } = parse(
      merge(DUMMY_BASE, {
        profile: true,
        teller: { max_bound_btc_addrs: 5 },
        web: { send_enabled: true },
        btc_rpc: { enabled: true },
        eth_rpc: { enabled: false },
        sky_exchanger: { exchange_client: { key: 'k', secret: 's' } },
      }),
    );
    expect(warnings.sort()).toEqual(
      [
        'profile: ignored (teller documented it but never read it)',
        'teller.max_bound_btc_addrs: ignored (a stray default in teller; the setting is teller.max_bound_addrs)',
        'web.send_enabled: ignored (a stray default in teller; the setting is sky_exchanger.send_enabled)',
        "btc_rpc.enabled: ignored (in teller's examples, never read; the setting is btc_scanner.enabled)",
        "eth_rpc.enabled: ignored (in teller's examples, never read; the setting is eth_scanner.enabled)",
        "sky_exchanger.exchange_client: ignored (teller's README name; the section is sky_exchanger.c2cx)",
      ].sort(),
    );
  });

  it('any other unknown key is a problem, with the nearest known key as a hint (issue 21)', () => {
    expect(
      problemsOf(() =>
        parse(
          merge(DUMMY_BASE, {
            teller: { max_bound_addr: 5, http_addr: '127.0.0.1:1' },
            web: { api_enabled: true, throtle_max: 3 },
            extra: { a: 1 },
            eth_scanner: { enabled: true, confirmation_required: 2 },
            eth_addresses: 'eth.txt',
            sky_exchanger: { sky_eth_exchange_rate: '100' },
            eth_tokens: [
              {
                symbol: 'USDT',
                contract: `0x${'a'.repeat(40)}`,
                decimals: 6,
                exchange_rate: '1',
                colour: 'red',
              },
            ],
          }),
        ),
      ).sort(),
    ).toEqual(
      [
        'teller.max_bound_addr: unknown key; did you mean max_bound_addrs?',
        'teller.http_addr: unknown key; did you mean dummy.http_addr, metrics.http_addr or web.http_addr?',
        'web.api_enabled: unknown key',
        'web.throtle_max: unknown key; did you mean throttle_max?',
        'extra: unknown key',
        'eth_scanner.confirmation_required: unknown key; did you mean confirmations_required?',
        'eth_tokens[0].colour: unknown key',
      ].sort(),
    );
  });
});

describe('values', () => {
  it('reads durations as Go duration strings', () => {
    const { config } = parse(
      merge(DUMMY_BASE, {
        btc_scanner: { scan_period: '1m30s' },
        eth_scanner: { scan_period: '1.5h' },
        sky_scanner: { scan_period: '300ms' },
        sky_exchanger: { tx_confirmation_check_wait: '2us', c2cx: { ratelimit_wait: 0 } },
        web: { throttle_duration: '0' },
        payout: { evm: { rebroadcast_after: '10ns' } },
      }),
    );
    expect(config.btc_scanner.scan_period_ms).toBe(90_000);
    expect(config.eth_scanner.scan_period_ms).toBe(5_400_000);
    expect(config.sky_scanner.scan_period_ms).toBe(300);
    expect(config.sky_exchanger.tx_confirmation_check_wait_ms).toBeCloseTo(0.002, 12);
    expect(config.sky_exchanger.c2cx.ratelimit_wait_ms).toBe(0);
    expect(config.web.throttle_duration_ms).toBe(0);
    expect(config.payout.evm.rebroadcast_after_ms).toBeCloseTo(0.00001, 12);
  });

  it('accepts rates written as numbers, as teller did', () => {
    const { config } = parse(
      merge(DUMMY_BASE, { sky_exchanger: { sky_btc_exchange_rate: 500, sky_eth_exchange_rate: 0.5 } }),
    );
    expect(config.sky_exchanger.sky_btc_exchange_rate).toBe('500');
    expect(config.sky_exchanger.sky_eth_exchange_rate).toBe('0.5');
  });

  it.each([
    ['"0.005"', '0.005'],
    ['"0.0050"', '0.005'],
    ['0.01', '0.01'],
    ['1', '1'],
    ['"1e-3"', '0.001'],
  ])('reads c2cx.btc_minimum_volume = %s as %j (teller could not)', (toml, value) => {
    const { config } = parseText(`${toToml(DUMMY_BASE)}[sky_exchanger.c2cx]\nbtc_minimum_volume = ${toml}\n`);
    expect(config.sky_exchanger.c2cx.btc_minimum_volume).toBe(value);
  });

  it('splits a cors_allowed string on commas, as viper did', () => {
    const cors = (v: TomlTable['x']) =>
      parse(merge(DUMMY_BASE, { web: { cors_allowed: v } })).config.web.cors_allowed;
    expect(cors('https://a.example,https://b.example')).toEqual(['https://a.example', 'https://b.example']);
    expect(cors('')).toEqual([]);
    expect(cors(['https://a.example'])).toEqual(['https://a.example']);
  });

  it('takes eth_rpc.port as a string or an integer', () => {
    const base = merge(DUMMY_BASE, { eth_rpc: { server: 'localhost' } });
    expect(parse(merge(base, { eth_rpc: { port: 8545 } })).config.eth_rpc.port).toBe('8545');
    expect(parse(merge(base, { eth_rpc: { port: '8545' } })).config.eth_rpc.port).toBe('8545');
  });

  it('reads [[eth_tokens]]', () => {
    const contract = '0xdAC17F958D2ee523a2206206994597C13D831ec7';
    const { config } = parse(
      merge(DUMMY_BASE, {
        eth_scanner: { enabled: true },
        eth_addresses: 'eth.txt',
        sky_exchanger: { sky_eth_exchange_rate: '100' },
        eth_tokens: [
          { symbol: 'USDT', contract, decimals: 6, exchange_rate: '20' },
          { symbol: 'DAI', contract: `0x${'1'.repeat(40)}`, decimals: 18, exchange_rate: 20 },
        ],
      }),
    );
    expect(config.eth_tokens).toEqual([
      { symbol: 'USDT', contract, decimals: 6, exchange_rate: '20' },
      { symbol: 'DAI', contract: `0x${'1'.repeat(40)}`, decimals: 18, exchange_rate: '20' },
    ]);
  });

  it('lets TELLER_ADMIN_TOKEN override admin_panel.token', () => {
    const withToken = merge(DUMMY_BASE, { admin_panel: { token: 'from-the-file-0123456789' } });
    expect(parse(withToken).config.admin_panel.token).toBe('from-the-file-0123456789');
    const token = 'from-the-environment-0123456789';
    expect(parse(withToken, { TELLER_ADMIN_TOKEN: token }).config.admin_panel.token).toBe(token);
    expect(parse(withToken, { TELLER_ADMIN_TOKEN: '' }).config.admin_panel.token).toBe(
      'from-the-file-0123456789',
    );
  });
});

describe('errors', () => {
  it('ConfigError lists every problem, has code config_invalid and carries the warnings', () => {
    let caught: unknown;
    try {
      parseText(
        'debug = "no"\nprofile = 1\n[btc_scanner]\nscan_period = 5\n[dummy]\nscanner = true\nsender = true\n',
      );
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.code).toBe('config_invalid');
    expect(err.problems).toEqual([
      'debug: expected a boolean (true or false), got a string ("no")',
      'btc_scanner.scan_period: write a duration such as "20s" (a bare number would be nanoseconds)',
      'btc_addresses missing',
      "sky_exchanger.sky_btc_exchange_rate invalid: can't convert  to decimal",
    ]);
    expect(err.message).toBe(`Config error:\n${err.problems.join('\n')}`);
    expect(err.warnings).toEqual(['profile: ignored (teller documented it but never read it)']);
  });

  it('reports TOML syntax errors with the line', () => {
    const problems = problemsOf(() => parseText('debug = true\nlogfile =\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^config: invalid TOML: line 2, column \d+: /);
  });

  it('reports a TOML duplicate key', () => {
    expect(problemsOf(() => parseText('debug = true\ndebug = false\n'))).toEqual([
      "config: invalid TOML: line 2, column 1: Cannot redefine existing key 'debug'.",
    ]);
  });
});

describe('loadConfig', () => {
  it('reads a file relative to cwd and strips a BOM', () => {
    fs.writeFileSync(path.join(cwd, 'teller.toml'), `\uFEFF${toToml(DUMMY_BASE)}`);
    const { config } = loadConfig('teller.toml', { cwd, env });
    expect(config.btc_addresses).toBe('btc.txt');
    expect(loadConfig(path.join(cwd, 'teller.toml'), { cwd, env }).config.dummy.scanner).toBe(true);
  });

  it('names the file in syntax errors', () => {
    fs.writeFileSync(path.join(cwd, 'broken.toml'), '[web\n');
    expect(problemsOf(() => loadConfig('broken.toml', { cwd, env }))[0]).toMatch(
      /^broken\.toml: invalid TOML: line 1/,
    );
  });

  it('fails with a ConfigError for a missing file', () => {
    expect(problemsOf(() => loadConfig('nope.toml', { cwd, env }))).toEqual([
      expect.stringMatching(/^nope\.toml: cannot read the config file: ENOENT: no such file/),
    ]);
  });
});

describe('redactConfig', () => {
  it('hides credentials and keeps everything else', () => {
    const config = parse(
      merge(DUMMY_BASE, {
        btc_rpc: { user: 'u', pass: 'p' },
        sky_exchanger: { c2cx: { key: 'k' }, passthrough: { api_key: 'a', secret: 's' } },
        admin_panel: { token: '0123456789abcdef' },
        notification: { hook_url: 'https://hooks.example/T000/secret' },
      }),
    ).config;
    const red = redactConfig(config);
    expect(red.btc_rpc).toEqual({ ...config.btc_rpc, user: '<redacted>', pass: '<redacted>' });
    expect(red.sky_exchanger.c2cx.key).toBe('<redacted>');
    expect(red.sky_exchanger.c2cx.secret).toBe('');
    expect(red.sky_exchanger.passthrough).toEqual({
      ...config.sky_exchanger.passthrough,
      api_key: '<redacted>',
      secret: '<redacted>',
    });
    expect(red.admin_panel.token).toBe('<redacted>');
    expect(red.notification.hook_url).toBe('<redacted>');
    expect(config.btc_rpc.user).toBe('u');
    expect(red.web).toEqual(config.web);
  });
});

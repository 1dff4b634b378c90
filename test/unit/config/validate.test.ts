import {
  baseFilesCheck,
  DUMMY_BASE,
  ETH_ON,
  EVM_PAYOUT,
  merge,
  REAL_BASE,
  SKY_ON,
  TOKEN,
  type TomlTable,
  withTokens,
} from './helpers';

const { check, cwd } = baseFilesCheck();

describe('valid configs', () => {
  it.each<[string, TomlTable]>([
    ['dummy base', DUMMY_BASE],
    ['real nodes base', REAL_BASE],
    ['ETH disabled needs no eth_addresses and no ETH rate (teller required both)', REAL_BASE],
    ['btc_rpc.cert is optional', REAL_BASE],
    ['an existing btc_rpc.cert', merge(REAL_BASE, { btc_rpc: { cert: 'btcd.cert' } })],
    ['ETH and SKY scanning with real nodes', merge(merge(REAL_BASE, ETH_ON), SKY_ON)],
    [
      'the dummy scanner skips node settings',
      merge(DUMMY_BASE, { btc_rpc: { server: '' }, eth_scanner: { enabled: false } }),
    ],
    [
      'BTC scanning off skips btc_rpc',
      merge(REAL_BASE, { btc_scanner: { enabled: false }, btc_rpc: { user: '' } }),
    ],
    [
      'the dummy sender needs no wallet',
      merge(REAL_BASE, { sky_exchanger: { wallet: '' }, dummy: { sender: true } }),
    ],
    [
      'ETH payout needs a keystore, not a wallet',
      merge(merge(REAL_BASE, { sky_exchanger: { wallet: '' } }), EVM_PAYOUT),
    ],
    [
      'ETH payout allows up to 18 max_decimals',
      merge(merge(REAL_BASE, EVM_PAYOUT), { sky_exchanger: { max_decimals: 18 } }),
    ],
    [
      'ERC20 payout with a token',
      merge(REAL_BASE, {
        payout: { coin: 'ERC20', evm: { keystore: 'keystore.json', token: TOKEN.contract, decimals: 6 } },
        sky_exchanger: { max_decimals: 6 },
      }),
    ],
    ['relative paths resolve against cwd', merge(DUMMY_BASE, { btc_addresses: './btc.txt' })],
    ['an absolute path', merge(DUMMY_BASE, { btc_addresses: __filename })],
    [
      'https with a certificate',
      merge(DUMMY_BASE, { web: { https_addr: ':443', tls_cert: 'tls.crt', tls_key: 'tls.key' } }),
    ],
    ['https with autocert', merge(DUMMY_BASE, { web: { https_addr: ':443', auto_tls_host: 'otc.example' } })],
    [
      'https only',
      merge(DUMMY_BASE, { web: { http_addr: '', https_addr: ':443', auto_tls_host: 'otc.example' } }),
    ],
    [
      'listen on any port and IPv6',
      merge(DUMMY_BASE, { web: { http_addr: ':0' }, admin_panel: { host: '[::1]:7711' } }),
    ],
    [
      'tokens',
      withTokens(TOKEN, { ...TOKEN, symbol: 'DAI2', contract: `0x${'B'.repeat(40)}`, decimals: 18 }),
    ],
    [
      'passthrough on an exchange',
      merge(REAL_BASE, {
        sky_exchanger: {
          buy_method: 'passthrough',
          passthrough: { exchange: 'binance', api_key: 'k', secret: 's' },
        },
      }),
    ],
    ['a long admin token', merge(DUMMY_BASE, { admin_panel: { token: '0123456789abcdef' } })],
    ['a backup schedule', merge(DUMMY_BASE, { backup: { schedule: '0 3 * * *' } })],
    [
      'notifications',
      merge(DUMMY_BASE, { notification: { hook_url: 'https://hooks.example/x', hot_wallet_low: '10.5' } }),
    ],
    [
      'max_bound_addrs negative means unlimited, as teller',
      merge(DUMMY_BASE, { teller: { max_bound_addrs: -1 } }),
    ],
  ])('%s', (_name, t) => {
    expect(check(t).problems).toEqual([]);
  });
});

describe('problems (teller §2.3 texts where teller had the check)', () => {
  it.each<[string, TomlTable, string[]]>([
    // 1-2: pool files
    ['btc_addresses empty', merge(DUMMY_BASE, { btc_addresses: '' }), ['btc_addresses missing']],
    [
      'btc_addresses absent',
      merge(DUMMY_BASE, { btc_addresses: 'no.txt' }),
      [
        `btc_addresses file does not exist: no.txt (<cwd>/no.txt; relative paths are from the working directory)`,
      ],
    ],
    [
      'eth_addresses empty with ETH on',
      merge(merge(DUMMY_BASE, ETH_ON), { eth_addresses: '' }),
      ['eth_addresses missing'],
    ],
    [
      'eth_addresses absent with ETH on',
      merge(merge(DUMMY_BASE, ETH_ON), { eth_addresses: 'no.txt' }),
      [
        `eth_addresses file does not exist: no.txt (<cwd>/no.txt; relative paths are from the working directory)`,
      ],
    ],
    [
      'sky_addresses empty with SKY on',
      merge(merge(DUMMY_BASE, SKY_ON), { sky_addresses: '' }),
      ['sky_addresses missing'],
    ],
    // 4: nodes, unless the dummy scanner
    [
      'btc_rpc settings',
      merge(REAL_BASE, { btc_rpc: { server: '', user: '', pass: '' } }),
      ['btc_rpc.server missing', 'btc_rpc.user missing', 'btc_rpc.pass missing'],
    ],
    [
      'btc_rpc.cert absent',
      merge(REAL_BASE, { btc_rpc: { cert: 'no.cert' } }),
      [
        `btc_rpc.cert file does not exist: no.cert (<cwd>/no.cert; relative paths are from the working directory)`,
      ],
    ],
    [
      'eth_rpc settings',
      merge(merge(REAL_BASE, ETH_ON), { eth_rpc: { server: '', port: '' } }),
      ['eth_rpc.server missing', 'eth_rpc.port missing'],
    ],
    [
      'eth_rpc.port not a port',
      merge(merge(REAL_BASE, ETH_ON), { eth_rpc: { port: '85x' } }),
      ['eth_rpc.port must be a port number, got "85x"'],
    ],
    [
      'eth_rpc.port too big',
      merge(merge(REAL_BASE, ETH_ON), { eth_rpc: { port: 70000 } }),
      ['eth_rpc.port must be a port number, got "70000"'],
    ],
    [
      'sky_rpc.address',
      merge(merge(REAL_BASE, SKY_ON), { sky_rpc: { address: '' } }),
      ['sky_rpc.address missing'],
    ],
    // 5: >= 0
    [
      'negative heights and confirmations',
      merge(DUMMY_BASE, {
        btc_scanner: { confirmations_required: -1, initial_scan_height: -1 },
        eth_scanner: { confirmations_required: -1, initial_scan_height: -1 },
        sky_scanner: { confirmations_required: -1, initial_scan_height: -1 },
      }),
      [
        'btc_scanner.confirmations_required must be >= 0',
        'btc_scanner.initial_scan_height must be >= 0',
        'eth_scanner.confirmations_required must be >= 0',
        'eth_scanner.initial_scan_height must be >= 0',
        'sky_scanner.initial_scan_height must be >= 0',
        'sky_scanner.confirmations_required must be >= 0',
      ],
    ],
    // 6: passthrough scanners
    [
      'passthrough with ETH and SKY scanners',
      merge(merge(merge(DUMMY_BASE, ETH_ON), SKY_ON), { sky_exchanger: { buy_method: 'passthrough' } }),
      [
        'eth_scanner must be disabled for buy_method passthrough',
        'sky_scanner must be disabled for buy_method passthrough',
      ],
    ],
    // 7: exchanger
    [
      'no BTC rate',
      merge(DUMMY_BASE, { sky_exchanger: { sky_btc_exchange_rate: '' } }),
      ["sky_exchanger.sky_btc_exchange_rate invalid: can't convert  to decimal"],
    ],
    [
      'zero BTC rate',
      merge(DUMMY_BASE, { sky_exchanger: { sky_btc_exchange_rate: '0' } }),
      ['sky_exchanger.sky_btc_exchange_rate invalid: rate must be greater than zero'],
    ],
    [
      'ETH on without its rate',
      merge(merge(DUMMY_BASE, ETH_ON), { sky_exchanger: { sky_eth_exchange_rate: '' } }),
      ["sky_exchanger.sky_eth_exchange_rate invalid: can't convert  to decimal"],
    ],
    [
      'SKY on without its rate',
      merge(merge(DUMMY_BASE, SKY_ON), { sky_exchanger: { sky_sky_exchange_rate: '' } }),
      ["sky_exchanger.sky_sky_exchange_rate invalid: can't convert  to decimal"],
    ],
    [
      'rates of disabled coins are checked when set',
      merge(DUMMY_BASE, { sky_exchanger: { sky_eth_exchange_rate: '1,000', sky_sky_exchange_rate: '-1' } }),
      [
        "sky_exchanger.sky_eth_exchange_rate invalid: can't convert 1,000 to decimal",
        'sky_exchanger.sky_sky_exchange_rate invalid: rate must be greater than zero',
      ],
    ],
    [
      'negative max_decimals',
      merge(DUMMY_BASE, { sky_exchanger: { max_decimals: -1 } }),
      ["sky_exchanger.max_decimals can't be negative"],
    ],
    [
      'max_decimals 4 for SKY',
      merge(DUMMY_BASE, { sky_exchanger: { max_decimals: 4 } }),
      ['sky_exchanger.max_decimals is larger than visor.MaxDropletPrecision=3'],
    ],
    [
      'max_decimals beyond the EVM decimals',
      merge(merge(DUMMY_BASE, EVM_PAYOUT), { sky_exchanger: { max_decimals: 19 } }),
      ['sky_exchanger.max_decimals is larger than payout.evm.decimals=18'],
    ],
    [
      'unknown buy_method',
      merge(DUMMY_BASE, { sky_exchanger: { buy_method: 'market' } }),
      ['sky_exchanger.buy_method must be "direct" or "passthrough"'],
    ],
    [
      'passthrough on an exchange without credentials',
      merge(REAL_BASE, {
        sky_exchanger: { buy_method: 'passthrough', passthrough: { exchange: 'binance' } },
      }),
      [
        'sky_exchanger.passthrough.api_key must be set for buy_method passthrough',
        'sky_exchanger.passthrough.secret must be set for buy_method passthrough',
      ],
    ],
    [
      'passthrough without an exchange',
      merge(DUMMY_BASE, { sky_exchanger: { buy_method: 'passthrough', passthrough: { exchange: '' } } }),
      ['sky_exchanger.passthrough.exchange missing'],
    ],
    [
      'passthrough market symbol and fee',
      merge(DUMMY_BASE, { sky_exchanger: { passthrough: { symbol: 'SKYBTC', fee: '1' } } }),
      [
        'sky_exchanger.passthrough.symbol must look like "SKY/BTC", got "SKYBTC"',
        'sky_exchanger.passthrough.fee must be less than 1, got "1"',
      ],
    ],
    // 8: hot wallet
    ['no wallet', merge(REAL_BASE, { sky_exchanger: { wallet: '' } }), ['sky_exchanger.wallet missing']],
    [
      'wallet absent',
      merge(REAL_BASE, { sky_exchanger: { wallet: 'no.wlt' } }),
      [
        `sky_exchanger.wallet file no.wlt does not exist (<cwd>/no.wlt; relative paths are from the working directory)`,
      ],
    ],
    [
      'no keystore for an EVM payout',
      merge(REAL_BASE, { payout: { coin: 'ETH' } }),
      ['payout.evm.keystore missing'],
    ],
    [
      'keystore absent',
      merge(REAL_BASE, { payout: { coin: 'ETH', evm: { keystore: 'no.json' } } }),
      [
        `payout.evm.keystore file no.json does not exist (<cwd>/no.json; relative paths are from the working directory)`,
      ],
    ],
    // 9: web, every rule reported
    [
      'no listener at all',
      merge(DUMMY_BASE, { web: { http_addr: '' } }),
      ['at least one of web.http_addr, web.https_addr must be set'],
    ],
    [
      'https without certificate',
      merge(DUMMY_BASE, { web: { https_addr: ':443' } }),
      [
        'when using web.https_addr, either web.auto_tls_host or both web.tls_cert and web.tls_key must be set',
      ],
    ],
    [
      'https with a certificate but no key',
      merge(DUMMY_BASE, { web: { https_addr: ':443', tls_cert: 'tls.crt' } }),
      [
        'when using web.https_addr, either web.auto_tls_host or both web.tls_cert and web.tls_key must be set',
        'web.tls_cert and web.tls_key must be set or unset together',
      ],
    ],
    [
      'autocert and a certificate',
      merge(DUMMY_BASE, {
        web: { https_addr: ':443', auto_tls_host: 'otc.example', tls_cert: 'tls.crt', tls_key: 'tls.key' },
      }),
      ['either use web.auto_tls_host or both web.tls_key and web.tls_cert'],
    ],
    [
      'every web rule at once',
      merge(DUMMY_BASE, { web: { http_addr: '', auto_tls_host: 'otc.example', tls_key: 'tls.key' } }),
      [
        'at least one of web.http_addr, web.https_addr must be set',
        'web.tls_cert and web.tls_key must be set or unset together',
        'either use web.auto_tls_host or both web.tls_key and web.tls_cert',
        'web.auto_tls_host or web.tls_key or web.tls_cert is set but web.https_addr is not enabled',
      ],
    ],
    [
      'certificate files absent',
      merge(DUMMY_BASE, { web: { https_addr: ':443', tls_cert: 'no.crt', tls_key: 'no.key' } }),
      [
        `web.tls_cert file does not exist: no.crt (<cwd>/no.crt; relative paths are from the working directory)`,
        `web.tls_key file does not exist: no.key (<cwd>/no.key; relative paths are from the working directory)`,
      ],
    ],
  ])('%s', (_name, t, problems) => {
    // Every path error shows the absolute path tried (issue 21): `<cwd>` stands for the test's dir.
    expect(check(t).problems).toEqual(problems.map((p) => p.replace('<cwd>', cwd())));
  });
});

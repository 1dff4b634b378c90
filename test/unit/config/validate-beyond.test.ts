import {
  baseFilesCheck,
  DUMMY_BASE,
  ETH_ON,
  EVM_PAYOUT,
  merge,
  REAL_BASE,
  TOKEN,
  type TomlTable,
  withTokens,
} from './helpers';

const { check } = baseFilesCheck();

describe('problems of the keys beyond teller', () => {
  it.each<[string, TomlTable, string[]]>([
    ['token symbol missing', withTokens({ ...TOKEN, symbol: '' }), ['eth_tokens[0].symbol missing']],
    [
      'token symbol lower-case',
      withTokens({ ...TOKEN, symbol: 'usdt' }),
      ['eth_tokens[0].symbol must be upper-case letters and digits, got "usdt"'],
    ],
    [
      'token symbol of a base coin',
      withTokens({ ...TOKEN, symbol: 'ETH' }),
      ['eth_tokens[0].symbol ETH clashes with a built-in coin'],
    ],
    [
      'token listed twice',
      withTokens(TOKEN, { ...TOKEN, contract: TOKEN.contract.toUpperCase().replace('0X', '0x') }),
      [
        `eth_tokens[1].symbol USDT is listed twice`,
        `eth_tokens[1].contract 0x${'A'.repeat(40)} is listed twice`,
      ],
    ],
    ['token contract missing', withTokens({ ...TOKEN, contract: '' }), ['eth_tokens[0].contract missing']],
    [
      'token contract malformed',
      withTokens({ ...TOKEN, contract: '0x123' }),
      ['eth_tokens[0].contract must be a 0x-prefixed 40-hex-digit address, got "0x123"'],
    ],
    [
      'token decimals',
      withTokens({ ...TOKEN, decimals: 78 }),
      ['eth_tokens[0].decimals must be between 0 and 77'],
    ],
    [
      'token rate',
      withTokens({ ...TOKEN, exchange_rate: '1/0' }),
      ["eth_tokens[0].exchange_rate invalid: can't convert 1/0 to decimal"],
    ],
    [
      'ERC20 payout without a token',
      merge(DUMMY_BASE, { payout: { coin: 'ERC20' } }),
      ['payout.evm.token missing (needed for payout.coin ERC20)'],
    ],
    [
      'payout token malformed',
      merge(DUMMY_BASE, { payout: { coin: 'ERC20', evm: { token: 'USDT' } } }),
      ['payout.evm.token must be a 0x-prefixed 40-hex-digit address, got "USDT"'],
    ],
    [
      'ETH payout with other decimals',
      merge(DUMMY_BASE, { payout: { coin: 'ETH', evm: { decimals: 8 } } }),
      ['payout.evm.decimals must be 18 for payout.coin ETH'],
    ],
    [
      'approval cap finer than the SKY payout (6 decimals)',
      merge(DUMMY_BASE, { payout: { approval_above: '0.0000001' } }),
      ['payout.approval_above invalid: amount 0.0000001 has more than 6 decimal places (payout coin SKY)'],
    ],
    [
      'approval cap finer than an ERC-20 payout token',
      merge(DUMMY_BASE, {
        sky_exchanger: { max_decimals: 2 },
        payout: { coin: 'ERC20', approval_above: '1.005', evm: { token: TOKEN.contract, decimals: 2 } },
      }),
      ['payout.approval_above invalid: amount 1.005 has more than 2 decimal places (payout coin ERC20)'],
    ],
    [
      'payout URLs with real senders',
      merge(REAL_BASE, { payout: { sky_node_url: '127.0.0.1:6420' } }),
      ['payout.sky_node_url must be an http(s) URL, got "127.0.0.1:6420"'],
    ],
    [
      'EVM RPC URL',
      merge(merge(REAL_BASE, EVM_PAYOUT), { payout: { evm: { rpc_url: 'ftp://node' } } }),
      ['payout.evm.rpc_url must be an http(s) or ws(s) URL, got "ftp://node"'],
    ],
    [
      'numbers out of range',
      merge(DUMMY_BASE, {
        eth_scanner: { chain_id: -1, logs_chunk_size: 0 },
        payout: { evm: { chain_id: 0, confirmations_required: 0, decimals: -1 } },
        web: { throttle_max: -1, max_body_bytes: 0 },
        notification: { pool_low: -1, scanner_lag_blocks: -1 },
        backup: { keep: 0 },
      }),
      [
        'eth_scanner.chain_id must be >= 0',
        'eth_scanner.logs_chunk_size must be >= 1',
        'payout.evm.chain_id must be >= 1',
        'payout.evm.confirmations_required must be >= 1',
        'web.throttle_max must be >= 0',
        'web.max_body_bytes must be >= 1',
        'notification.pool_low must be >= 0',
        'notification.scanner_lag_blocks must be >= 0',
        'backup.keep must be >= 1',
        'payout.evm.decimals must be between 0 and 77',
      ],
    ],
    [
      'fee ceiling not a gwei amount',
      merge(DUMMY_BASE, {
        payout: { evm: { max_fee_per_gas: '1.0000000001', max_priority_fee_per_gas: 'lots' } },
      }),
      [
        'payout.evm.max_priority_fee_per_gas: expected a non-negative decimal such as "20", got a string ("lots")',
        'payout.evm.max_fee_per_gas must be gwei with at most 9 decimals, got "1.0000000001"',
      ],
    ],
    [
      'fee ceiling of zero',
      merge(DUMMY_BASE, { payout: { evm: { max_fee_per_gas: '0', max_priority_fee_per_gas: '0.0' } } }),
      [
        'payout.evm.max_fee_per_gas must be more than 0 gwei',
        'payout.evm.max_priority_fee_per_gas must be more than 0 gwei',
      ],
    ],
    [
      'tip ceiling above the max fee ceiling',
      merge(DUMMY_BASE, { payout: { evm: { max_fee_per_gas: '2.5', max_priority_fee_per_gas: '3' } } }),
      ['payout.evm.max_priority_fee_per_gas (3 gwei) must not exceed payout.evm.max_fee_per_gas (2.5 gwei)'],
    ],
    [
      'listen addresses',
      merge(DUMMY_BASE, {
        web: { http_addr: 'localhost', https_addr: 'x:99999', auto_tls_host: 'otc.example' },
        admin_panel: { host: 'http://127.0.0.1:7711' },
        dummy: { http_addr: '4121' },
        metrics: { http_addr: 'a b:1' },
      }),
      [
        'web.http_addr must be host:port, got "localhost"',
        'web.https_addr must be host:port, got "x:99999"',
        'admin_panel.host must be host:port, got "http://127.0.0.1:7711"',
        'dummy.http_addr must be host:port, got "4121"',
        'metrics.http_addr must be host:port, got "a b:1"',
      ],
    ],
    [
      'short admin token',
      merge(DUMMY_BASE, { admin_panel: { token: 'short' } }),
      ['admin_panel.token must be at least 16 characters'],
    ],
    ['dbfile empty', merge(DUMMY_BASE, { dbfile: '' }), ['dbfile missing']],
    [
      'hook URL',
      merge(DUMMY_BASE, { notification: { hook_url: 'hooks.example/x' } }),
      ['notification.hook_url must be an http(s) URL, got "hooks.example/x"'],
    ],
    [
      'backup',
      merge(DUMMY_BASE, { backup: { schedule: 'nightly', dir: '' } }),
      ['backup.schedule is not a cron expression: "nightly"', 'backup.dir missing'],
    ],
  ])('%s', (_name, t, problems) => {
    expect(check(t).problems).toEqual(problems);
  });

  it('names TELLER_ADMIN_TOKEN when the short token came from the environment', () => {
    expect(check(DUMMY_BASE, { TELLER_ADMIN_TOKEN: 'short' }).problems).toEqual([
      'TELLER_ADMIN_TOKEN must be at least 16 characters',
    ]);
  });
});

describe('warnings', () => {
  it.each<[string, TomlTable, string[]]>([
    [
      'BTC and ETH paid at fewer than 2 confirmations (teller counted one fewer)',
      merge(merge(REAL_BASE, ETH_ON), { eth_scanner: { confirmations_required: 0 } }),
      [
        'btc_scanner.confirmations_required = 1: a deposit is paid at 1 confirmation, counted as ' +
          "bitcoind does (its own block is the first); teller's 1 meant 2. Fewer than 2 is easily " +
          "undone by a reorg: set 2 to keep teller's depth",
        'eth_scanner.confirmations_required = 0: a deposit is paid at 1 confirmation, counted as ' +
          "bitcoind does (its own block is the first); teller's 0 meant 1. Fewer than 2 is easily " +
          "undone by a reorg: set 1 to keep teller's depth",
      ],
    ],
    [
      'no depth warning for the dummy scanner',
      merge(DUMMY_BASE, { btc_scanner: { confirmations_required: 0 } }),
      [],
    ],
    [
      'C2CX credentials',
      merge(DUMMY_BASE, { sky_exchanger: { c2cx: { key: 'k', secret: 's' } } }),
      ['sky_exchanger.c2cx: not used; passthrough buys through sky_exchanger.passthrough'],
    ],
    [
      'tokens while ETH is off',
      merge(DUMMY_BASE, { eth_tokens: [TOKEN] }),
      ['eth_tokens: ignored while eth_scanner.enabled is false'],
    ],
  ])('%s', (_name, t, warnings) => {
    expect(check(t)).toEqual({ problems: [], warnings });
  });
});

it('reports every problem at once, type problems first, then in teller order', () => {
  const t = merge(REAL_BASE, {
    debug: 'yes',
    btc_addresses: '',
    btc_rpc: { pass: '' },
    btc_scanner: { confirmations_required: -2 },
    sky_exchanger: { sky_btc_exchange_rate: 'x', max_decimals: 5, wallet: '' },
    web: { http_addr: '' },
    admin_panel: { token: 'x' },
  });
  expect(check(t).problems).toEqual([
    'debug: expected a boolean (true or false), got a string ("yes")',
    'btc_addresses missing',
    'btc_rpc.pass missing',
    'btc_scanner.confirmations_required must be >= 0',
    "sky_exchanger.sky_btc_exchange_rate invalid: can't convert x to decimal",
    'sky_exchanger.max_decimals is larger than visor.MaxDropletPrecision=3',
    'sky_exchanger.wallet missing',
    'at least one of web.http_addr, web.https_addr must be set',
    'admin_panel.token must be at least 16 characters',
  ]);
});

/**
 * Every config key, its type and its default, in the shape of `Config`. Teller's keys keep
 * teller's names and meanings (spec §2.2); defaults are the documented ones (DESIGN.md
 * difference 3: `teller.max_bound_addrs = 5`, `sky_exchanger.send_enabled = true`).
 */
import type {
  BtcScannerConfig,
  Config,
  EthScannerConfig,
  Network,
  PayoutConfig,
  ScannerConfig,
  SkyExchangerConfig,
  MarketRateConfig,
  TokenConfig,
  WebConfig,
} from './types';
import type { ConfigTable } from './reader';

export const NETWORKS: readonly Network[] = ['mainnet', 'testnet', 'regtest'];
export const PAYOUT_COINS: readonly PayoutConfig['coin'][] = ['SKY', 'ETH', 'ERC20'];
export const DEPOSIT_ADDRESS_TYPES: readonly BtcScannerConfig['deposit_address_type'][] = [
  '',
  'p2pkh',
  'p2sh-p2wpkh',
  'p2wpkh',
  'p2tr',
];
export const BUY_METHODS: readonly SkyExchangerConfig['buy_method'][] = ['direct', 'passthrough'];

interface ScannerDefaults {
  enabled: boolean;
  scan_period: string;
  initial_scan_height: number;
  confirmations_required: number;
}

function scanner(t: ConfigTable, d: ScannerDefaults): ScannerConfig {
  return {
    enabled: t.bool('enabled', d.enabled),
    scan_period_ms: t.duration('scan_period', d.scan_period),
    initial_scan_height: t.int('initial_scan_height', d.initial_scan_height),
    confirmations_required: t.int('confirmations_required', d.confirmations_required),
  };
}

function btcScanner(t: ConfigTable): BtcScannerConfig {
  return {
    ...scanner(t, {
      enabled: true,
      scan_period: '20s',
      initial_scan_height: 492478,
      confirmations_required: 1,
    }),
    network: t.oneOf('network', NETWORKS, 'mainnet'),
    deposit_xpub: t.str('deposit_xpub', '').trim(),
    deposit_address_type: t.oneOf(
      'deposit_address_type',
      DEPOSIT_ADDRESS_TYPES,
      '',
      'btc_scanner.deposit_address_type must be one of p2pkh, p2sh-p2wpkh, p2wpkh, p2tr',
    ),
  };
}

function ethScanner(t: ConfigTable): EthScannerConfig {
  return {
    ...scanner(t, {
      enabled: false,
      scan_period: '5s',
      initial_scan_height: 4654259,
      confirmations_required: 1,
    }),
    chain_id: t.int('chain_id', 0),
    logs_chunk_size: t.int('logs_chunk_size', 1000),
    deposit_xpub: t.str('deposit_xpub', '').trim(),
  };
}

function token(t: ConfigTable): TokenConfig {
  return {
    symbol: t.str('symbol', ''),
    contract: t.str('contract', ''),
    decimals: t.int('decimals'),
    exchange_rate: t.rate('exchange_rate'),
  };
}

function marketRate(t: ConfigTable): MarketRateConfig {
  return {
    coin: t.str('coin', ''),
    sources: t.strings('sources', []),
    symbol: t.str('symbol', ''),
    spread_percent: t.decimal('spread_percent', '0'),
    max_age_ms: t.duration('max_age', '2m'),
    max_disagreement_percent: t.decimal('max_disagreement_percent', '2'),
    max_move_percent: t.decimal('max_move_percent', '10'),
    move_window_ms: t.duration('move_window', '10m'),
    poll_interval_ms: t.duration('poll_interval', '30s'),
  };
}

function skyExchanger(t: ConfigTable): SkyExchangerConfig {
  const c2cx = t.table('c2cx');
  const passthrough = t.table('passthrough');
  return {
    sky_btc_exchange_rate: t.rate('sky_btc_exchange_rate'),
    sky_eth_exchange_rate: t.rate('sky_eth_exchange_rate'),
    sky_sky_exchange_rate: t.rate('sky_sky_exchange_rate'),
    max_decimals: t.int('max_decimals', 3),
    tx_confirmation_check_wait_ms: t.duration('tx_confirmation_check_wait', '5s'),
    wallet: t.str('wallet', ''),
    send_enabled: t.bool('send_enabled', true),
    buy_method: t.oneOf(
      'buy_method',
      BUY_METHODS,
      'direct',
      'sky_exchanger.buy_method must be "direct" or "passthrough"',
    ),
    c2cx: {
      key: c2cx.str('key', ''),
      secret: c2cx.str('secret', ''),
      request_failure_wait_ms: c2cx.duration('request_failure_wait', '10s'),
      ratelimit_wait_ms: c2cx.duration('ratelimit_wait', '30s'),
      check_order_wait_ms: c2cx.duration('check_order_wait', '2s'),
      btc_minimum_volume: c2cx.decimal('btc_minimum_volume', '0.005'),
    },
    passthrough: {
      exchange: passthrough.str('exchange', 'simulated'),
      api_key: passthrough.str('api_key', ''),
      secret: passthrough.str('secret', ''),
      symbol: passthrough.str('symbol', 'SKY/BTC'),
      fee: passthrough.decimal('fee', '0.001'),
    },
  };
}

function payout(t: ConfigTable): PayoutConfig {
  const evm = t.table('evm');
  return {
    coin: t.oneOf('coin', PAYOUT_COINS, 'SKY'),
    sky_node_url: t.str('sky_node_url', ''),
    approval_above: t.decimal('approval_above', '0'),
    evm: {
      rpc_url: evm.str('rpc_url', 'http://127.0.0.1:8545'),
      chain_id: evm.int('chain_id', 31337),
      keystore: evm.str('keystore', ''),
      token: evm.str('token', ''),
      decimals: evm.int('decimals', 18),
      confirmations_required: evm.int('confirmations_required', 1),
      rebroadcast_after_ms: evm.duration('rebroadcast_after', '2m'),
      max_fee_per_gas: evm.decimal('max_fee_per_gas', '200'),
      max_priority_fee_per_gas: evm.decimal('max_priority_fee_per_gas', '20'),
    },
  };
}

function web(t: ConfigTable): WebConfig {
  return {
    http_addr: t.str('http_addr', '127.0.0.1:7071'),
    https_addr: t.str('https_addr', ''),
    static_dir: t.str('static_dir', './web/build'),
    auto_tls_host: t.str('auto_tls_host', ''),
    tls_cert: t.str('tls_cert', ''),
    tls_key: t.str('tls_key', ''),
    throttle_max: t.int('throttle_max', 60),
    throttle_duration_ms: t.duration('throttle_duration', '1m'),
    behind_proxy: t.bool('behind_proxy', false),
    cors_allowed: t.strings('cors_allowed', []),
    max_body_bytes: t.int('max_body_bytes', 65536),
    bind_max_per_hour: t.int('bind_max_per_hour', 0),
    bind_max_per_day: t.int('bind_max_per_day', 0),
    bind_pause_per_hour: t.int('bind_pause_per_hour', 0),
    max_connections: t.int('max_connections', 256),
  };
}

/** Reads every key from the root table; type problems land in the table's findings. */
export function readConfig(root: ConfigTable): Config {
  const teller = root.table('teller');
  const skyRpc = root.table('sky_rpc');
  const btcRpc = root.table('btc_rpc');
  const ethRpc = root.table('eth_rpc');
  const admin = root.table('admin_panel');
  const dummy = root.table('dummy');
  const metrics = root.table('metrics');
  const notification = root.table('notification');
  const backup = root.table('backup');
  return {
    debug: root.bool('debug', true),
    logfile: root.str('logfile', './teller.log'),
    dbfile: root.str('dbfile', 'teller.db'),
    pidfile: root.str('pidfile', ''),
    btc_addresses: root.str('btc_addresses', ''),
    eth_addresses: root.str('eth_addresses', ''),
    sky_addresses: root.str('sky_addresses', ''),
    teller: {
      max_bound_addrs: teller.int('max_bound_addrs', 5),
      bind_enabled: teller.bool('bind_enabled', true),
    },
    sky_rpc: { address: skyRpc.str('address', '127.0.0.1:6430') },
    btc_rpc: {
      server: btcRpc.str('server', '127.0.0.1:8334'),
      user: btcRpc.str('user', ''),
      pass: btcRpc.str('pass', ''),
      cert: btcRpc.str('cert', ''),
    },
    eth_rpc: { server: ethRpc.str('server', ''), port: ethRpc.strOrInt('port', '') },
    btc_scanner: btcScanner(root.table('btc_scanner')),
    eth_scanner: ethScanner(root.table('eth_scanner')),
    sky_scanner: scanner(root.table('sky_scanner'), {
      enabled: false,
      scan_period: '5s',
      initial_scan_height: 17000,
      confirmations_required: 0,
    }),
    eth_tokens: root.tables('eth_tokens').map(token),
    market_rates: root.tables('market_rates').map(marketRate),
    sky_exchanger: skyExchanger(root.table('sky_exchanger')),
    payout: payout(root.table('payout')),
    web: web(root.table('web')),
    admin_panel: {
      host: admin.str('host', '127.0.0.1:7711'),
      token: admin.str('token', ''),
      allowed_hosts: admin.strings('allowed_hosts', []),
    },
    dummy: {
      scanner: dummy.bool('scanner', false),
      sender: dummy.bool('sender', false),
      http_addr: dummy.str('http_addr', '127.0.0.1:4121'),
      token: dummy.str('token', ''),
      allowed_hosts: dummy.strings('allowed_hosts', []),
    },
    metrics: { http_addr: metrics.str('http_addr', '') },
    notification: {
      hook_url: notification.str('hook_url', ''),
      server_name: notification.str('server_name', ''),
      hot_wallet_low: notification.decimal('hot_wallet_low', '0'),
      pool_low: notification.int('pool_low', 10),
      scanner_lag_blocks: notification.int('scanner_lag_blocks', 6),
    },
    backup: {
      schedule: backup.str('schedule', ''),
      keep: backup.int('keep', 7),
      dir: backup.str('dir', 'backups'),
    },
  };
}

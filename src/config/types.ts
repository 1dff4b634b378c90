/**
 * The typed configuration. Field names mirror the TOML keys of skycoin/teller's config.toml
 * exactly (snake_case), so an operator's key and the code's field are the same word. Durations
 * are milliseconds (`*_ms`); the TOML keeps teller's names (`scan_period = "20s"`).
 */

export type Network = 'mainnet' | 'testnet' | 'regtest';

export interface ScannerConfig {
  enabled: boolean;
  /** TOML `scan_period` (Go duration). */
  scan_period_ms: number;
  initial_scan_height: number;
  /** Confirmations counted as bitcoind does: tip - height + 1 >= confirmations_required. */
  confirmations_required: number;
}

export interface BtcScannerConfig extends ScannerConfig {
  /** Beyond teller: which Bitcoin network the pool addresses and the node are on. */
  network: Network;
  /** Beyond teller: derive deposit addresses from this account xpub (ypub, zpub, tpub…) instead of btc_addresses. */
  deposit_xpub: string;
  /** Address type derived from deposit_xpub: p2pkh, p2sh-p2wpkh, p2wpkh, p2tr ('' = the prefix's). */
  deposit_address_type: '' | 'p2pkh' | 'p2sh-p2wpkh' | 'p2wpkh' | 'p2tr';
}

export interface EthScannerConfig extends ScannerConfig {
  /** Beyond teller: expected chain id (0 = accept whatever the node reports). */
  chain_id: number;
  /** Blocks per eth_getLogs request when catching up. */
  logs_chunk_size: number;
  /** Beyond teller: derive ETH/token deposit addresses from this account xpub (m/44'/60'/0') instead of eth_addresses. */
  deposit_xpub: string;
}

/** Beyond teller: an ERC-20 token accepted as a deposit coin (`[[eth_tokens]]`). */
export interface TokenConfig {
  symbol: string;
  contract: string;
  decimals: number;
  /** Payout coins per 1 token (same syntax as sky_exchanger rates). */
  exchange_rate: string;
}

/**
 * Beyond teller (issue 20): a deposit coin whose rate follows the market (`[[market_rates]]`)
 * instead of its fixed config rate. Percentages and the rate are decimal strings.
 */
export interface MarketRateConfig {
  /** The deposit coin (BTC, ETH, SKY or a token symbol). */
  coin: string;
  /** Price sources: ccxt exchange ids, or `simulated` / `simulated-<name>` (dummy mode only). */
  sources: string[];
  /** ccxt market symbol (`SKY/BTC`): its base or its quote is `coin`, the other the payout coin. */
  symbol: string;
  /** Kept below the market, in percent: rate = median × (1 − spread/100), rounded down. */
  spread_percent: string;
  /** A source's price older than this is not used; none fresh pauses binds. */
  max_age_ms: number;
  /** Sources further apart than this (percent of the median) pause binds; "0" = unchecked. */
  max_disagreement_percent: string;
  /** A median that moved more than this (percent) within move_window pauses binds; "0" = unchecked. */
  max_move_percent: string;
  move_window_ms: number;
  poll_interval_ms: number;
}

export interface C2cxConfig {
  key: string;
  secret: string;
  request_failure_wait_ms: number;
  ratelimit_wait_ms: number;
  check_order_wait_ms: number;
  /** Decimal string (teller's `btc_minimum_volume`, default "0.005"). */
  btc_minimum_volume: string;
}

/** Beyond teller: the passthrough exchange client. */
export interface PassthroughConfig {
  /** 'simulated' (dummy mode) or a ccxt exchange id such as 'binance'. */
  exchange: string;
  api_key: string;
  secret: string;
  /** Market symbol of the payout coin bought with the deposit coin, e.g. "SKY/BTC". */
  symbol: string;
  /** Exchange taker fee as a fraction, deducted from the amount bought ("0.001"). */
  fee: string;
}

export interface SkyExchangerConfig {
  sky_btc_exchange_rate: string;
  sky_eth_exchange_rate: string;
  sky_sky_exchange_rate: string;
  max_decimals: number;
  tx_confirmation_check_wait_ms: number;
  wallet: string;
  send_enabled: boolean;
  buy_method: 'direct' | 'passthrough';
  c2cx: C2cxConfig;
  passthrough: PassthroughConfig;
}

export interface WebConfig {
  http_addr: string;
  https_addr: string;
  static_dir: string;
  auto_tls_host: string;
  tls_cert: string;
  tls_key: string;
  throttle_max: number;
  throttle_duration_ms: number;
  behind_proxy: boolean;
  cors_allowed: string[];
  /** Beyond teller: largest accepted request body in bytes. */
  max_body_bytes: number;
  /** Beyond teller: binds per client (IP) per hour and per day, every coin together (0 = no cap). */
  bind_max_per_hour: number;
  bind_max_per_day: number;
  /** Beyond teller: binds pause (429, with an alert) while the last hour's binds reach this (0 = never). */
  bind_pause_per_hour: number;
  /** Beyond teller: open connections each listener accepts (idle ones are closed first to make room). */
  max_connections: number;
}

/** Beyond teller: what pays the buyer. */
export interface PayoutConfig {
  coin: 'SKY' | 'ETH' | 'ERC20';
  evm: {
    rpc_url: string;
    chain_id: number;
    keystore: string;
    token: string;
    decimals: number;
    confirmations_required: number;
    /** Re-broadcast (and fee-bump) a payout not mined after this long. */
    rebroadcast_after_ms: number;
    /**
     * Fee ceiling, in gwei (decimal string, at most 9 decimals): no payout is signed with a higher
     * max fee per gas; a payout that would need more waits (and an alert fires).
     */
    max_fee_per_gas: string;
    /** Ceiling of the priority fee (tip) per gas, in gwei; at most max_fee_per_gas. */
    max_priority_fee_per_gas: string;
  };
  /**
   * Skycoin node REST API base URL for the SKY sender (teller used the obsolete webrpc at
   * `sky_rpc.address`); '' in the file means `http://<sky_rpc.address>`.
   */
  sky_node_url: string;
  /**
   * Payouts above this many payout coins (decimal string) wait for an admin approval
   * (`POST /api/deposits/<id>/approve`); "0" = no cap.
   */
  approval_above: string;
}

export interface Config {
  debug: boolean;
  logfile: string;
  dbfile: string;
  pidfile: string;
  btc_addresses: string;
  eth_addresses: string;
  sky_addresses: string;
  teller: { max_bound_addrs: number; bind_enabled: boolean };
  sky_rpc: { address: string };
  btc_rpc: { server: string; user: string; pass: string; cert: string };
  eth_rpc: { server: string; port: string };
  btc_scanner: BtcScannerConfig;
  eth_scanner: EthScannerConfig;
  sky_scanner: ScannerConfig;
  eth_tokens: TokenConfig[];
  market_rates: MarketRateConfig[];
  sky_exchanger: SkyExchangerConfig;
  payout: PayoutConfig;
  web: WebConfig;
  /**
   * `allowed_hosts` (beyond teller): `Host` names the listener answers besides loopback ones
   * (`name` = any port, `name:port` = that port only).
   */
  admin_panel: { host: string; token: string; allowed_hosts: string[] };
  /** `token` and `allowed_hosts` (beyond teller) as in admin_panel, for the dummy control API. */
  dummy: { scanner: boolean; sender: boolean; http_addr: string; token: string; allowed_hosts: string[] };
  metrics: { http_addr: string };
  notification: {
    hook_url: string;
    server_name: string;
    hot_wallet_low: string;
    pool_low: number;
    scanner_lag_blocks: number;
  };
  backup: { schedule: string; keep: number; dir: string };
}

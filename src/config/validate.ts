/**
 * Semantic checks on a typed Config, reporting every problem at once. Teller's checks come
 * first, with teller's texts and in teller's order (spec §2.3), relaxed where Teller no longer
 * needs them; checks of the keys beyond teller follow. No network access here: the app checks
 * the nodes when it starts.
 */
import path from 'node:path';
import { validate as isCronExpression } from 'node-cron';

import { parseUnits, rateProblem } from '../core/amounts';
import { BASE_COINS } from '../core/deposit';
import { errorMessage } from '../util/errors';
import { fileMissing, isDirectory, shownPath, staysInDataDir } from './paths';
import type { Findings } from './reader';
import type { Config } from './types';
import { validateSafety } from './validate-safety';
import { validateMarketRates } from './validate-rates';
import { validateListeners, validateWeb } from './validate-web';

export interface ValidateOptions {
  /** Relative paths (pool files, wallet, certs) resolve against this, as teller's os.Stat did. */
  cwd: string;
  /** The admin token came from TELLER_ADMIN_TOKEN (named in its problem instead of the key). */
  adminTokenFromEnv?: boolean;
}

type Check = (c: Config, opts: ValidateOptions, f: Findings) => void;

/** Skycoin's `visor.MaxDropletPrecision`: SKY amounts may have at most 3 decimals. */
export const MAX_DROPLET_PRECISION = 3;
/** Base-unit decimals of a SKY payout (droplets). */
const SKY_PAYOUT_DECIMALS = 6;
/** Decimals beyond this cannot be represented in a uint256 (10^78 > 2^256). */
const MAX_TOKEN_DECIMALS = 77;
const EVM_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const TOKEN_SYMBOL = /^[A-Z][A-Z0-9]{0,15}$/;
const MARKET_SYMBOL = /^[A-Z0-9]+\/[A-Z0-9]+$/;

const isUrl = (s: string, protocols: readonly string[]): boolean =>
  URL.canParse(s) && protocols.includes(new URL(s).protocol);

const addressFiles: Check = (c, { cwd }, f) => {
  const pools: [key: string, file: string, used: boolean, xpubKey: string, xpub: string][] = [
    ['btc_addresses', c.btc_addresses, true, 'btc_scanner.deposit_xpub', c.btc_scanner.deposit_xpub],
    [
      'eth_addresses',
      c.eth_addresses,
      c.eth_scanner.enabled,
      'eth_scanner.deposit_xpub',
      c.eth_scanner.deposit_xpub,
    ],
    ['sky_addresses', c.sky_addresses, c.sky_scanner.enabled, '', ''],
  ];
  for (const [key, file, used, xpubKey, xpub] of pools) {
    if (xpub !== '') {
      // A derived pool (src/pool/derived.ts); the key itself is parsed when the daemon starts.
      if (file !== '')
        f.problems.push(
          `${key} and ${xpubKey} are both set: a coin's addresses come from a pool file or an xpub, not both`,
        );
      continue;
    }
    if (!used) continue;
    if (file === '') f.problems.push(`${key} missing`);
    else if (fileMissing(cwd, file)) f.problems.push(`${key} file does not exist: ${shownPath(cwd, file)}`);
    else if (isDirectory(cwd, file)) f.problems.push(`${key} ${file} is a directory, not a file`);
  }
  const b = c.btc_scanner;
  if (b.deposit_xpub !== '' && b.deposit_address_type === '' && !/^[yzuv]pub/.test(b.deposit_xpub))
    f.problems.push(
      `btc_scanner.deposit_address_type missing: a ${b.deposit_xpub.slice(0, 4)} does not say which addresses to derive (p2pkh, p2sh-p2wpkh, p2wpkh or p2tr)`,
    );
  if (b.deposit_xpub === '' && b.deposit_address_type !== '')
    f.problems.push('btc_scanner.deposit_address_type is set but btc_scanner.deposit_xpub is not');
};

const nodes: Check = (c, { cwd }, f) => {
  if (c.dummy.scanner) return;
  if (c.btc_scanner.enabled) {
    for (const key of ['server', 'user', 'pass'] as const) {
      if (c.btc_rpc[key] === '') f.problems.push(`btc_rpc.${key} missing`);
    }
    if (c.btc_rpc.cert !== '' && fileMissing(cwd, c.btc_rpc.cert)) {
      f.problems.push(`btc_rpc.cert file does not exist: ${shownPath(cwd, c.btc_rpc.cert)}`);
    }
  }
  if (c.eth_scanner.enabled) {
    if (c.eth_rpc.server === '') f.problems.push('eth_rpc.server missing');
    // A full URL in eth_rpc.server carries its own port (beyond teller, which always joined them).
    const serverIsUrl = /^(https?|wss?):\/\//i.test(c.eth_rpc.server);
    if (c.eth_rpc.port === '') {
      if (!serverIsUrl) f.problems.push('eth_rpc.port missing');
    } else if (!/^\d{1,5}$/.test(c.eth_rpc.port) || Number(c.eth_rpc.port) > 65535) {
      f.problems.push(`eth_rpc.port must be a port number, got "${c.eth_rpc.port}"`);
    }
  }
  if (c.sky_scanner.enabled && c.sky_rpc.address === '') f.problems.push('sky_rpc.address missing');
};

/** [key, value, minimum]; the first five are teller's (`must be >= 0`). */
const minimums = (c: Config): [string, number, number][] => [
  ['btc_scanner.confirmations_required', c.btc_scanner.confirmations_required, 0],
  ['btc_scanner.initial_scan_height', c.btc_scanner.initial_scan_height, 0],
  ['eth_scanner.confirmations_required', c.eth_scanner.confirmations_required, 0],
  ['eth_scanner.initial_scan_height', c.eth_scanner.initial_scan_height, 0],
  ['sky_scanner.initial_scan_height', c.sky_scanner.initial_scan_height, 0],
  ['sky_scanner.confirmations_required', c.sky_scanner.confirmations_required, 0],
  ['eth_scanner.chain_id', c.eth_scanner.chain_id, 0],
  ['eth_scanner.logs_chunk_size', c.eth_scanner.logs_chunk_size, 1],
  ['payout.evm.chain_id', c.payout.evm.chain_id, 1],
  ['payout.evm.confirmations_required', c.payout.evm.confirmations_required, 1],
  ['web.throttle_max', c.web.throttle_max, 0],
  ['web.max_body_bytes', c.web.max_body_bytes, 1],
  ['web.bind_max_per_hour', c.web.bind_max_per_hour, 0],
  ['web.bind_max_per_day', c.web.bind_max_per_day, 0],
  ['web.bind_pause_per_hour', c.web.bind_pause_per_hour, 0],
  ['notification.pool_low', c.notification.pool_low, 0],
  ['notification.scanner_lag_blocks', c.notification.scanner_lag_blocks, 0],
  ['backup.keep', c.backup.keep, 1],
];

const passthroughScanners: Check = (c, _opts, f) => {
  if (c.sky_exchanger.buy_method !== 'passthrough') return;
  if (c.eth_scanner.enabled) f.problems.push('eth_scanner must be disabled for buy_method passthrough');
  if (c.sky_scanner.enabled) f.problems.push('sky_scanner must be disabled for buy_method passthrough');
};

const exchanger: Check = (c, _opts, f) => {
  const x = c.sky_exchanger;
  const rates: [key: string, rate: string, required: boolean][] = [
    ['sky_btc_exchange_rate', x.sky_btc_exchange_rate, true],
    ['sky_eth_exchange_rate', x.sky_eth_exchange_rate, c.eth_scanner.enabled],
    ['sky_sky_exchange_rate', x.sky_sky_exchange_rate, c.sky_scanner.enabled],
  ];
  for (const [key, rate, required] of rates) {
    if (!required && rate === '') continue;
    const problem = rateProblem(`sky_exchanger.${key}`, rate);
    if (problem !== undefined) f.problems.push(problem);
  }
  if (x.max_decimals < 0) {
    f.problems.push("sky_exchanger.max_decimals can't be negative");
  } else if (c.payout.coin === 'SKY' && x.max_decimals > MAX_DROPLET_PRECISION) {
    f.problems.push(
      `sky_exchanger.max_decimals is larger than visor.MaxDropletPrecision=${MAX_DROPLET_PRECISION}`,
    );
  } else if (c.payout.coin !== 'SKY' && x.max_decimals > c.payout.evm.decimals) {
    f.problems.push(`sky_exchanger.max_decimals is larger than payout.evm.decimals=${c.payout.evm.decimals}`);
  }
  const p = x.passthrough;
  if (x.buy_method === 'passthrough') {
    if (p.exchange === '') f.problems.push('sky_exchanger.passthrough.exchange missing');
    else if (p.exchange !== 'simulated') {
      if (p.api_key === '')
        f.problems.push('sky_exchanger.passthrough.api_key must be set for buy_method passthrough');
      if (p.secret === '')
        f.problems.push('sky_exchanger.passthrough.secret must be set for buy_method passthrough');
    }
  }
  if (!MARKET_SYMBOL.test(p.symbol)) {
    f.problems.push(`sky_exchanger.passthrough.symbol must look like "SKY/BTC", got "${p.symbol}"`);
  }
  if (Number(p.fee) >= 1)
    f.problems.push(`sky_exchanger.passthrough.fee must be less than 1, got "${p.fee}"`);
  if (x.c2cx.key !== '' || x.c2cx.secret !== '') {
    f.warnings.push('sky_exchanger.c2cx: not used; passthrough buys through sky_exchanger.passthrough');
  }
};

/** The hot wallet (SKY) or keystore (EVM), unless the dummy sender pays. */
const hotWallet: Check = (c, { cwd }, f) => {
  if (c.dummy.sender) return;
  const [key, file] =
    c.payout.coin === 'SKY'
      ? ['sky_exchanger.wallet', c.sky_exchanger.wallet]
      : ['payout.evm.keystore', c.payout.evm.keystore];
  if (file === '') f.problems.push(`${key} missing`);
  else if (fileMissing(cwd, file)) {
    const shown = shownPath(cwd, file);
    // teller's text, `<key> file <path> does not exist`, with the absolute path after it.
    f.problems.push(`${key} file ${file} does not exist${shown.slice(file.length)}`);
  }
};

const tokens: Check = (c, _opts, f) => {
  const symbols = new Set<string>();
  const contracts = new Set<string>();
  c.eth_tokens.forEach((t, i) => {
    const key = `eth_tokens[${i}]`;
    if (t.symbol === '') f.problems.push(`${key}.symbol missing`);
    else if (!TOKEN_SYMBOL.test(t.symbol)) {
      f.problems.push(`${key}.symbol must be upper-case letters and digits, got "${t.symbol}"`);
    } else if ((BASE_COINS as readonly string[]).includes(t.symbol)) {
      f.problems.push(`${key}.symbol ${t.symbol} clashes with a built-in coin`);
    } else if (symbols.has(t.symbol)) f.problems.push(`${key}.symbol ${t.symbol} is listed twice`);
    symbols.add(t.symbol);
    if (t.contract === '') f.problems.push(`${key}.contract missing`);
    else if (!EVM_ADDRESS.test(t.contract)) {
      f.problems.push(`${key}.contract must be a 0x-prefixed 40-hex-digit address, got "${t.contract}"`);
    } else if (contracts.has(t.contract.toLowerCase())) {
      f.problems.push(`${key}.contract ${t.contract} is listed twice`);
    }
    contracts.add(t.contract.toLowerCase());
    if (t.decimals < 0 || t.decimals > MAX_TOKEN_DECIMALS) {
      f.problems.push(`${key}.decimals must be between 0 and ${MAX_TOKEN_DECIMALS}`);
    }
    const problem = rateProblem(`${key}.exchange_rate`, t.exchange_rate);
    if (problem !== undefined) f.problems.push(problem);
  });
  if (c.eth_tokens.length > 0 && !c.eth_scanner.enabled) {
    f.warnings.push('eth_tokens: ignored while eth_scanner.enabled is false');
  }
};

const payout: Check = (c, _opts, f) => {
  const { coin, evm } = c.payout;
  if (evm.decimals < 0 || evm.decimals > MAX_TOKEN_DECIMALS) {
    f.problems.push(`payout.evm.decimals must be between 0 and ${MAX_TOKEN_DECIMALS}`);
  }
  if (coin === 'ETH' && evm.decimals !== 18)
    f.problems.push('payout.evm.decimals must be 18 for payout.coin ETH');
  if (coin === 'ERC20' && evm.token === '')
    f.problems.push('payout.evm.token missing (needed for payout.coin ERC20)');
  if (evm.token !== '' && !EVM_ADDRESS.test(evm.token)) {
    f.problems.push(`payout.evm.token must be a 0x-prefixed 40-hex-digit address, got "${evm.token}"`);
  }
  // The cap is compared with every payout in the payout coin's base units: finer than those, it
  // failed each deposit's send step instead of the start.
  const payoutDecimals = coin === 'SKY' ? SKY_PAYOUT_DECIMALS : coin === 'ETH' ? 18 : evm.decimals;
  if (payoutDecimals >= 0 && payoutDecimals <= MAX_TOKEN_DECIMALS) {
    try {
      parseUnits(c.payout.approval_above, payoutDecimals);
    } catch (err) {
      f.problems.push(`payout.approval_above invalid: ${errorMessage(err)} (payout coin ${coin})`);
    }
  }
  feeCeiling(c, f);
  if (c.dummy.sender) return;
  if (coin === 'SKY' && c.payout.sky_node_url !== '' && !isUrl(c.payout.sky_node_url, ['http:', 'https:'])) {
    f.problems.push(`payout.sky_node_url must be an http(s) URL, got "${c.payout.sky_node_url}"`);
  }
  if (coin !== 'SKY' && !isUrl(evm.rpc_url, ['http:', 'https:', 'ws:', 'wss:'])) {
    f.problems.push(`payout.evm.rpc_url must be an http(s) or ws(s) URL, got "${evm.rpc_url}"`);
  }
};

/** Decimals of a gwei amount in wei. */
const GWEI_DECIMALS = 9;

/** `payout.evm.<key>` (gwei) in wei, or null with a problem naming the key. */
function gweiSetting(
  c: Config,
  key: 'max_fee_per_gas' | 'max_priority_fee_per_gas',
  f: Findings,
): bigint | null {
  const text = c.payout.evm[key];
  let wei: bigint;
  try {
    wei = parseUnits(text, GWEI_DECIMALS);
  } catch {
    f.problems.push(`payout.evm.${key} must be gwei with at most ${GWEI_DECIMALS} decimals, got "${text}"`);
    return null;
  }
  if (wei > 0n) return wei;
  f.problems.push(`payout.evm.${key} must be more than 0 gwei`);
  return null;
}

/** The EVM fee ceiling: whole wei, above 0, the tip's no higher than the max fee. */
function feeCeiling(c: Config, f: Findings): void {
  const maxFee = gweiSetting(c, 'max_fee_per_gas', f);
  const maxTip = gweiSetting(c, 'max_priority_fee_per_gas', f);
  if (maxFee !== null && maxTip !== null && maxTip > maxFee) {
    f.problems.push(
      `payout.evm.max_priority_fee_per_gas (${c.payout.evm.max_priority_fee_per_gas} gwei) must not exceed ` +
        `payout.evm.max_fee_per_gas (${c.payout.evm.max_fee_per_gas} gwei)`,
    );
  }
}

const operations: Check = (c, opts, f) => {
  if (c.dbfile === '') f.problems.push('dbfile missing');
  else if (!staysInDataDir(c.dbfile))
    f.problems.push(`dbfile must name a file inside the data dir, got "${c.dbfile}"`);
  if (c.pidfile !== '') {
    // Written once the listeners are up: a directory that is not there must fail before that.
    const dir = path.dirname(path.resolve(opts.cwd, c.pidfile));
    if (!isDirectory(dir, '.')) f.problems.push(`pidfile ${c.pidfile}: directory ${dir} does not exist`);
    else if (isDirectory(opts.cwd, c.pidfile)) f.problems.push(`pidfile ${c.pidfile} is a directory`);
  }
  const token = c.admin_panel.token;
  if (token !== '' && token.length < 16) {
    const key = opts.adminTokenFromEnv ? 'TELLER_ADMIN_TOKEN' : 'admin_panel.token';
    f.problems.push(`${key} must be at least 16 characters`);
  }
  const hook = c.notification.hook_url;
  if (hook !== '' && !isUrl(hook, ['http:', 'https:'])) {
    f.problems.push(`notification.hook_url must be an http(s) URL, got "${hook}"`);
  }
  if (c.backup.schedule !== '' && !isCronExpression(c.backup.schedule)) {
    f.problems.push(`backup.schedule is not a cron expression: "${c.backup.schedule}"`);
  }
  if (c.backup.dir === '') f.problems.push('backup.dir missing');
};

const numbers: Check = (c, _opts, f) => {
  for (const [key, value, min] of minimums(c)) {
    if (value < min) f.problems.push(`${key} must be >= ${min}`);
  }
};

/**
 * Teller's `confirmations_required = N` waited for N blocks on top of the deposit's (N + 1
 * confirmations); Teller counts as bitcoind does, so an unchanged config pays one block earlier.
 */
const confirmationDepth: Check = (c, _opts, f) => {
  if (c.dummy.scanner) return;
  for (const [key, scanner] of [
    ['btc_scanner', c.btc_scanner],
    ['eth_scanner', c.eth_scanner],
  ] as const) {
    const n = scanner.confirmations_required;
    if (!scanner.enabled || n < 0 || n >= 2) continue;
    f.warnings.push(
      `${key}.confirmations_required = ${n}: a deposit is paid at 1 confirmation, counted as ` +
        `bitcoind does (its own block is the first); teller's ${n} meant ${n + 1}. Fewer than 2 is ` +
        `easily undone by a reorg: set ${n + 1} to keep teller's depth`,
    );
  }
};

/** In teller's order first (§2.3 items 1–9), then the checks of keys beyond teller. */
const CHECKS: readonly Check[] = [
  addressFiles,
  nodes,
  numbers,
  passthroughScanners,
  exchanger,
  hotWallet,
  (c, opts, f) => validateWeb(c.web, opts.cwd, f),
  tokens,
  payout,
  (c, _opts, f) => validateListeners(c, f),
  operations,
  confirmationDepth,
  (c, _opts, f) => validateSafety(c, f),
  (c, _opts, f) => validateMarketRates(c, f),
];

/** Every problem (fatal) and warning of a typed config. */
export function validateConfig(c: Config, opts: ValidateOptions): Findings {
  const findings: Findings = { problems: [], warnings: [] };
  for (const check of CHECKS) check(c, opts, findings);
  return findings;
}

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import type { Network } from '../../src/config/types';
import { reasonOf } from '../../src/pool/errors';
import {
  generateBtcAddresses,
  generateEthAddresses,
  writeKeysFile,
  writePoolFile,
  type Generated,
} from '../../src/pool/generate';
import type { PoolCoin } from '../../src/pool/load';
import { TellerError } from '../../src/util/errors';

/**
 * argv front ends of the address generators (src/pool/generate.ts). They only parse and report:
 * `run*Cli(argv, io)` returns the exit code (0 ok, 1 failure, 2 usage), so tests and a `teller`
 * subcommand can call them without spawning a process.
 */

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

class UsageError extends TellerError {
  constructor(message: string) {
    super('usage', message);
  }
}

const BTC_TYPES = ['p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr'] as const;
const NETWORKS: readonly Network[] = ['mainnet', 'testnet', 'regtest'];

const COMMON_USAGE = `  --count N            how many addresses (required)
  --start N            first index (default 0)
  --account N          BIP44 account (default 0)
  --out FILE           write the pool file there (refuses to overwrite); default: print addresses
  --format text|json   pool file format (default: json if FILE ends in .json, else text)
  --keys FILE          also write the keys (JSON, mode 0600, refuses to overwrite)
  --mnemonic-file FILE read the BIP39 mnemonic from FILE (keeps it out of shell history)
  --passphrase P       BIP39 passphrase`;

export const BTC_USAGE = `usage: gen-btc-addresses (--mnemonic "words..." | --mnemonic-file FILE | --seed HEX | --xpub XPUB) --count N [options]
  --network mainnet|testnet|regtest   (default mainnet)
  --type p2pkh|p2sh-p2wpkh|p2wpkh|p2tr (default p2wpkh; BIP44/49/84/86 paths)
${COMMON_USAGE}`;

export const ETH_USAGE = `usage: gen-eth-addresses (--mnemonic "words..." | --mnemonic-file FILE) --count N [options]
  addresses at m/44'/60'/account'/0/i
${COMMON_USAGE}`;

const OPTIONS = {
  mnemonic: { type: 'string' },
  'mnemonic-file': { type: 'string' },
  passphrase: { type: 'string' },
  seed: { type: 'string' },
  xpub: { type: 'string' },
  network: { type: 'string' },
  type: { type: 'string' },
  count: { type: 'string' },
  start: { type: 'string' },
  account: { type: 'string' },
  out: { type: 'string' },
  keys: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

function parse(argv: string[]): Values {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(reasonOf(err));
  }
}

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  const found = allowed.find((a) => a === value);
  if (found === undefined)
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got "${value}"`);
  return found;
}

function mnemonicOf(v: Values): string | undefined {
  if (v.mnemonic !== undefined && v['mnemonic-file'] !== undefined) {
    throw new UsageError('give --mnemonic or --mnemonic-file, not both');
  }
  if (v['mnemonic-file'] === undefined) return v.mnemonic;
  return readFileSync(v['mnemonic-file'], 'utf8').trim();
}

function counts(v: Values): { count: number; start?: number; account?: number } {
  const count = integer('count', v.count);
  if (count === undefined) throw new UsageError('--count is required');
  return { count, start: integer('start', v.start), account: integer('account', v.account) };
}

/** Writes (or prints) the result and says what was done. */
function emit(coin: PoolCoin, v: Values, result: Generated, header: string[], io: CliIo): void {
  const fallback = v.out !== undefined && extname(v.out) === '.json' ? 'json' : 'text';
  const format = oneOf('format', v.format, ['text', 'json'] as const, fallback);
  if (v.out === undefined) io.out(result.addresses.join('\n') + '\n');
  else writePoolFile(v.out, coin, result.addresses, format, header);
  if (v.keys !== undefined) writeKeysFile(v.keys, result.keys);
  const first = result.keys[0]?.path ?? '';
  const where = [v.out && `pool → ${v.out}`, v.keys && `keys → ${v.keys}`].filter(Boolean).join(', ');
  io.err(`${result.addresses.length} ${coin} addresses from ${first}${where ? `; ${where}` : ''}\n`);
}

function run(argv: string[], io: CliIo, usage: string, body: (v: Values) => void): number {
  try {
    const v = parse(argv);
    if (v.help) {
      io.out(`${usage}\n`);
      return 0;
    }
    body(v);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}\n${usage}\n`);
      return 2;
    }
    io.err(`error: ${reasonOf(err)}\n`);
    return 1;
  }
}

export function runGenBtcCli(argv: string[], io: CliIo): number {
  return run(argv, io, BTC_USAGE, (v) => {
    const { count, start, account } = counts(v);
    const network = oneOf('network', v.network, NETWORKS, 'mainnet');
    const type = oneOf('type', v.type, BTC_TYPES, 'p2wpkh');
    const given = [v.mnemonic, v['mnemonic-file'], v.seed, v.xpub].filter((s) => s !== undefined).length;
    if (given !== 1) throw new UsageError('give exactly one of --mnemonic, --mnemonic-file, --seed, --xpub');
    const mnemonic = mnemonicOf(v);
    const result = generateBtcAddresses({
      seed: mnemonic ?? v.seed,
      passphrase: v.passphrase,
      xpub: v.xpub,
      network,
      type,
      start,
      count,
      account,
    });
    const header = [`BTC deposit addresses (${network}, ${type}), generated by gen-btc-addresses.`];
    emit('BTC', v, result, header, io);
  });
}

export function runGenEthCli(argv: string[], io: CliIo): number {
  return run(argv, io, ETH_USAGE, (v) => {
    for (const flag of ['seed', 'xpub', 'network', 'type'] as const) {
      if (v[flag] !== undefined) throw new UsageError(`--${flag} does not apply to ETH`);
    }
    const { count, start, account } = counts(v);
    const mnemonic = mnemonicOf(v);
    if (mnemonic === undefined) throw new UsageError('--mnemonic or --mnemonic-file is required');
    const result = generateEthAddresses({ mnemonic, passphrase: v.passphrase, count, start, account });
    emit('ETH', v, result, ['ETH deposit addresses, generated by gen-eth-addresses.'], io);
  });
}

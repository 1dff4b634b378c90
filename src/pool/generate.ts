import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { BIP32Interface } from 'bip32';
import { mnemonicToSeedSync, validateMnemonic } from 'bip39';
import { btcNetwork } from '../chains/bitcoin/address';
import {
  bip32,
  btcKeyAddress,
  btcXpubNode,
  XpubError,
  type BtcKeyAddressType,
} from '../chains/bitcoin/derive';
import { deriveEthKeys } from '../chains/ethereum/address';
import { skycoinAddressFromPubKey } from '../chains/skycoin/address';
import type { Network } from '../config/types';
import { GenerateError, reasonOf } from './errors';
import { poolJsonKey, type PoolCoin } from './load';
import { normalizeAddress } from './validate';

/**
 * Deposit-address generation (BIP32/39/44), replacing teller's `tool newbtcaddress`, which used
 * Skycoin's chained derivation, made only P2PKH and never exported the keys.
 */

export type { BtcKeyAddressType };
export { btcKeyAddress };

export interface GeneratedKey {
  index: number;
  /** BIP32 path from the master key (`m/84'/0'/0'/0/5`), or from an xpub (`M/0/5`). */
  path: string;
  address: string;
  /** Compressed public key, hex. */
  publicKey?: string;
  /** BTC private key (WIF). Never present when generated from an xpub. */
  wif?: string;
  /** ETH (0x-hex) or SKY (hex) private key. */
  privateKey?: string;
}

export interface Generated {
  addresses: string[];
  keys: GeneratedKey[];
}

export interface BtcGenerateOptions {
  /** A BIP39 mnemonic (English) or a hex BIP32 seed (16 to 64 bytes). */
  seed?: string;
  /** BIP39 passphrase (the "25th word"); only with a mnemonic. */
  passphrase?: string;
  /** An account-level extended public key (xpub/tpub, or ypub/zpub/upub/vpub): derives 0/i. */
  xpub?: string;
  network: Network;
  type: BtcKeyAddressType;
  account?: number;
  start?: number;
  count: number;
}

const PURPOSE: Record<BtcKeyAddressType, number> = { p2pkh: 44, 'p2sh-p2wpkh': 49, p2wpkh: 84, p2tr: 86 };
const HARDENED = 0x80000000;

function checkRange(opts: { account?: number; start?: number; count: number }): {
  account: number;
  start: number;
} {
  const { account = 0, start = 0, count } = opts;
  const isIndex = (n: number): boolean => Number.isSafeInteger(n) && n >= 0 && n < HARDENED;
  if (!Number.isSafeInteger(count) || count < 1)
    throw new GenerateError(`count must be a positive integer, got ${count}`);
  if (!isIndex(account)) throw new GenerateError(`account must be an integer in [0, 2^31), got ${account}`);
  if (!isIndex(start)) throw new GenerateError(`start must be an integer in [0, 2^31), got ${start}`);
  if (start + count > HARDENED)
    throw new GenerateError('start + count must not exceed 2^31 (BIP32 non-hardened indexes)');
  return { account, start };
}

/** A BIP32 seed from a mnemonic or a hex seed; the mnemonic's checksum is checked. */
export function seedBytes(seed: string, passphrase = ''): Uint8Array {
  const s = seed.trim();
  if (/^[0-9a-fA-F]+$/.test(s)) {
    if (s.length % 2 !== 0 || s.length < 32 || s.length > 128) {
      throw new GenerateError('a hex seed must be 16 to 64 bytes (32 to 128 hex digits)');
    }
    if (passphrase) throw new GenerateError('a passphrase only applies to a mnemonic, not to a hex seed');
    return Uint8Array.from(Buffer.from(s, 'hex'));
  }
  const words = s.split(/\s+/).join(' ');
  if (!validateMnemonic(words)) {
    throw new GenerateError('invalid BIP39 mnemonic (unknown word, wrong word count or bad checksum)');
  }
  return Uint8Array.from(mnemonicToSeedSync(words, passphrase));
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function fromXpub(xpub: string, network: Network, type: BtcKeyAddressType): BIP32Interface {
  try {
    return btcXpubNode(xpub, network, type);
  } catch (err) {
    if (err instanceof XpubError) throw new GenerateError(err.message, { cause: err });
    throw err;
  }
}

/**
 * BTC deposit addresses: from a seed at m/purpose'/coin'/account'/0/i (purpose 44, 49, 84 or 86
 * by type; coin 0 on mainnet, 1 on test networks), with WIF keys; or from an account xpub at 0/i,
 * with paths only.
 */
export function generateBtcAddresses(opts: BtcGenerateOptions): Generated {
  const { account, start } = checkRange(opts);
  const { network, type, count } = opts;
  if ((opts.seed === undefined) === (opts.xpub === undefined)) {
    throw new GenerateError('give exactly one of a seed (mnemonic or hex) and an xpub');
  }
  let chain: BIP32Interface;
  let base: string;
  if (opts.xpub !== undefined) {
    if (opts.account !== undefined && opts.account !== 0) {
      throw new GenerateError('the account is fixed by the xpub; do not give one');
    }
    chain = fromXpub(opts.xpub.trim(), network, type).derive(0);
    base = 'M/0';
  } else {
    const coinType = network === 'mainnet' ? 0 : 1;
    const root = bip32.fromSeed(seedBytes(opts.seed ?? '', opts.passphrase), btcNetwork(network));
    base = `m/${PURPOSE[type]}'/${coinType}'/${account}'/0`;
    chain = root.derivePath(base);
  }
  const keys: GeneratedKey[] = [];
  for (let i = start; i < start + count; i++) {
    const child = chain.derive(i);
    const address = btcKeyAddress(child.publicKey, type, network);
    const key: GeneratedKey = { index: i, path: `${base}/${i}`, address, publicKey: hex(child.publicKey) };
    if (!child.isNeutered()) key.wif = child.toWIF();
    keys.push(key);
  }
  return { addresses: keys.map((k) => k.address), keys };
}

export interface MnemonicGenerateOptions {
  mnemonic: string;
  passphrase?: string;
  account?: number;
  start?: number;
  count: number;
}

/** ETH deposit addresses at BIP44 m/44'/60'/account'/0/i (MetaMask's, anvil's), EIP-55 checksummed. */
export function generateEthAddresses(opts: MnemonicGenerateOptions): Generated {
  const { account, start } = checkRange(opts);
  seedBytes(opts.mnemonic); // the same mnemonic check and message as for BTC
  const derived = deriveEthKeys(opts.mnemonic.trim().split(/\s+/).join(' '), {
    account,
    start,
    count: opts.count,
    passphrase: opts.passphrase,
  });
  const keys = derived.map((k) => ({
    index: k.index,
    path: k.path,
    address: k.address,
    privateKey: k.privateKey,
  }));
  return { addresses: keys.map((k) => k.address), keys };
}

/**
 * SKY deposit addresses at BIP44 m/44'/8000'/account'/0/i (SLIP-44 coin 8000, the Skycoin hardware
 * wallet's path), hashed into Skycoin addresses; privateKey is the Skycoin secret key (hex).
 */
export function generateSkyAddresses(opts: MnemonicGenerateOptions): Generated {
  const { account, start } = checkRange(opts);
  const base = `m/44'/8000'/${account}'/0`;
  const chain = bip32.fromSeed(seedBytes(opts.mnemonic, opts.passphrase)).derivePath(base);
  const keys: GeneratedKey[] = [];
  for (let i = start; i < start + opts.count; i++) {
    const child = chain.derive(i);
    const address = skycoinAddressFromPubKey(child.publicKey);
    const key: GeneratedKey = { index: i, path: `${base}/${i}`, address, publicKey: hex(child.publicKey) };
    if (child.privateKey !== undefined) key.privateKey = hex(child.privateKey);
    keys.push(key);
  }
  return { addresses: keys.map((k) => k.address), keys };
}

/** Creates `path` with `content`; never overwrites (a pool or key file is not something to lose). */
function writeNewFile(path: string, content: string, mode: number): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', mode);
  } catch (err) {
    const exists = typeof err === 'object' && err !== null && 'code' in err && err.code === 'EEXIST';
    throw new GenerateError(exists ? `${path} already exists: refusing to overwrite it` : reasonOf(err), {
      cause: err,
    });
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a pool file teller can load: text (one address a line, `header` lines as `#` comments) or
 * JSON (`{"btc_addresses": [...]}`, 4-space indent as teller's tool wrote). Addresses are written
 * normalized (ETH lowercase: no checksum to verify, so a large pool loads fast). Refuses to overwrite.
 */
export function writePoolFile(
  path: string,
  coin: PoolCoin,
  addresses: readonly string[],
  format: 'json' | 'text',
  header: readonly string[] = [],
): void {
  const list = addresses.map((a) => normalizeAddress(coin, a));
  const content =
    format === 'json'
      ? `${JSON.stringify({ [poolJsonKey(coin)]: list }, null, 4)}\n`
      : [...header.map((h) => `# ${h}`.trimEnd()), ...list, ''].join('\n');
  writeNewFile(path, content, 0o644);
}

/** Writes the private keys (JSON) readable by the owner only (mode 0600). Refuses to overwrite. */
export function writeKeysFile(path: string, keys: readonly GeneratedKey[]): void {
  writeNewFile(path, `${JSON.stringify(keys, null, 2)}\n`, 0o600);
}

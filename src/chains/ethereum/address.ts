import { getAddress, HDNodeWallet, Mnemonic } from 'ethers';

/**
 * Ethereum deposit addresses. Any case is accepted: all-lowercase and all-uppercase hex carry no
 * checksum; mixed case must be a valid EIP-55 checksum (a typo in a hand-edited pool is caught).
 * Matching is always on the lowercase form: teller compared lowercased `to` addresses against the
 * pool as written, so a checksummed pool address silently missed its deposits.
 */

// `0X` too: an address uppercased whole (as QR codes in alphanumeric mode do) is still the address.
const HEX_ADDRESS = /^0[xX][0-9a-fA-F]{40}$/;
const LOWERCASE_ADDRESS = /^0x[0-9a-f]{40}$/;
const ZERO_ADDRESS = `0x${'0'.repeat(40)}`;
const ZERO_REASON = 'the zero address cannot be a deposit address';

/** null when `addr` is a usable deposit address, else why not. */
export function ethAddressError(addr: string): string | null {
  // The common case (teller's pools were lowercase), in one regex: a million load in a blink.
  if (LOWERCASE_ADDRESS.test(addr)) return addr === ZERO_ADDRESS ? ZERO_REASON : null;
  if (!HEX_ADDRESS.test(addr)) {
    if (!/^0[xX]/.test(addr)) return 'must start with 0x';
    if (addr.length !== 42)
      return `must be 0x and 40 hex digits (got ${addr.length - 2} characters after 0x)`;
    return 'not a hex string';
  }
  const hex = addr.slice(2);
  // Keccak (for EIP-55) is the costly part of loading a large pool: only mixed case needs it.
  const lower = hex.toLowerCase();
  if (hex !== lower && hex !== hex.toUpperCase() && getAddress(`0x${lower}`) !== `0x${hex}`) {
    return 'bad EIP-55 checksum (mixed-case address with a typo?)';
  }
  if (`0x${lower}` === ZERO_ADDRESS) return ZERO_REASON;
  return null;
}

/** The form the pool, the store and the scanner compare: lowercase `0x…`. */
export const normalizeEthAddress = (addr: string): string => addr.toLowerCase();

/** The EIP-55 checksummed form, for display. Throws on an invalid address. */
export const checksumEthAddress = (addr: string): string => getAddress(addr.toLowerCase());

export interface EthDerivedKey {
  index: number;
  path: string;
  /** EIP-55 checksummed. */
  address: string;
  /** 0x-prefixed 32-byte hex. */
  privateKey: string;
}

export const isEthMnemonic = (phrase: string): boolean => Mnemonic.isValidMnemonic(phrase);

/** BIP44 accounts m/44'/60'/account'/0/i for i in [start, start+count) — the wallets' default path. */
export function deriveEthKeys(
  mnemonic: string,
  opts: { account: number; start: number; count: number; passphrase?: string },
): EthDerivedKey[] {
  const base = `m/44'/60'/${opts.account}'/0`;
  const parent = HDNodeWallet.fromPhrase(mnemonic, opts.passphrase, base);
  const keys: EthDerivedKey[] = [];
  for (let i = opts.start; i < opts.start + opts.count; i++) {
    const child = parent.deriveChild(i);
    keys.push({ index: i, path: `${base}/${i}`, address: child.address, privateKey: child.privateKey });
  }
  return keys;
}

import { sha256 } from '../shared/sha256';

/**
 * Receive-address checks done in the page before calling the server, with the server's rules:
 * Skycoin (teller-http.md §2.7.5) for SKY payouts, an EVM address for ETH/ERC-20 payouts. The
 * result is a reason key the page translates; the server remains the authority.
 */

export type AddressProblem =
  'empty' | 'base58_character' | 'base58_string' | 'length' | 'version' | 'checksum' | 'evm_format';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const ADDRESS_BYTES = 25;

/** Big-endian base58 decode; leading '1's are zero bytes. null on a character outside the alphabet. */
export function decodeBase58(s: string): Uint8Array | null {
  const bytes: number[] = [];
  for (const ch of s) {
    let carry = ALPHABET.indexOf(ch);
    if (carry < 0) return null;
    for (let i = 0; i < bytes.length; i++) {
      carry += bytes[i] * 58;
      bytes[i] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  let zeros = 0;
  while (zeros < s.length && s[zeros] === '1') zeros++;
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...bytes.reverse()]);
}

export function skycoinAddressProblem(addr: string): AddressProblem | null {
  if (addr === '') return 'empty';
  const ones = /^1*/.exec(addr)?.[0].length ?? 0;
  // Validate characters before the cheap length bound, keeping the server's error precedence.
  if ([...addr].some((ch) => !ALPHABET.includes(ch))) return 'base58_character';
  if (ones === addr.length) return 'base58_string';
  if (ones > ADDRESS_BYTES || addr.length - ones > 40) return 'length';
  const b = decodeBase58(addr);
  if (b === null) return 'base58_character';
  if (b.length !== ADDRESS_BYTES) return 'length';
  if (b[20] !== 0) return 'version';
  const sum = sha256(b.subarray(0, 21));
  return sum.subarray(0, 4).every((v, i) => v === b[21 + i]) ? null : 'checksum';
}

/** `0x` + 40 hex digits (the EIP-55 checksum of mixed-case input is left to the server). */
export function evmAddressProblem(addr: string): AddressProblem | null {
  if (addr === '') return 'empty';
  return /^0x[0-9a-fA-F]{40}$/.test(addr) ? null : 'evm_format';
}

/** The payout coin decides the address format: SKY pays to Skycoin, anything else to an EVM chain. */
export const payoutAddressProblem = (payoutCoin: string, addr: string): AddressProblem | null =>
  payoutCoin === 'SKY' ? skycoinAddressProblem(addr) : evmAddressProblem(addr);

import { TellerError } from '../../util/errors';

/**
 * Base58 with the Bitcoin alphabet, decoding as skycoin's cipher/base58 (v0.22) does: every
 * character is checked first, then an empty or all-`1` string is refused, then leading `1`s become
 * zero bytes in front of the number's minimal big-endian bytes.
 */

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const DIGITS = new Map(Array.from(ALPHABET, (ch, i) => [ch, BigInt(i)]));

export type Base58Reason = 'Invalid base58 character' | 'Invalid base58 string';

export class Base58Error extends TellerError {
  constructor(message: Base58Reason) {
    super('invalid_base58', message);
  }
}

/** The first of skycoin's base58 errors for `s`, or null when it decodes (cost: linear). */
export function base58Error(s: string): Base58Reason | null {
  for (let i = 0; i < s.length; i++) if (!DIGITS.has(s.charAt(i))) return 'Invalid base58 character';
  return /^1*$/.test(s) ? 'Invalid base58 string' : null;
}

/** Number of leading `1`s, i.e. of leading zero bytes. */
export const leadingOnes = (s: string): number => s.length - s.replace(/^1+/, '').length;

/** Decodes `s`; throws Base58Error with skycoin's text. Quadratic in the length, like the original. */
export function decodeBase58(s: string): Uint8Array {
  const error = base58Error(s);
  if (error !== null) throw new Base58Error(error);
  let n = 0n;
  for (const ch of s) n = n * 58n + (DIGITS.get(ch) ?? 0n);
  const hex = n === 0n ? '' : n.toString(16);
  const digits = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  const out = new Uint8Array(leadingOnes(s) + digits.length);
  out.set(digits, leadingOnes(s));
  return out;
}

/** Bitcoin-style base58: one `1` per leading zero byte, then the number's digits ('' for no bytes). */
export function encodeBase58(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = BigInt(`0x0${Buffer.from(bytes).toString('hex')}`);
  let digits = '';
  while (n > 0n) {
    digits = ALPHABET.charAt(Number(n % 58n)) + digits;
    n /= 58n;
  }
  return '1'.repeat(zeros) + digits;
}

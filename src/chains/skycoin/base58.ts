import { TellerError } from '../../util/errors';

/**
 * Base58 with the Bitcoin alphabet, decoding as skycoin's cipher/base58 (v0.22) does: every
 * character is checked first, then an empty or all-`1` string is refused, then leading `1`s become
 * zero bytes in front of the number's minimal big-endian bytes.
 */

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** 1 + the digit of each ASCII code; 0 for a character outside the alphabet. */
const DIGIT_PLUS_1 = new Uint8Array(128);
for (let i = 0; i < ALPHABET.length; i++) DIGIT_PLUS_1[ALPHABET.charCodeAt(i)] = i + 1;

/** The digit of `s`'s UTF-16 unit at `i`, or -1. */
const digitAt = (s: string, i: number): number => (DIGIT_PLUS_1[s.charCodeAt(i)] ?? 0) - 1;

const LIMB = 2 ** 32;
/** Byte `j` (little-endian) of a number held as 32-bit limbs. */
const byteOf = (limbs: readonly number[], j: number): number => (limbs[j >> 2] >>> ((j & 3) * 8)) & 0xff;

export type Base58Reason = 'Invalid base58 character' | 'Invalid base58 string';

export class Base58Error extends TellerError {
  constructor(message: Base58Reason) {
    super('invalid_base58', message);
  }
}

/** The first of skycoin's base58 errors for `s`, or null when it decodes (cost: linear). */
export function base58Error(s: string): Base58Reason | null {
  for (let i = 0; i < s.length; i++) if (digitAt(s, i) < 0) return 'Invalid base58 character';
  return /^1*$/.test(s) ? 'Invalid base58 string' : null;
}

/** Number of leading `1`s, i.e. of leading zero bytes. */
export const leadingOnes = (s: string): number => s.length - s.replace(/^1+/, '').length;

/** Decodes `s`; throws Base58Error with skycoin's text. Quadratic in the length, like the original. */
export function decodeBase58(s: string): Uint8Array {
  const error = base58Error(s);
  if (error !== null) throw new Base58Error(error);
  // The number as 32-bit limbs, least significant first, multiplied up three digits at a time
  // (58³ × 2³² < 2⁵³: exact in doubles). No bigint: payout addresses are validated on every
  // /api/status request, and this is ~4× quicker than byte-wise long multiplication.
  const limbs: number[] = [];
  for (let i = 0; i < s.length;) {
    let mul = 1;
    let carry = 0;
    for (const end = Math.min(i + 3, s.length); i < end; i++) {
      mul *= 58;
      carry = carry * 58 + digitAt(s, i);
    }
    for (let j = 0; j < limbs.length; j++) {
      carry += limbs[j] * mul;
      limbs[j] = carry % LIMB;
      carry = Math.floor(carry / LIMB);
    }
    for (; carry > 0; carry = Math.floor(carry / LIMB)) limbs.push(carry % LIMB);
  }
  let bytes = limbs.length * 4;
  while (bytes > 0 && byteOf(limbs, bytes - 1) === 0) bytes--;
  const zeros = leadingOnes(s);
  const out = new Uint8Array(zeros + bytes);
  for (let j = 0; j < bytes; j++) out[zeros + bytes - 1 - j] = byteOf(limbs, j);
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

import { createHash, hash } from 'node:crypto';
import { base58Error, decodeBase58, encodeBase58, leadingOnes } from './base58';

export { Base58Error, decodeBase58, encodeBase58 } from './base58';

/**
 * Skycoin addresses as skycoin's cipher v0.22 decodes them (DecodeBase58Address): 25 bytes =
 * 20-byte key hash ‖ version (1, must be 0) ‖ checksum (4) = the first 4 bytes of a single SHA-256
 * of key hash ‖ version. Teller answers `Invalid skycoin address: <reason>` with these reasons.
 */

const ADDRESS_BYTES = 25;
const VERSION = 0;

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

function checksum(keyAndVersion: Uint8Array): Buffer {
  // The one-shot hash: createHash's object cost twice as much, on every /api/status request.
  return hash('sha256', keyAndVersion, 'buffer').subarray(0, 4);
}

/**
 * null when `addr` is a valid Skycoin address, else the original's reason, in its order:
 * `Invalid base58 character`, `Invalid base58 string`, `Invalid address length`, `Invalid version`,
 * `Invalid checksum`.
 */
export function skycoinAddressError(addr: string): string | null {
  const error = base58Error(addr);
  if (error !== null) return error;
  // More than 25 leading 1s, or more than 40 digits after them, cannot decode to 25 bytes; saying so
  // without the (quadratic) decoding keeps a megabyte-long "address" cheap.
  const ones = leadingOnes(addr);
  if (ones > ADDRESS_BYTES || addr.length - ones > 40) return 'Invalid address length';
  const b = decodeBase58(addr);
  if (b.length !== ADDRESS_BYTES) return 'Invalid address length';
  if (b[20] !== VERSION) return 'Invalid version';
  return checksum(b.subarray(0, 21)).equals(b.subarray(21)) ? null : 'Invalid checksum';
}

export const isSkycoinAddress = (addr: string): boolean => skycoinAddressError(addr) === null;

/**
 * The address of a 33-byte compressed public key. Skycoin's key hash (PubKey.ToAddressHash) is
 * ripemd160(sha256(sha256(pubkey))) — one SHA-256 more than Bitcoin's hash160.
 */
export function skycoinAddressFromPubKey(pub33: Uint8Array): string {
  if (pub33.length !== 33) throw new RangeError(`public key must be 33 bytes, got ${pub33.length}`);
  const keyHash = createHash('ripemd160')
    .update(sha256(sha256(pub33)))
    .digest();
  const body = Buffer.concat([keyHash, Buffer.from([VERSION])]);
  return encodeBase58(Buffer.concat([body, checksum(body)]));
}

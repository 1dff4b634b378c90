import { createHash } from 'node:crypto';

/**
 * Address encoders for fixtures (BIP173/BIP350 bech32 and base58check), written for speed:
 * bitcoinjs-lib's encoders take ~15 s for the million-address pool on this machine, these ~1 s.
 * The benchmark's scanner and daemon decode them with the project's own code, so a wrong encoder
 * would show as a failed validation, not as a silently different figure.
 */

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
const BECH32M_CONST = 0x2bc830a3;

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i];
  }
  return chk >>> 0;
}

const hrpExpand = (hrp: string): number[] => {
  const out: number[] = [];
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >> 5);
  out.push(0);
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31);
  return out;
};

function toWords(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push((acc >>> bits) & 31);
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out.push((acc << (5 - bits)) & 31);
  return out;
}

/** Segwit address: witness version 0 → bech32, 1+ → bech32m. */
export function segwitAddress(hrp: string, version: number, program: Uint8Array): string {
  const data = [version, ...toWords(program)];
  const constant = version === 0 ? 1 : BECH32M_CONST;
  const mod = polymod([...hrpExpand(hrp), ...data, 0, 0, 0, 0, 0, 0]) ^ constant;
  let out = hrp + '1';
  for (const d of data) out += CHARSET[d];
  for (let i = 0; i < 6; i++) out += CHARSET[(mod >>> (5 * (5 - i))) & 31];
  return out;
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

export function base58check(version: number, payload: Uint8Array): string {
  const body = Buffer.concat([Buffer.of(version), payload]);
  const full = Buffer.concat([body, sha256(sha256(body)).subarray(0, 4)]);
  const digits = [0];
  for (const byte of full) {
    let carry = byte;
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j] << 8;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = (carry / 58) | 0;
    }
  }
  let out = '';
  for (let i = 0; i < full.length && full[i] === 0; i++) out += '1';
  for (let i = digits.length - 1; i >= 0; i--) out += B58[digits[i]];
  return out;
}

/** Mainnet address of a standard output script, or null (OP_RETURN, bare multisig...). */
export function scriptAddress(s: Uint8Array, hrp = 'bc', p2pkh = 0x00, p2sh = 0x05): string | null {
  if (s.length === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 0x14)
    return base58check(p2pkh, s.subarray(3, 23));
  if (s.length === 23 && s[0] === 0xa9 && s[1] === 0x14) return base58check(p2sh, s.subarray(2, 22));
  if (s.length === 22 && s[0] === 0x00 && s[1] === 0x14) return segwitAddress(hrp, 0, s.subarray(2));
  if (s.length === 34 && s[0] === 0x00 && s[1] === 0x20) return segwitAddress(hrp, 0, s.subarray(2));
  if (s.length === 34 && s[0] === 0x51 && s[1] === 0x20) return segwitAddress(hrp, 1, s.subarray(2));
  return null;
}

import { ECDH } from 'node:crypto';
import { address as baddress, networks, type Network as BtcNetwork } from 'bitcoinjs-lib';
import type { Network } from '../../config/types';
import { TellerError } from '../../util/errors';

/**
 * Bitcoin deposit addresses: which ones a pool may hold and the output script a scanner matches.
 *
 * Decoding is bitcoinjs-lib's (`fromBase58Check`, `fromBech32`); the five standard templates are
 * then compiled here, which gives byte-for-byte `address.toOutputScript`'s result (a unit test holds
 * them equal) at a fraction of its cost: its per-call schema checks and the pure-JS point check
 * made a 100,000-address pool take seconds to validate at startup. No ECC library is needed here
 * (the P2TR key check is OpenSSL's), so validating pools loads none.
 */

export type BtcAddressType = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr';

export class BtcAddressError extends TellerError {
  constructor(addr: string, network: Network, reason: string) {
    super('invalid_btc_address', `invalid BTC address ${JSON.stringify(addr)} for ${network}: ${reason}`);
  }
}

const NETWORKS: Record<Network, BtcNetwork> = {
  mainnet: networks.bitcoin,
  testnet: networks.testnet,
  regtest: networks.regtest,
};

export const btcNetwork = (n: Network): BtcNetwork => NETWORKS[n];

/** Longer than any Bitcoin address (bech32's limit is 90); keeps base58's quadratic decode cheap. */
const MAX_ADDRESS_LENGTH = 90;
/** Prefixes of our three networks (what `normalizeBtcAddress` lowercases). */
const OUR_BECH32 = /^(bc|tb|bcrt)1/i;
/** Any bech32 string (human part, `1`, data): decides which decoder's error is reported. */
const BECH32_LIKE = /^[a-z]{1,83}1[02-9ac-hj-np-z]{6,}$/i;

type Decoded = { type: BtcAddressType; program: Uint8Array } | { error: string };

/** Networks other than `n` on which a base58 version byte or a bech32 prefix is valid. */
function otherNetworks(n: Network, matches: (net: BtcNetwork) => boolean): string {
  const names = (Object.keys(NETWORKS) as Network[]).filter((k) => k !== n && matches(NETWORKS[k]));
  return names.join('/');
}

const libReason = (err: unknown, addr: string): string => {
  const msg = err instanceof Error ? err.message : String(err);
  return msg
    .split(addr)
    .join('')
    .replace(/\s+(for|of)?\s*$/, '')
    .trim();
};

function decodeBase58(addr: string, n: Network): Decoded {
  let decoded: { version: number; hash: Uint8Array };
  try {
    decoded = baddress.fromBase58Check(addr);
  } catch (err) {
    const reason = libReason(err, addr);
    if (reason === 'Non-base58 character') return { error: 'invalid base58 character' };
    if (reason === 'Invalid checksum') return { error: 'invalid base58 checksum' };
    if (/too (short|long)$/.test(reason)) return { error: `payload ${reason}` };
    return { error: reason };
  }
  const net = btcNetwork(n);
  if (decoded.version === net.pubKeyHash) return { type: 'p2pkh', program: decoded.hash };
  if (decoded.version === net.scriptHash) return { type: 'p2sh', program: decoded.hash };
  const other = otherNetworks(n, (o) => o.pubKeyHash === decoded.version || o.scriptHash === decoded.version);
  if (other) return { error: `wrong network: this is a ${other} address` };
  return { error: `unknown version byte 0x${decoded.version.toString(16).padStart(2, '0')}` };
}

/** Is `x` the x coordinate of a secp256k1 point (a BIP340 x-only key)? OpenSSL decompresses it. */
function isXOnlyPoint(x: Uint8Array): boolean {
  try {
    ECDH.convertKey(Buffer.concat([Buffer.of(0x02), x]), 'secp256k1');
    return true;
  } catch {
    // OpenSSL's only answer for "not on the curve" (or x >= p) is to throw: that is the result.
    return false;
  }
}

function decodeBech32(addr: string, n: Network): Decoded {
  let decoded: { version: number; prefix: string; data: Uint8Array };
  try {
    decoded = baddress.fromBech32(addr);
  } catch (err) {
    const reason = libReason(err, addr);
    if (reason === 'uses wrong encoding') {
      return { error: 'wrong bech32 variant (witness v0 needs bech32, v1+ needs bech32m)' };
    }
    return { error: `bech32: ${reason}` };
  }
  const net = btcNetwork(n);
  if (decoded.prefix !== net.bech32) {
    const other = otherNetworks(n, (o) => o.bech32 === decoded.prefix);
    if (other) return { error: `wrong network: this is a ${other} address (${n} uses ${net.bech32}1...)` };
    return { error: `unknown prefix "${decoded.prefix}" (${n} uses ${net.bech32}1...)` };
  }
  const { version, data } = decoded;
  if (version === 0) {
    if (data.length === 20) return { type: 'p2wpkh', program: data };
    if (data.length === 32) return { type: 'p2wsh', program: data };
    return { error: `witness v0 program of ${data.length} bytes (must be 20 or 32)` };
  }
  if (version === 1) {
    if (data.length !== 32) return { error: `witness v1 program of ${data.length} bytes (P2TR needs 32)` };
    if (!isXOnlyPoint(data)) return { error: 'P2TR output key is not a valid secp256k1 point (unspendable)' };
    return { type: 'p2tr', program: data };
  }
  return { error: `unsupported witness version ${version} (future segwit; funds could be lost)` };
}

function decode(addr: string, n: Network): Decoded {
  if (addr.length === 0) return { error: 'empty' };
  if (addr.length > MAX_ADDRESS_LENGTH) return { error: `too long (${addr.length} characters)` };
  if (!BECH32_LIKE.test(addr)) return decodeBase58(addr, n);
  const bech32 = decodeBech32(addr, n);
  if (!('error' in bech32)) return bech32;
  // Only a freak base58 string looks like bech32, but if one decodes, it is what was meant.
  const base58 = decodeBase58(addr, n);
  return 'error' in base58 ? bech32 : base58;
}

/** null when `addr` is a P2PKH, P2SH, P2WPKH, P2WSH or P2TR address of `network`, else why not. */
export function btcAddressError(addr: string, network: Network): string | null {
  const d = decode(addr, network);
  return 'error' in d ? d.error : null;
}

function decodeOrThrow(addr: string, network: Network): { type: BtcAddressType; program: Uint8Array } {
  const d = decode(addr, network);
  if ('error' in d) throw new BtcAddressError(addr, network, d.error);
  return d;
}

export const btcAddressType = (addr: string, network: Network): BtcAddressType =>
  decodeOrThrow(addr, network).type;

const OP_0 = 0x00;
const OP_1 = 0x51;
const OP_DUP = 0x76;
const OP_HASH160 = 0xa9;
const OP_EQUAL = 0x87;
const OP_EQUALVERIFY = 0x88;
const OP_CHECKSIG = 0xac;

const script = (...parts: (number | Uint8Array)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [p.length, ...p])));

/** The scriptPubKey paying `addr` (what a scanner matches on); throws BtcAddressError if invalid. */
export function btcOutputScript(addr: string, network: Network): Uint8Array {
  const { type, program } = decodeOrThrow(addr, network);
  switch (type) {
    case 'p2pkh':
      return Uint8Array.from([OP_DUP, OP_HASH160, ...script(program), OP_EQUALVERIFY, OP_CHECKSIG]);
    case 'p2sh':
      return script(OP_HASH160, program, OP_EQUAL);
    case 'p2wpkh':
    case 'p2wsh':
      return script(OP_0, program);
    case 'p2tr':
      return script(OP_1, program);
  }
}

/**
 * One canonical spelling per address: bech32 is case-insensitive (an all-uppercase address is the
 * same one, as in QR codes), so it is lowercased; base58 is case-sensitive and kept.
 */
export const normalizeBtcAddress = (addr: string): string =>
  OUR_BECH32.test(addr) ? addr.toLowerCase() : addr;

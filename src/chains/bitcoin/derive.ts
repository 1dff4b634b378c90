import * as ecc from '@bitcoinerlab/secp256k1';
import { BIP32Factory, type BIP32Interface } from 'bip32';
import { initEccLib, payments } from 'bitcoinjs-lib';
import type { Network } from '../../config/types';
import { XpubError, type AddressDeriver } from '../xpub';
import { btcNetwork } from './address';

/**
 * BIP32 derivation of Bitcoin addresses from public keys: the address generators (src/pool/generate)
 * and the daemon's derived pools. The ECC library (noble) is loaded with this module only, so the
 * daemon imports it only when a derived pool is configured.
 */

// bitcoinjs-lib keeps the ECC library once registered, so this runs once.
export const bip32 = BIP32Factory(ecc);
initEccLib(ecc);

/** What a BIP44/49/84/86 account derives from one public key. */
export type BtcKeyAddressType = 'p2pkh' | 'p2sh-p2wpkh' | 'p2wpkh' | 'p2tr';

export { XpubError };

export const BTC_KEY_ADDRESS_TYPES: readonly BtcKeyAddressType[] = ['p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr'];

/** SLIP-132 version bytes of the extended public keys we accept, with what they imply. */
const XPUB_VERSIONS: Record<string, { version: number; mainnet: boolean; type?: BtcKeyAddressType }> = {
  xpub: { version: 0x0488b21e, mainnet: true },
  ypub: { version: 0x049d7cb2, mainnet: true, type: 'p2sh-p2wpkh' },
  zpub: { version: 0x04b24746, mainnet: true, type: 'p2wpkh' },
  tpub: { version: 0x043587cf, mainnet: false },
  upub: { version: 0x044a5262, mainnet: false, type: 'p2sh-p2wpkh' },
  vpub: { version: 0x045f1cf6, mainnet: false, type: 'p2wpkh' },
};

/** The address type an extended key's prefix implies (ypub, zpub…), if any. */
export function xpubImpliedType(xpub: string): BtcKeyAddressType | undefined {
  return XPUB_VERSIONS[xpub.trim().slice(0, 4)]?.type;
}

/** The address of a 33-byte compressed public key (BIP44/49/84/86 script types). */
export function btcKeyAddress(pubkey: Uint8Array, type: BtcKeyAddressType, network: Network): string {
  const net = btcNetwork(network);
  const payment = (() => {
    switch (type) {
      case 'p2pkh':
        return payments.p2pkh({ pubkey, network: net });
      case 'p2sh-p2wpkh':
        return payments.p2sh({ redeem: payments.p2wpkh({ pubkey, network: net }), network: net });
      case 'p2wpkh':
        return payments.p2wpkh({ pubkey, network: net });
      case 'p2tr':
        // BIP86: a key-path-only output key, the x-only internal key tweaked by its own hash.
        return payments.p2tr({ internalPubkey: pubkey.subarray(1, 33), network: net });
    }
  })();
  if (payment.address === undefined) throw new TypeError(`no ${type} address for this key`);
  return payment.address;
}

/** Parses an account-level extended public key (xpub/ypub/zpub, tpub/upub/vpub) for `network`. */
export function btcXpubNode(xpub: string, network: Network, type: BtcKeyAddressType): BIP32Interface {
  const prefix = xpub.slice(0, 4);
  if (/^[xyztuv]prv$/.test(prefix)) {
    throw new XpubError('that is an extended private key: give the xpub, or the mnemonic with --keys');
  }
  const info = XPUB_VERSIONS[prefix];
  if (info === undefined) throw new XpubError(`unknown extended public key prefix "${prefix}"`);
  if (info.mainnet !== (network === 'mainnet')) {
    throw new XpubError(`a ${prefix} is for ${info.mainnet ? 'mainnet' : 'testnet/regtest'}, not ${network}`);
  }
  if (info.type !== undefined && info.type !== type) {
    throw new XpubError(`a ${prefix} is for ${info.type} addresses, not ${type}`);
  }
  const net = { ...btcNetwork(network), bip32: { public: info.version, private: 0 } };
  try {
    return bip32.fromBase58(xpub, net);
  } catch (err) {
    throw new XpubError(`invalid extended public key: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/**
 * The daemon's deriver: the account key's external chain (0), addresses at 0/i. The key must be
 * an account key (depth 3, m/purpose'/coin'/account'), as wallets export it.
 */
export function btcAddressDeriver(xpub: string, network: Network, type: BtcKeyAddressType): AddressDeriver {
  const account = btcXpubNode(xpub.trim(), network, type);
  if (account.depth !== 3) {
    throw new XpubError(
      `expected an account-level key (depth 3, m/purpose'/coin'/account'), got depth ${account.depth}`,
    );
  }
  const chain = account.derive(0);
  return { derive: (i) => btcKeyAddress(chain.derive(i).publicKey, type, network) };
}

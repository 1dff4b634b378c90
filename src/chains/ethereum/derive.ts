import { decodeBase58, getBytes, HDNodeWallet, sha256, toBeHex, type HDNodeVoidWallet } from 'ethers';
import { XpubError, type AddressDeriver } from '../xpub';

/**
 * Ethereum deposit addresses from the account xpub at m/44'/60'/account' (what wallets export):
 * address i at 0/i, i.e. m/44'/60'/account'/0/i, MetaMask's and ethers' default path. Lowercase
 * (the form the pool, the store and the scanner compare).
 */
export function ethAddressDeriver(xpub: string): AddressDeriver {
  const key = xpub.trim();
  if (!key.startsWith('xpub')) {
    throw new XpubError(
      /^[xt]prv/.test(key)
        ? 'that is an extended private key: give the account xpub'
        : `an Ethereum account key is an xpub, not "${key.slice(0, 4)}"`,
    );
  }
  let node: HDNodeWallet | HDNodeVoidWallet;
  try {
    // ethers does not check the base58 checksum: a typo would derive someone else's addresses.
    const raw = getBytes(toBeHex(decodeBase58(key), 82));
    const check = getBytes(sha256(sha256(raw.slice(0, 78)))).slice(0, 4);
    if (!check.every((b, i) => b === raw[78 + i])) throw new Error('bad checksum (a typo?)');
    node = HDNodeWallet.fromExtendedKey(key);
  } catch (err) {
    throw new XpubError(`invalid extended public key: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  if (node.depth !== 3) {
    throw new XpubError(`expected the account key at m/44'/60'/0' (depth 3), got depth ${node.depth}`);
  }
  const chain = node.deriveChild(0);
  return { derive: (i) => chain.deriveChild(i).address.toLowerCase() };
}

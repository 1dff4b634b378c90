import type { Config } from '../config/types';
import type { PoolCoin } from './load';
import type { DerivedSource } from './derived';

/** The config key of a coin's xpub, for messages. */
export const XPUB_KEYS: Partial<Record<PoolCoin, string>> = {
  BTC: 'btc_scanner.deposit_xpub',
  ETH: 'eth_scanner.deposit_xpub',
};

/** The coin's xpub from the config, '' when its pool is a pool file. */
export function configuredXpub(config: Config, coin: PoolCoin): string {
  if (coin === 'BTC') return config.btc_scanner.deposit_xpub;
  if (coin === 'ETH') return config.eth_scanner.deposit_xpub;
  return '';
}

/**
 * The derivation of a coin's configured xpub. The chains' derivation modules (BIP32, the ECC
 * library) are imported here, on demand: a daemon on pool files never loads them. A key that does
 * not parse, or is for another network or address type, throws XpubError (the caller names the key).
 */
export async function derivedSource(config: Config, coin: PoolCoin): Promise<DerivedSource> {
  const xpub = configuredXpub(config, coin);
  const key = XPUB_KEYS[coin] ?? '';
  if (coin === 'BTC') {
    const { btcAddressDeriver, xpubImpliedType } = await import('../chains/bitcoin/derive.js');
    const network = config.btc_scanner.network;
    const type = config.btc_scanner.deposit_address_type || xpubImpliedType(xpub) || 'p2wpkh';
    const deriver = btcAddressDeriver(xpub, network, type);
    return { coin, key, xpub, type, network, derive: deriver.derive };
  }
  const { ethAddressDeriver } = await import('../chains/ethereum/derive.js');
  const deriver = ethAddressDeriver(xpub);
  return { coin, key, xpub, type: 'eth', network: 'mainnet', derive: deriver.derive };
}

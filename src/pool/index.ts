export { GenerateError, PoolError, PoolExhaustedError, PoolLoadError, PoolUnknownAddressError } from './errors';
export {
  generateBtcAddresses,
  generateEthAddresses,
  generateSkyAddresses,
  writeKeysFile,
  writePoolFile,
  type BtcGenerateOptions,
  type Generated,
  type GeneratedKey,
  type MnemonicGenerateOptions,
} from './generate';
export {
  isJsonPoolFile,
  loadPoolFile,
  parsePoolJson,
  parsePoolText,
  POOL_COINS,
  poolJsonKey,
  readPoolEntries,
  type PoolCoin,
  type PoolEntry,
} from './load';
export { AddressPool } from './pool';
export { addressError, loadPool, normalizeAddress, validatePool, type ValidatePoolOptions } from './validate';

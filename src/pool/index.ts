/**
 * Pools as the daemon uses them: load, validate, allocate. The generators (./generate) are imported
 * directly by the tools that need them, so the daemon does not load BIP32 and the ECC library.
 */
export {
  GenerateError,
  PoolError,
  PoolExhaustedError,
  PoolLoadError,
  PoolUnknownAddressError,
} from './errors';
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
export { AddressPool, type AddressList } from './pool';
export {
  DERIVABLE,
  LOOKAHEAD,
  DerivedPool,
  derivedEntries,
  derivedStates,
  loadDerivedState,
  type DerivedEntry,
  type DerivedSource,
  type DerivedState,
  type Reservation,
} from './derived';
import type { AddressPool } from './pool';
import type { DerivedPool } from './derived';
/** A coin's deposit addresses: from a pool file, or derived from an xpub. */
export type DepositPool = AddressPool | DerivedPool;
export { loadPoolStamped, type PoolStamp, type PoolStamps, type StampedPool } from './stamp';
export { addressError, loadPool, normalizeAddress, validatePool, type ValidatePoolOptions } from './validate';

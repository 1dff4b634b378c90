/**
 * Scanners: the shared engine (cursor, confirmations, reorgs) and the chain sources behind it.
 * `factory.ts` builds the daemon's scanners from the config.
 */
export { BtcSource, BtcSourceError, type BtcSourceOptions } from './btc-source';
export { ChainScanner, type ChainScannerOptions } from './engine';
export { ScannerChainError } from './engine-reorg';
export type { Cursor, HandedDeposit, SeenDeposit } from './engine-state';
export type { BlockRef, BlockSource, DepositHandler, Scanner, ScannerStatus, SourceBlock } from './types';

import { TellerError } from '../util/errors';

/**
 * Errors of operator tooling (maintenance commands, rescans, backups, alerts). Stable codes:
 *   timeout         a node call took too long (retryable)
 *   no_store        the data dir holds no store
 *   store_locked    a running daemon holds the store (use the admin API)
 *   not_found       no such deposit / transaction
 *   not_retryable   the deposit is done
 *   bad_rescan      a rescan height the scanner cannot go to
 *   unsupported     the running scanner does not offer the operation
 *   backup_failed   a scheduled backup could not be written
 *   delivery_failed the alert webhook refused a message (retryable for 408, 429, 5xx)
 *   not_empty       a restore target already holds data
 *   restore_unverified the restored audit log does not verify
 *   no_evm_sender   the payout is not ETH or ERC-20: no nonce gap to fill
 */
export type OpsErrorCode =
  | 'timeout'
  | 'no_store'
  | 'store_locked'
  | 'not_found'
  | 'not_retryable'
  | 'bad_rescan'
  | 'unsupported'
  | 'backup_failed'
  | 'delivery_failed'
  | 'not_empty'
  | 'restore_unverified'
  | 'no_evm_sender';

export class OpsError extends TellerError<OpsErrorCode> {}

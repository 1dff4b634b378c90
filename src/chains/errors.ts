import { TellerError, type TellerErrorOptions } from '../util/errors';

/** The codes of SenderError: the generic ones, then the EVM node's, then the Skycoin node's. */
export type SenderErrorCode =
  | 'sender_error'
  | 'insufficient_balance'
  | 'config'
  | 'invalid_address'
  | 'invalid_amount'
  | 'zero_amount'
  | 'broadcast_failed'
  | 'broadcast_rejected'
  | 'chain_mismatch'
  | 'fee_above_ceiling'
  | 'nonce_busy'
  | 'nonce_conflict'
  | 'not_a_gap'
  | 'payout_corrupt'
  | 'payout_in_flight'
  | 'payout_mismatch'
  | 'payout_other_wallet'
  | 'payout_reverted'
  | 'payout_voided'
  | 'payout_would_revert'
  | 'token_decimals_mismatch'
  | 'token_missing'
  | 'evm_node_unreachable'
  | 'evm_rpc_error'
  | 'evm_bad_response'
  | 'evm_no_eip1559'
  | 'sky_node_unreachable'
  | 'sky_node_error'
  | 'sky_unconfirmed_spend'
  | 'sky_node_forbidden'
  | 'sky_node_busy'
  | 'sky_request_rejected'
  | 'sky_bad_response'
  | 'sky_too_many_decimals'
  | 'sky_tx_invalid'
  | 'sky_tx_rejected'
  | 'sky_txid_mismatch'
  | 'sky_verify_failed'
  | 'sky_wallet_api_disabled'
  | 'sky_wallet_encrypted'
  | 'sky_wallet_missing';

/**
 * Payout errors. Defined here, below the senders, because the payout chains' node clients raise
 * them too (the Skycoin REST client classifies the node's replies); the exchange tells retryable
 * failures and a hot wallet that cannot pay ("sold out") apart by these classes.
 */
export class SenderError extends TellerError<SenderErrorCode> {
  constructor(
    message: string,
    retryable = true,
    code: SenderErrorCode = 'sender_error',
    options?: TellerErrorOptions,
  ) {
    super(code, message, retryable, options);
  }
}

/** The hot wallet cannot cover a payout: the service is "sold out" until it is refilled. */
export class InsufficientBalanceError extends SenderError {
  constructor(message: string, options?: TellerErrorOptions) {
    super(message, true, 'insufficient_balance', options);
  }
}

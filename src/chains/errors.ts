import { TellerError } from '../util/errors';

/**
 * Payout errors. Defined here, below the senders, because the payout chains' node clients raise
 * them too (the Skycoin REST client classifies the node's replies); the exchange tells retryable
 * failures and a hot wallet that cannot pay ("sold out") apart by these classes.
 */
export class SenderError extends TellerError {
  constructor(message: string, retryable = true, code = 'sender_error') {
    super(code, message, retryable);
  }
}

/** The hot wallet cannot cover a payout: the service is "sold out" until it is refilled. */
export class InsufficientBalanceError extends SenderError {
  constructor(message: string) {
    super(message, true, 'insufficient_balance');
  }
}

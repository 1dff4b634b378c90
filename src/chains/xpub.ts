import { TellerError, type TellerErrorOptions } from '../util/errors';

/** An extended key that cannot be used as given (the message says why). */
export class XpubError extends TellerError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('invalid_xpub', message, false, options);
  }
}

/** Receive address i (path M/0/i under an account key). */
export interface AddressDeriver {
  derive(index: number): string;
}

import { TellerError } from '../util/errors';

export class StoreError extends TellerError {
  constructor(message: string) {
    super('store_error', message);
  }
}

export class StoreLockedError extends TellerError {
  constructor(dir: string) {
    super('store_locked', `data dir ${dir} is already in use: is another teller already running on it?`);
  }
}

export class SchemaTooNewError extends TellerError {
  constructor(dir: string, found: number, supported: number) {
    super(
      'schema_too_new',
      `store at ${dir} has schema version ${found}, newer than this teller supports (${supported}): upgrade teller`,
    );
  }
}

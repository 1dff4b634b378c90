import { TellerError, type TellerErrorOptions } from '../util/errors';

export class StoreError extends TellerError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('store_error', message, false, options);
  }
}

export class StoreLockedError extends TellerError {
  constructor(dir: string, options?: TellerErrorOptions) {
    super(
      'store_locked',
      `data dir ${dir} is already in use: is another teller already running on it?`,
      false,
      options,
    );
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

/**
 * The store lost data it had acknowledged (or is not the store its checkpoint describes): teller
 * refuses to start on it. The message says what is wrong and how to restore a backup.
 */
export class StoreDamagedError extends TellerError {
  constructor(dir: string, checkpoint: string, what: string) {
    super(
      'store_damaged',
      `store ${dir} is damaged: ${what}. Data it acknowledged is missing, so teller will not start on it. ` +
        `To restore the newest backup (backup.dir, or one taken with GET /api/backup): move ${dir} aside, ` +
        `then run \`teller backup restore <backup file>\` with the same -d and -c. If this store was put back ` +
        `on purpose and its older state is wanted, delete ${checkpoint} to accept it as it is.`,
    );
  }
}

import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { formatAuditReport, verifyAudit } from '../ops/audit';
import { OpsError } from '../ops/errors';
import { restoreBackup } from '../store/backup';
import { checkpointPath, storeDirState, writeCheckpoint } from '../store/checkpoint';
import { Store } from '../store/store';
import { DeriveReservations, reservationPath } from '../pool/reservations';
import { EXIT_OK, parseCommandArgs, storePath, type Command } from './context';

/**
 * `teller backup restore <file> -d <dir>`: a backup (/api/backup or backup.dir) into an empty data
 * dir, all or nothing. The records go into a staging dir beside the store; its audit log must
 * verify; then the store's checkpoint is written and the staging dir renamed into place. On any
 * failure the staging dir (and a data dir this command made) is removed: nothing is left behind.
 */
export const backupRestore: Command = {
  words: ['backup', 'restore'],
  args: '<file>',
  summary: 'restore a backup (from /api/backup or backup.dir) into an empty data dir (-d)',
  async run(args, env) {
    const { positionals } = parseCommandArgs(args, {}, { min: 1, max: 1 });
    const file = path.resolve(env.cwd, positionals[0]);
    const target = storePath(env);
    const parent = path.dirname(target);
    const made = mkdirSync(parent, { recursive: true, mode: 0o700 });
    let staging: string | undefined;
    try {
      const replace = await unusedStore(target);
      staging = mkdtempSync(path.join(parent, `.${path.basename(target)}.restore-`));
      const n = await restoreBackup(file, staging);
      const state = await verified(file, staging);
      // Checkpoint first: should the rename not happen, the start-up check says the store is
      // missing (and the restore can be run again) rather than accepting whatever is there.
      await writeCheckpoint(checkpointPath(target), state);
      // Derived indexes stay reserved (the file is kept, never lowered): only a clean stop is forgotten.
      await DeriveReservations.read(reservationPath(target)).opened();
      if (replace) rmSync(target, { recursive: true });
      renameSync(staging, target);
      staging = undefined;
      env.out(`restored ${n} records into ${target}\n`);
      return EXIT_OK;
    } finally {
      if (staging !== undefined) rmSync(staging, { recursive: true, force: true });
      if (made !== undefined && existsSync(made) && readdirSync(made).length === 0) rmdirSync(made);
    }
  },
};

/**
 * Whether a store is in the way at `target`: false for none, true for a store holding nothing but
 * its own metadata (a daemon started once on the empty data dir), which the restore replaces.
 */
async function unusedStore(target: string): Promise<boolean> {
  const found = storeDirState(target);
  if (found === 'none') return existsSync(target);
  const refuse = () =>
    new OpsError('not_empty', `${target} already holds data: restore into an empty data dir`);
  if (found === 'no_current') throw refuse();
  const store = await Store.open(target);
  try {
    for await (const rec of store.dump()) if (rec.space !== 'meta') throw refuse();
  } finally {
    await store.close();
  }
  return true;
}

/** The restored store's audit log verifies; returns what its checkpoint says. */
async function verified(file: string, staging: string) {
  const store = await Store.open(staging);
  try {
    const report = await verifyAudit(store);
    if (!report.ok) {
      const why = formatAuditReport(report).split('\n').slice(1, 2).join('') || 'see teller audit verify';
      throw new OpsError(
        'restore_unverified',
        `${file}: the restored audit log does not verify (${why}): nothing restored`,
      );
    }
  } finally {
    await store.close();
  }
  return store.state();
}

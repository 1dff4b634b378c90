import { DepositStore } from '../exchange/deposit-store';
import { OpsError } from '../ops/errors';
import { EXIT_OK, parseCommandArgs, withStore, type Command } from './context';

/**
 * `teller deposits retry <id>` on a stopped daemon: clears the deposit's error (with an event, as the
 * admin API's retry does), so that the daemon resumes it from its stored status at the next start.
 */
export const depositsRetry: Command = {
  words: ['deposits', 'retry'],
  args: '<id>',
  summary: 'clear an errored deposit so that the daemon resumes it at its next start',
  async run(args, env) {
    const { positionals } = parseCommandArgs(args, {}, { min: 1, max: 1 });
    const id = positionals[0];
    const hint = `the daemon is running: use POST /api/deposits/${id}/retry on the admin API`;
    const message = await withStore(env, hint, async (store) => {
      const deposits = new DepositStore(store);
      await deposits.open();
      const current = await deposits.get(id);
      if (!current) throw new OpsError('not_found', `no deposit ${id}`);
      if (current.status === 'done') {
        throw new OpsError(
          'not_retryable',
          `deposit ${id} is done${current.error ? `: ${current.error}` : ''}`,
        );
      }
      if (current.error === '' && current.last_error === '') {
        return `deposit ${id} (${current.status}) has no error: the daemon resumes it at its next start anyway`;
      }
      await deposits.update(current, { error: '', last_error: '' }, 'retry requested by operator (offline)');
      return `deposit ${id} (${current.status}): error cleared; the daemon resumes it at its next start`;
    });
    env.out(`${message}\n`);
    return EXIT_OK;
  },
};

import { isUnknownTx, lookupTransaction } from '../ops/recheck';
import { EXIT_FAILURE, EXIT_OK, parseCommandArgs, toJson, withStore, type Command } from './context';

/**
 * `teller recheck <txid>`: everything the store knows of a transaction, as a deposit or as a payout:
 * the deposit records with their events and payouts, the scanner's entries, unbound deposits.
 * Exit 1 when it knows nothing of it.
 */
export const recheck: Command = {
  words: ['recheck'],
  args: '<txid>',
  summary: 'what the store knows of a deposit or payout transaction, as JSON',
  async run(args, env) {
    const { positionals } = parseCommandArgs(args, {}, { min: 1, max: 1 });
    const txid = positionals[0].trim();
    const hint = `the daemon is running: use POST /api/recheck {"txid": "${txid}"} on the admin API`;
    const found = await withStore(env, hint, (store) => lookupTransaction(store, txid));
    if (isUnknownTx(found)) {
      env.err(`teller recheck: the store knows nothing of transaction ${txid}\n`);
      return EXIT_FAILURE;
    }
    env.out(toJson(found));
    return EXIT_OK;
  },
};

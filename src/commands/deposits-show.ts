import { DepositStore } from '../exchange/deposit-store';
import { EXIT_FAILURE, EXIT_OK, parseCommandArgs, toJson, withStore, type Command } from './context';

/** `teller deposits show <id>`: one deposit (id `<txid>:<n>`) with its stored payout and its events. */
export const depositsShow: Command = {
  words: ['deposits', 'show'],
  args: '<id>',
  summary: 'one deposit (<txid>:<n>) with its payout and its events, as JSON',
  async run(args, env) {
    const { positionals } = parseCommandArgs(args, {}, { min: 1, max: 1 });
    const id = positionals[0];
    const found = await withStore(
      env,
      `the daemon is running: use GET /api/deposits/${id} on the admin API`,
      async (store) => {
        const deposits = new DepositStore(store);
        const deposit = await deposits.get(id);
        if (!deposit) return undefined;
        return { deposit, payout: (await deposits.getPayout(id)) ?? null, events: await deposits.events(id) };
      },
    );
    if (!found) {
      env.err(`teller deposits show: no deposit ${id}\n`);
      return EXIT_FAILURE;
    }
    env.out(toJson(found));
    return EXIT_OK;
  },
};

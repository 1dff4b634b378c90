import { derivedEntries, derivedStates } from '../pool';
import { EXIT_OK, UsageError, parseCommandArgs, toJson, withStore, type Command } from './context';

const COINS = ['BTC', 'ETH'] as const;
const SKIPPED: Record<string, string> = {
  taken: 'skipped (bound before)',
  reserved: 'skipped (reserved before a crash or restore: may have been handed out)',
};

/**
 * `teller pool list <BTC|ETH>`: the addresses a derived pool handed out, with their derivation
 * indexes (path 0/<index> under the account xpub), for the operator's wallet to find the funds:
 * bound addresses may never receive a deposit, so a wallet's gap limit (20) can stop short of them.
 */
export const poolList: Command = {
  words: ['pool', 'list'],
  args: '<BTC|ETH> [--format table|json]',
  summary: 'list the addresses derived from deposit_xpub, with their indexes (0/<index>)',
  async run(args, env) {
    const { values, positionals } = parseCommandArgs(
      args,
      { format: { type: 'string', default: 'table' } },
      { min: 1, max: 1 },
    );
    const coin = positionals[0]?.toUpperCase() ?? '';
    if (!(COINS as readonly string[]).includes(coin)) throw new UsageError('the coin must be BTC or ETH');
    if (values.format !== 'table' && values.format !== 'json')
      throw new UsageError('--format must be table or json');
    const json = values.format === 'json';
    await withStore(
      env,
      'the daemon is running: use GET /api/deposit-addresses on the admin API',
      async (store) => {
        const states = await derivedStates(store, coin);
        const byId = new Map(states.map((s) => [s.id, s]));
        const rows: { index: number; address: string; status: string; type: string; xpub: string }[] = [];
        if (!json) {
          for (const s of states)
            env.out(`# ${coin} ${s.type} ${s.network} ${s.xpub}: next index ${s.next}, ${s.bound} bound\n`);
        }
        for await (const { source, index, entry } of derivedEntries(store, coin)) {
          const s = byId.get(source);
          const row = {
            index,
            address: entry.address,
            status: SKIPPED[entry.skipped ?? ''] ?? 'bound',
            type: s?.type ?? '?',
            xpub: s?.xpub ?? source,
          };
          if (json) rows.push(row);
          else
            env.out(
              `${row.index}\t${row.address}\t${row.status}${states.length > 1 ? `\t${row.type} ${row.xpub}` : ''}\n`,
            );
        }
        if (json) env.out(toJson(rows));
        else if (states.length === 0)
          env.out(`no ${coin} addresses were derived (no ${coin.toLowerCase()}_scanner.deposit_xpub used)\n`);
      },
    );
    return EXIT_OK;
  },
};

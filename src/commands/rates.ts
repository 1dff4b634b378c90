import { loadConfig, resolveConfigPath } from '../config';
import { depositCoins } from '../exchange/coins';
import { DepositStore } from '../exchange/deposit-store';
import { ExchangeError } from '../exchange/errors';
import { RateBook } from '../exchange/rates';
import type { Store } from '../store/store';
import { silentLogger } from '../util/logger';
import {
  EXIT_OK,
  UsageError,
  parseCommandArgs,
  toJson,
  withStore,
  type Command,
  type CommandEnv,
} from './context';

/**
 * `teller rates list` and `teller rates set <COIN> <rate>` on a stopped daemon: the rates the next
 * start uses, as the admin API's GET /api/rates and POST /api/rates/<COIN> (src/exchange/rates.ts).
 * A rate the config check would refuse is bad usage (exit 2) with the config check's text.
 */

async function withRates<T>(env: CommandEnv, hint: string, fn: (rates: RateBook) => Promise<T>): Promise<T> {
  const { config } = loadConfig(resolveConfigPath(env.configArg, env.dataDir, env.cwd), { cwd: env.cwd });
  return withStore(env, hint, async (store: Store) => {
    const deposits = new DepositStore(store);
    await deposits.open();
    const market = new Set(config.market_rates.map((m) => m.coin));
    return fn(await RateBook.open(deposits, depositCoins(config), silentLogger(), market));
  });
}

export const ratesList: Command = {
  words: ['rates', 'list'],
  args: '',
  summary: "each coin's rate, where it comes from (config or set at run time) and since when",
  async run(args, env) {
    parseCommandArgs(args, {}, { min: 0, max: 0 });
    const hint = 'the daemon is running: use GET /api/rates on the admin API';
    env.out(toJson({ rates: await withRates(env, hint, async (rates) => rates.list()) }));
    return EXIT_OK;
  },
};

export const ratesSet: Command = {
  words: ['rates', 'set'],
  args: '<COIN> <rate>',
  summary: "set a coin's rate until the config's value for it changes (audited)",
  async run(args, env) {
    const { positionals } = parseCommandArgs(args, {}, { min: 2, max: 2 });
    const [coin, rate] = [positionals[0].toUpperCase(), positionals[1]];
    const hint = `the daemon is running: use POST /api/rates/${coin} {"rate": "${rate}"} on the admin API`;
    const change = await withRates(env, hint, async (rates) => {
      if (rates.state(coin) === undefined)
        throw new UsageError(
          `unknown coin "${positionals[0]}" (${rates
            .list()
            .map((s) => s.coin)
            .join(', ')})`,
        );
      try {
        return await rates.set(coin, rate, 'operator (offline)');
      } catch (err) {
        if (err instanceof ExchangeError && err.code === 'rate_invalid')
          throw new UsageError(err.message, { cause: err });
        throw err;
      }
    });
    env.out(toJson(change));
    return EXIT_OK;
  },
};

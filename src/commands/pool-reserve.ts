import { derivedStates } from '../pool';
import { DeriveReservations, reservationPath } from '../pool/reservations';
import { EXIT_OK, UsageError, parseCommandArgs, storePath, withStore, type Command } from './context';

const COINS = ['BTC', 'ETH'] as const;

/**
 * `teller pool reserve <BTC|ETH> <index>`: marks the derived indexes below `index` as possibly
 * handed out, in the reservation file beside the store (src/pool/reservations.ts), for a store
 * restored into a new data dir (whose file is lost) or a damaged file deleted. The daemon then
 * starts past them and records the ones it skips. A mark is never lowered.
 */
export const poolReserve: Command = {
  words: ['pool', 'reserve'],
  args: '<BTC|ETH> <index>',
  summary: 'treat the derived indexes below <index> as handed out (after a restore into a new data dir)',
  async run(args, env) {
    const { positionals } = parseCommandArgs(args, {}, { min: 2, max: 2 });
    const coin = positionals[0]?.toUpperCase() ?? '';
    if (!(COINS as readonly string[]).includes(coin)) throw new UsageError('the coin must be BTC or ETH');
    const index = Number(positionals[1]);
    if (!Number.isSafeInteger(index) || index < 0) throw new UsageError('the index must be a whole number');
    const reservations = DeriveReservations.read(reservationPath(storePath(env)));
    await withStore(
      env,
      'stop the daemon first: reservations change only on a stopped daemon',
      async (store) => {
        const states = await derivedStates(store, coin);
        if (states.length === 0)
          env.out(`no ${coin} addresses were derived in this store: nothing to reserve\n`);
        for (const s of states) {
          const mark = Math.max(index, s.next, reservations.mark(`${coin}!${s.id}`) ?? 0);
          await reservations.raise(`${coin}!${s.id}`, mark);
          const skip = mark > s.next ? `; the daemon skips ${s.next} to ${mark - 1}` : '';
          env.out(`${coin} ${s.type} ${s.xpub}: indexes below ${mark} reserved${skip}\n`);
        }
      },
    );
    return EXIT_OK;
  },
};

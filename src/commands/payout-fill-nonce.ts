import { loadConfig, resolveConfigPath } from '../config';
import { DepositStore } from '../exchange/deposit-store';
import { OpsError } from '../ops/errors';
import { openEvmSender } from '../sender/evm-sender';
import { fillNonceGap, gapFillView } from '../service/nonce-gaps';
import { silentLogger } from '../util/logger';
import { EXIT_OK, UsageError, parseCommandArgs, toJson, withStore, type Command } from './context';

/**
 * `teller payout fill-nonce <nonce>` on a stopped daemon (EVM payouts): fills the nonce gap at the
 * hot wallet's lowest unmined nonce with a zero-value self-transfer, as the admin API's
 * POST /api/payout/nonce-gaps/<nonce>/fill does (src/service/nonce-gaps.ts). It reads the config
 * (payout.evm: node, keystore, fee ceiling) and TELLER_WALLET_PASSWORD, and contacts the node.
 */
export const payoutFillNonce: Command = {
  words: ['payout', 'fill-nonce'],
  args: '<nonce>',
  summary: "fill an EVM nonce gap held by an errored deposit's unsent payout (zero-value self-transfer)",
  async run(args, env) {
    const { positionals } = parseCommandArgs(args, {}, { min: 1, max: 1 });
    if (!/^\d{1,15}$/.test(positionals[0]))
      throw new UsageError(`nonce must be a whole number, got "${positionals[0]}"`);
    const nonce = Number(positionals[0]);
    const { config } = loadConfig(resolveConfigPath(env.configArg, env.dataDir, env.cwd), { cwd: env.cwd });
    if (config.payout.coin === 'SKY' || config.dummy.sender)
      throw new OpsError(
        'no_evm_sender',
        'payout.coin is not ETH or ERC20 (or dummy.sender is on): no nonces to fill',
      );
    const hint = `the daemon is running: use POST /api/payout/nonce-gaps/${nonce}/fill on the admin API`;
    const fill = await withStore(env, hint, async (store) => {
      const deposits = new DepositStore(store);
      await deposits.open();
      const log = silentLogger();
      const sender = await openEvmSender(config.payout, store, log);
      try {
        const deps = { sender, deposits, log, lock: <T>(_id: string, fn: () => Promise<T>) => fn() };
        return await fillNonceGap({ ...deps, by: 'operator (offline)' }, nonce);
      } finally {
        await sender.close();
      }
    });
    env.out(toJson(gapFillView(fill)));
    return EXIT_OK;
  },
};

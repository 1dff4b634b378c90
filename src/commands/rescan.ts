import { isRescanChain, rescanStoredCursor, RESCAN_CHAINS } from '../scanner/rescan';
import { EXIT_OK, UsageError, parseCommandArgs, withStore, type Command } from './context';

/**
 * `teller rescan <BTC|ETH> <from_height>` on a stopped daemon: rewinds the chain's scan state so
 * that the next start scans from that height again (src/scanner/rescan.ts): what the rescan does
 * not find again on the node's chain is never handed over, and deposits already handed over are
 * held until found again. The scanner never goes below its `initial_scan_height`.
 */
export const rescan: Command = {
  words: ['rescan'],
  args: `<${RESCAN_CHAINS.join('|')}> <from_height>`,
  summary: 'scan a chain again from a height, at the next start',
  async run(args, env) {
    const { positionals } = parseCommandArgs(args, {}, { min: 2, max: 2 });
    const chain = positionals[0].toUpperCase();
    if (!isRescanChain(chain))
      throw new UsageError(`chain must be ${RESCAN_CHAINS.join(' or ')}, got "${positionals[0]}"`);
    if (!/^\d+$/.test(positionals[1]))
      throw new UsageError(`from_height must be a whole number, got "${positionals[1]}"`);
    const from = Number(positionals[1]);
    const hint = `the daemon is running: use POST /api/rescan {"chain": "${chain}", "from_height": ${from}} on the admin API`;
    const r = await withStore(env, hint, (store) => rescanStoredCursor(store, chain, from));
    const cursor =
      r.cursor === null
        ? 'none (the scanner starts at initial_scan_height)'
        : `${r.cursor.height}${r.cursor.hash === '' ? ' (block hash no longer stored: taken on trust)' : ''}`;
    const deposits = [
      r.seen_removed > 0 ? `${r.seen_removed} unconfirmed deposits dropped until found again; ` : '',
      r.handed_rechecked > 0
        ? `${r.handed_rechecked} handed-over deposits held until found again (an alert if not); `
        : '',
    ].join('');
    env.out(
      `${chain}: scan cursor moved from ${r.previous_height} to ${cursor}; ${r.refs_removed} block refs removed; ` +
        `${deposits}the next start scans from height ${from}\n`,
    );
    return EXIT_OK;
  },
};

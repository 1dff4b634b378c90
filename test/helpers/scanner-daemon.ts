import { logLines, request, waitFor, type Daemon } from './daemon';
import type { TcpProxy } from './tcp-proxy';
import { DEADLINE_MS } from './until';

/**
 * What a black-box test of the daemon with a real chain scanner (btc-daemon, eth-daemon) watches:
 * the scanner's /api/health entry, its polls (counted at the TCP proxy to the node), its failures
 * (log lines) and the buyer's pending deposits. `daemon` and `proxy` are getters: both are made in
 * a beforeAll.
 */

export interface ScannerHealth {
  chain: string;
  height: number;
  hash: string;
  tip: number;
  last_error: string;
}

export const POLL_FAILED = 'scanner poll failed; retrying';

/** Skycoin droplets as the dummy sender writes coins (6 decimals). */
export const coins = (droplets: bigint): string =>
  `${droplets / 1_000_000n}.${String(droplets % 1_000_000n).padStart(6, '0')}`;

export function scannerWatch(o: {
  chain: 'BTC' | 'ETH';
  daemon: () => Daemon;
  proxy: () => TcpProxy;
  /** The RPC method each poll starts with. */
  tipMethod: string;
  tip: () => Promise<number>;
  mine: (n: number) => Promise<unknown>;
}) {
  const health = async (): Promise<ScannerHealth> => {
    const res = await request(`${o.daemon().publicUrl}/api/health`);
    const s = (JSON.parse(res.body) as { scanners: ScannerHealth[] }).scanners.find(
      (x) => x.chain === o.chain,
    );
    if (!s) throw new Error(`no ${o.chain} scanner in /api/health: ${res.body}`);
    return s;
  };

  const atTip = async (timeoutMs = DEADLINE_MS): Promise<void> => {
    const tip = await o.tip();
    await waitFor(health, (s) => s.height === tip, timeoutMs, `${o.chain} scanned to ${tip}`);
  };

  /** Tip requests that went through the proxy so far. */
  const tipRequests = async (): Promise<number> => o.proxy().calls(o.tipMethod);

  return {
    health,
    atTip,
    tipRequests,
    /**
     * Mines a block and waits until it is scanned: polls run one at a time, so the poll before it,
     * hand-overs included, is over (the moment a double credit would have shown has passed).
     */
    afterNextPoll: async (): Promise<void> => {
      await o.mine(1);
      await atTip();
    },
    /**
     * Two whole polls after this call, without a block: each poll starts with one tip request and
     * polls never overlap, so three more of them mean the poll in flight and the next one ended.
     */
    afterPolls: async (): Promise<void> => {
      const want = (await tipRequests()) + 3;
      await waitFor(tipRequests, (n) => n >= want, DEADLINE_MS, `${o.tipMethod} #${want} (two more polls)`);
    },
    pollFailures: (): number => logLines(o.daemon()).filter((l) => l.msg === POLL_FAILED).length,
    /** Seen, unconfirmed deposits as the buyer's v2 status shows them. */
    pendingOf: async (sky: string): Promise<{ deposit_address: string; confirmations: number }[]> => {
      const res = await request(`${o.daemon().publicUrl}/api/v2/status?skyaddr=${sky}`);
      const rows = (
        JSON.parse(res.body) as {
          deposits: {
            deposit_address: string;
            status: string;
            confirmations: number;
            deposit_value: string;
          }[];
        }
      ).deposits;
      return rows.filter((r) => r.status === 'waiting_deposit' && r.deposit_value !== '');
    },
  };
}

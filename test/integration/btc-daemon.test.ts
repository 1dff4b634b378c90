import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBitcoind, type Bitcoind } from '../helpers/bitcoind';
import {
  SKY,
  adminDeposits,
  bind,
  broadcasts,
  confirm,
  expectedDroplets,
  request,
  runCli,
  setBalance,
  startDaemon,
  waitFor,
  waitForDeposit,
  waitForLog,
  waitForPayout,
  type Daemon,
} from '../helpers/daemon';
import { POLL_FAILED, coins, scannerWatch } from '../helpers/scanner-daemon';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { depositIdIn, toBtc, writeRegtestPool } from '../helpers/btc-regtest';
import { DEADLINE_MS } from '../helpers/until';

/**
 * The built daemon with the real BTC scanner (dummy sender) against a bcoin regtest node reached
 * through a TCP proxy (closed to take the node "down"): every address type, several outputs per
 * transaction, the confirmation depth, reorgs, restarts and SIGKILL during a catch-up, and the node
 * unreachable at startup or frozen while running. Each deposit must be paid exactly once, exactly.
 */

const CONFIRMATIONS = 2;
const RATE = 500n; // sky_btc_exchange_rate of the base config
const TYPES = ['p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr'] as const;
const TYPE_PATTERN = [/^[mn]/, /^2/, /^bcrt1q/, /^bcrt1p/];
const POOL_SIZE = 48;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'teller-btc-daemon-'));

describe('daemon with the real BTC scanner (bcoin regtest, dummy sender)', () => {
  let btc: Bitcoind;
  let proxy: TcpProxy;
  let daemon: Daemon;
  /** Every deposit the chain holds for us: id -> satoshi paid in. */
  const expected = new Map<string, bigint>();

  beforeAll(async () => {
    btc = await startBitcoind();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: btc.rpcPort });
    const pool = path.join(tmp, 'btc.txt');
    writeRegtestPool(pool, POOL_SIZE, TYPES);
    daemon = await startDaemon({
      btc_addresses: pool,
      teller: { max_bound_addrs: 0 },
      btc_scanner: {
        enabled: true,
        network: 'regtest',
        scan_period: '100ms',
        initial_scan_height: (await btc.height()) + 1,
        confirmations_required: CONFIRMATIONS,
      },
      btc_rpc: { server: proxy.address, user: 'teller', pass: btc.apiKey },
      eth_scanner: { enabled: false },
      dummy: { scanner: false, sender: true },
    });
    await setBalance(daemon, 10n ** 15n);
  }, 60_000);

  afterAll(async () => {
    await daemon?.dispose();
    await proxy?.close();
    await btc?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const {
    health: scannerHealth,
    atTip,
    afterNextPoll,
    afterPolls,
    tipRequests,
    pollFailures,
    pendingOf,
  } = scannerWatch({
    chain: 'BTC',
    daemon: () => daemon,
    proxy: () => proxy,
    tipMethod: 'getblockcount',
    tip: () => btc.height(),
    mine: (n) => btc.mine(n),
  });

  async function send(address: string, sat: bigint): Promise<string> {
    const txid = await btc.sendToAddress(address, toBtc(sat));
    const id = await depositIdIn(btc, txid, address);
    expected.set(id, sat);
    return id;
  }

  /** waiting_confirm with its payout broadcast → confirm it → done; checks the amount paid. */
  async function settle(id: string, sky: string): Promise<void> {
    const rec = await waitForPayout(daemon, id);
    const sat = expected.get(id) ?? -1n;
    expect({ value: rec.deposit_value, sent: rec.sky_sent, to: rec.sky_address }).toEqual({
      value: Number(sat),
      sent: Number(expectedDroplets(sat, 8, RATE)),
      to: sky,
    });
    if (rec.status === 'waiting_confirm') await confirm(daemon, rec.txid);
    await waitForDeposit(daemon, id, (d) => d.status === 'done');
  }

  /**
   * The whole ledger: one record per deposit on the chain, with its exact value, and exactly one
   * broadcast per record, of exactly its amount.
   */
  async function expectPaidOnce(): Promise<void> {
    const recs = (await adminDeposits(daemon)).filter((d) => d.coin_type === 'BTC');
    expect(recs.map((d) => [d.deposit_id, BigInt(d.deposit_value)]).sort()).toEqual([...expected].sort());
    const sent = await broadcasts(daemon);
    expect(sent).toHaveLength(recs.length);
    for (const d of recs) {
      const mine = sent.filter((b) => b.txid === d.txid);
      expect(mine.map((b) => b.outputs)).toEqual([
        [{ address: d.sky_address, coins: coins(expectedDroplets(BigInt(d.deposit_value), 8, RATE)) }],
      ]);
    }
  }

  const record = async (id: string) => (await adminDeposits(daemon)).find((d) => d.deposit_id === id);

  it('pays a deposit to each address type (P2PKH, P2SH-P2WPKH, P2WPKH, P2TR) only at the confirmation depth', async () => {
    const sky = SKY[0];
    const addrs: string[] = [];
    for (let i = 0; i < 4; i++) addrs.push(await bind(daemon, sky, 'BTC'));
    addrs.forEach((a, i) => expect(a).toMatch(TYPE_PATTERN[i]));
    const values = [10_000_000n, 2_345_678n, 150_000_001n, 12_345n];
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await send(addrs[i], values[i]));
    await btc.mine(1);
    // One confirmation of two: seen by the scanner, shown to the buyer, not paid.
    await waitFor(
      () => pendingOf(sky),
      (p) => p.length === 4 && p.every((r) => r.confirmations === 1),
      DEADLINE_MS,
      'four deposits at 1 confirmation',
    );
    await atTip();
    await afterPolls();
    expect(await adminDeposits(daemon)).toEqual([]);
    expect(await broadcasts(daemon)).toEqual([]);
    await btc.mine(1);
    for (const id of ids) await settle(id, sky);
    expect(await pendingOf(sky)).toEqual([]);
    await expectPaidOnce();
  });

  it('pays two watched outputs of one transaction as two deposits', async () => {
    const sky = SKY[1];
    const [a, b] = [await bind(daemon, sky, 'BTC'), await bind(daemon, sky, 'BTC')];
    const txid = await btc.sendMany([
      { address: a, value: 30_000n },
      { address: b, value: 40_000n },
    ]);
    const ids = [await depositIdIn(btc, txid, a), await depositIdIn(btc, txid, b)];
    expected.set(ids[0], 30_000n);
    expected.set(ids[1], 40_000n);
    expect(new Set(ids).size).toBe(2);
    await btc.mine(CONFIRMATIONS);
    for (const id of ids) await settle(id, sky);
    await expectPaidOnce();
  });

  it('un-credits a deposit whose block is orphaned before confirmation and pays the re-mined one once', async () => {
    const sky = SKY[2];
    const addr = await bind(daemon, sky, 'BTC');
    const id = await send(addr, 25_000_000n);
    const txid = id.split(':')[0];
    const raw = await btc.rpc<string>('getrawtransaction', [txid, false]);
    const [orphan] = await btc.mine(1);
    await waitFor(
      () => pendingOf(sky),
      (p) => p.length === 1,
      DEADLINE_MS,
      'deposit seen',
    );
    await btc.invalidateBlock(orphan);
    await waitFor(
      () => pendingOf(sky),
      (p) => p.length === 0,
      DEADLINE_MS,
      'deposit un-credited',
    );
    // A different block at the orphan's height, without the deposit: still nothing to pay.
    await btc.mine(1, await btc.walletRpc<string>('getnewaddress'));
    await atTip();
    expect(await pendingOf(sky)).toEqual([]);
    expect(await adminDeposits(daemon)).toHaveLength(expected.size - 1);
    // bcoin does not return an orphaned block's txs to its mempool: send it again.
    await btc.rpc('sendrawtransaction', [raw]).catch((e: Error) => {
      if (!/already|-27/.test(e.message)) throw e;
    });
    await btc.mine(CONFIRMATIONS);
    await settle(id, sky);
    const rec = (await adminDeposits(daemon)).find((d) => d.deposit_id === id);
    expect(await btc.rpc<string>('getblockhash', [rec?.deposit.height])).not.toBe(orphan);
    await btc.mine(2);
    await atTip();
    await expectPaidOnce();
    const health = await scannerHealth();
    expect(health.last_error).toBe('');
  });

  it('notices at restart that the block of a seen deposit was orphaned while it was down (SIGKILL)', async () => {
    const sky = SKY[2];
    const addr = await bind(daemon, sky, 'BTC');
    const id = await send(addr, 12_121_212n);
    const raw = await btc.rpc<string>('getrawtransaction', [id.split(':')[0], false]);
    const [orphan] = await btc.mine(1);
    await waitFor(
      () => pendingOf(sky),
      (p) => p.length === 1,
      DEADLINE_MS,
      'deposit seen',
    );
    await daemon.kill();
    await btc.invalidateBlock(orphan);
    await btc.mine(2, await btc.walletRpc<string>('getnewaddress'));
    await daemon.restart();
    await atTip();
    expect(await pendingOf(sky)).toEqual([]);
    expect(await record(id)).toBeUndefined();
    await btc.rpc('sendrawtransaction', [raw]).catch((e: Error) => {
      if (!/already|-27/.test(e.message)) throw e;
    });
    await btc.mine(CONFIRMATIONS);
    await settle(id, sky);
    await afterNextPoll();
    await expectPaidOnce();
  });

  it('after `teller rescan` below a reorg it did not see, never pays the orphaned deposit (issue 16)', async () => {
    const sky = SKY[3];
    const addr = await bind(daemon, sky, 'BTC');
    const id = await send(addr, 13_131_313n);
    const raw = await btc.rpc<string>('getrawtransaction', [id.split(':')[0], false]);
    const [orphan] = await btc.mine(1);
    const orphanHeight = await btc.height();
    await waitFor(
      () => pendingOf(sky),
      (p) => p.length === 1,
      DEADLINE_MS,
      'deposit seen',
    );
    await daemon.stop();
    // While teller is down the node drops the block (bcoin does not put its txs back in the
    // mempool) and grows past the confirmation depth; the operator rescans from below it.
    await btc.invalidateBlock(orphan);
    await btc.mine(CONFIRMATIONS + 1, await btc.walletRpc<string>('getnewaddress'));
    const from = orphanHeight - 1;
    const out = await runCli(['rescan', 'BTC', String(from), '-c', daemon.configPath, '-d', daemon.dataDir]);
    expect([out.code, out.stderr]).toEqual([0, '']);
    expect(out.stdout).toMatch(/1 unconfirmed deposits dropped until found again/);
    await daemon.restart();
    await atTip();
    // One more block scanned: the poll that reached the earlier tip (and its hand-overs) is over.
    await btc.mine(1, await btc.walletRpc<string>('getnewaddress'));
    await atTip();
    expect(await pendingOf(sky)).toEqual([]);
    expect(await record(id)).toBeUndefined();
    // Mined again: now it is on the chain, and it is paid once.
    await btc.rpc('sendrawtransaction', [raw]).catch((e: Error) => {
      if (!/already|-27/.test(e.message)) throw e;
    });
    await btc.mine(CONFIRMATIONS);
    await settle(id, sky);
    await atTip();
    await expectPaidOnce();
  });

  it('resumes from its cursor after SIGTERM and SIGKILL during a 200-block catch-up: no deposit missed or repeated', async () => {
    const sky = SKY[3];
    const addrs: string[] = [];
    for (let i = 0; i < 10; i++) addrs.push(await bind(daemon, sky, 'BTC'));
    await atTip();
    const before = await scannerHealth();
    await daemon.stop();
    // While it is down: 200 blocks, a deposit (two for the last address) every 20.
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      ids.push(await send(addrs[i], 100_000n + BigInt(i) * 1_111n));
      if (i === 9) ids.push(await send(addrs[i], 7_777n));
      await btc.mine(20);
    }
    const tip = await btc.height();
    expect(tip - before.height).toBe(200);
    // A slow node, so that the catch-up lasts long enough to be cut.
    proxy.delayMs = 25;
    const cut = async (kill: boolean): Promise<number> => {
      const from = (await scannerHealth()).height;
      const s = await waitFor(scannerHealth, (h) => h.height > from, DEADLINE_MS, 'catch-up progress');
      await daemon.restart({ kill });
      return s.height;
    };
    await daemon.restart();
    const cutTerm = await cut(false);
    const cutKill = await cut(true);
    proxy.delayMs = 0;
    // Both cuts fell inside the catch-up (not before it, not after it).
    expect(cutTerm).toBeGreaterThan(before.height);
    expect(cutKill).toBeGreaterThan(cutTerm);
    expect(cutKill).toBeLessThan(tip);
    for (const id of ids) await settle(id, sky);
    await afterNextPoll();
    await expectPaidOnce();
  });

  it('keeps retrying while the node is frozen or unreachable, reports why, and recovers', async () => {
    const sky = SKY[4];
    const addr = await bind(daemon, sky, 'BTC');
    // Frozen (SIGSTOP): requests hang; the daemon keeps answering its own API meanwhile.
    const asked = await tipRequests();
    btc.pause();
    try {
      // A poll has asked the frozen node since: it hangs, and the API must not wait on it.
      await waitFor(tipRequests, (n) => n > asked, DEADLINE_MS, 'a poll asking the frozen node');
      const res = await request(`${daemon.publicUrl}/api/health`, { timeoutMs: 2_000 });
      expect(res.status).toBe(200);
    } finally {
      btc.resume();
    }
    const frozen = await send(addr, 333_333n);
    await btc.mine(CONFIRMATIONS);
    await settle(frozen, sky);
    // Unreachable (connections refused): the poll fails and /api/health says why.
    await proxy.close();
    const down = await waitFor(scannerHealth, (s) => s.last_error !== '', DEADLINE_MS, 'a scanner error');
    expect(down.last_error).toMatch(/ECONNREFUSED/);
    expect(down.last_error).toContain(proxy.address);
    const id = await send(addr, 444_444n);
    await btc.mine(CONFIRMATIONS);
    const failed = pollFailures(); // the second poll to fail from here started after the blocks
    await waitForLog(daemon, POLL_FAILED, {}, failed + 2);
    expect((await adminDeposits(daemon)).some((d) => d.deposit_id === id)).toBe(false);
    await proxy.open();
    await settle(id, sky);
    expect((await scannerHealth()).last_error).toBe('');
    await expectPaidOnce();
  });

  it('starts while the node is unreachable: keeps retrying with the reason in /api/health, then scans', async () => {
    await proxy.close();
    await daemon.restart();
    expect(daemon.alive()).toBe(true);
    const down = await waitFor(scannerHealth, (s) => s.last_error !== '', DEADLINE_MS, 'a scanner error');
    expect(down.last_error).toMatch(/ECONNREFUSED/);
    expect(daemon.logs()).toMatch(/scanner poll failed; retrying/);
    const addr = await bind(daemon, SKY[0], 'BTC');
    const id = await send(addr, 555_555n);
    await btc.mine(CONFIRMATIONS);
    const failed = pollFailures(); // the second poll to fail from here started after the blocks
    await waitForLog(daemon, POLL_FAILED, {}, failed + 2);
    expect(daemon.alive()).toBe(true);
    await proxy.open();
    await settle(id, SKY[0]);
    await waitFor(scannerHealth, (s) => s.last_error === '', DEADLINE_MS, 'the error cleared');
    await expectPaidOnce();
  });
});

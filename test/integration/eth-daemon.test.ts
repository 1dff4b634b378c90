import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet, getAddress, type Contract } from 'ethers';
import { startAnvil, type Anvil } from '../helpers/anvil';
import {
  adminGet,
  SKY,
  bind,
  broadcasts,
  confirm,
  expectedDroplets,
  request,
  setBalance,
  startDaemon,
  waitFor,
  waitForLog,
  type Daemon,
} from '../helpers/daemon';
import { deployRejecter, deployToken, type Deployed } from '../helpers/erc20';
import { POLL_FAILED, coins, scannerWatch } from '../helpers/scanner-daemon';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { DEADLINE_MS } from '../helpers/until';

/**
 * The built daemon with the real ETH scanner (ETH and one ERC-20, dummy sender) against anvil
 * reached through a TCP proxy (closed to take the node "down"): exact wei and token amounts,
 * mixed-case pool addresses, reverted transactions, reorgs (anvil_reorg), restarts and SIGKILL
 * during a catch-up, and the node unreachable while running or at startup. Each deposit must be
 * paid exactly once, exactly.
 */

const CONFIRMATIONS = 2;
const ETH_RATE = 100n; // sky_eth_exchange_rate of the base config
const TOK_RATE = 2n;
const TOK_DECIMALS = 6;
const POOL_SIZE = 40;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'teller-eth-daemon-'));

interface Rec {
  deposit_id: string;
  status: string;
  coin_type: string;
  sky_address: string;
  deposit_address: string;
  txid: string;
  deposit_value: string;
  sky_sent: string;
}

interface Expected {
  coin: 'ETH' | 'TOK';
  value: bigint;
  sky: string;
}

describe('daemon with the real ETH scanner (anvil, ETH + ERC-20, dummy sender)', () => {
  let eth: Anvil;
  let proxy: TcpProxy;
  let daemon: Daemon;
  let token: Deployed;
  let rejecter: Deployed;
  /** The pool file as written: EIP-55 checksummed, mixed case. */
  let pool: string[];
  /** Every deposit the chain holds for us: id -> what it pays in. */
  const expected = new Map<string, Expected>();

  beforeAll(async () => {
    eth = await startAnvil();
    token = await deployToken(eth.wallets[0], { symbol: 'TOK', decimals: TOK_DECIMALS });
    // A contract whose receive() reverts: a watched address that gets mined, failed payments.
    rejecter = await deployRejecter(eth.wallets[0]);
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(eth.url).port) });
    pool = [
      getAddress(rejecter.address),
      ...Array.from({ length: POOL_SIZE - 1 }, () => Wallet.createRandom().address),
    ];
    const poolFile = path.join(tmp, 'eth.txt');
    writeFileSync(poolFile, pool.join('\n') + '\n');
    daemon = await startDaemon({
      eth_addresses: poolFile,
      teller: { max_bound_addrs: 0 },
      btc_scanner: { enabled: false },
      eth_scanner: {
        enabled: true,
        scan_period: '100ms',
        initial_scan_height: (await eth.tip()) + 1,
        confirmations_required: CONFIRMATIONS,
        chain_id: eth.chainId,
      },
      eth_rpc: { server: '127.0.0.1', port: String(proxy.port) },
      eth_tokens: [{ symbol: 'TOK', contract: token.address, decimals: TOK_DECIMALS, exchange_rate: '2' }],
      dummy: { scanner: false, sender: true },
    });
    await setBalance(daemon, 10n ** 15n);
  }, 60_000);

  afterAll(async () => {
    await daemon?.dispose();
    await proxy?.close();
    await eth?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const {
    health: scannerHealth,
    atTip,
    afterNextPoll,
    afterPolls,
    pollFailures,
    pendingOf,
  } = scannerWatch({
    chain: 'ETH',
    daemon: () => daemon,
    proxy: () => proxy,
    tipMethod: 'eth_blockNumber',
    tip: () => eth.tip(),
    mine: (n) => eth.mine(n),
  });

  /** Admin records; amounts as strings (wei does not fit a JS number). */
  async function records(): Promise<Rec[]> {
    const res = await request(`${daemon.adminUrl}/api/deposits`);
    const body = res.body.replace(/("(?:deposit_value|value|sky_sent)": ?)(\d+)/g, '$1"$2"');
    return (JSON.parse(body) as { deposits: Rec[] }).deposits;
  }
  const record = async (id: string): Promise<Rec | undefined> =>
    (await records()).find((r) => r.deposit_id === id);

  const payout = (e: Expected): bigint =>
    e.coin === 'ETH'
      ? expectedDroplets(e.value, 18, ETH_RATE)
      : expectedDroplets(e.value, TOK_DECIMALS, TOK_RATE);

  async function sendEth(from: Wallet, to: string, wei: bigint, sky: string): Promise<string> {
    const tx = await from.sendTransaction({ to, value: wei });
    await tx.wait();
    const id = `${tx.hash}:0`;
    expected.set(id, { coin: 'ETH', value: wei, sky });
    return id;
  }

  async function sendToken(to: string, units: bigint, sky: string): Promise<string> {
    const tx = (await (token.contract as Contract).getFunction('transfer')(to, units)) as {
      hash: string;
      wait(): Promise<{ logs: { index: number }[] } | null>;
    };
    const receipt = await tx.wait();
    if (!receipt?.logs[0]) throw new Error(`transfer ${tx.hash} emitted no log`);
    // The transaction's first (only) log: index 0 among its logs.
    const id = `${tx.hash}:txlog0`;
    expected.set(id, { coin: 'TOK', value: units, sky });
    return id;
  }

  /** The receipt of `hash`, once the node has one (a raw send can answer before it is stored). */
  const receipt = (hash: string) =>
    waitFor(
      () => eth.provider.getTransactionReceipt(hash),
      (r) => r !== null,
      DEADLINE_MS,
      `receipt of ${hash}`,
    ) as Promise<NonNullable<Awaited<ReturnType<typeof eth.provider.getTransactionReceipt>>>>;

  /** waiting_confirm with its payout broadcast → confirm it → done; checks the exact amounts. */
  async function settle(id: string): Promise<void> {
    const want = expected.get(id);
    if (!want) throw new Error(`unknown deposit ${id}`);
    const rec = await waitFor(
      () => record(id),
      (r) => r?.status === 'waiting_confirm' || r?.status === 'done',
      DEADLINE_MS,
      `payout of ${id}`,
    );
    if (!rec) throw new Error(`no record of ${id}`);
    await waitFor(
      () => broadcasts(daemon),
      (b) => b.some((x) => x.txid === rec.txid),
      DEADLINE_MS,
      'broadcast',
    );
    expect({
      coin: rec.coin_type,
      value: rec.deposit_value,
      sent: rec.sky_sent,
      to: rec.sky_address,
    }).toEqual({
      coin: want.coin,
      value: String(want.value),
      sent: String(payout(want)),
      to: want.sky,
    });
    if (rec.status === 'waiting_confirm') await confirm(daemon, rec.txid);
    await waitFor(
      () => record(id),
      (r) => r?.status === 'done',
      DEADLINE_MS,
      `${id} done`,
    );
  }

  /** One record per deposit on the chain with its exact value; one broadcast per record, exact. */
  async function expectPaidOnce(): Promise<void> {
    const recs = await records();
    expect(recs.map((r) => [r.deposit_id, r.coin_type, r.deposit_value]).sort()).toEqual(
      [...expected].map(([id, e]) => [id, e.coin, String(e.value)]).sort(),
    );
    const sent = await broadcasts(daemon);
    expect(sent).toHaveLength(recs.length);
    for (const r of recs) {
      const want = expected.get(r.deposit_id);
      if (!want) throw new Error(`unexpected deposit ${r.deposit_id}`);
      expect(sent.filter((b) => b.txid === r.txid).map((b) => b.outputs)).toEqual([
        [{ address: r.sky_address, coins: coins(payout(want)) }],
      ]);
    }
  }

  it('does not credit reverted transactions (a rejecting contract, a failed token transfer)', async () => {
    const sky = SKY[0];
    const rejecting = await bind(daemon, sky, 'ETH');
    expect(rejecting).toBe(rejecter.address);
    const plain = await bind(daemon, sky, 'TOK');
    // Fixed gas limits: estimateGas would refuse to send a transaction that reverts.
    const failed = await eth.wallets[2].sendTransaction({
      to: rejecting,
      value: 10n ** 17n,
      gasLimit: 100_000n,
    });
    const broke = eth.wallets[3]; // holds no tokens: its transfer reverts
    const data = (token.contract as Contract).interface.encodeFunctionData('transfer', [plain, 1_000n]);
    const failedTransfer = await broke.sendTransaction({ to: token.address, data, gasLimit: 100_000n });
    // A raw send can answer before the receipt is stored: `receipt` waits for it.
    for (const tx of [failed, failedTransfer]) expect((await receipt(tx.hash)).status).toBe(0);
    await eth.mine(CONFIRMATIONS + 1);
    await afterNextPoll();
    expect(await records()).toEqual([]);
    expect(await pendingOf(sky)).toEqual([]);
    expect(await broadcasts(daemon)).toEqual([]);
    expect(daemon.logs()).toContain(failed.hash);
  });

  it('pays an ETH and an ERC-20 deposit to mixed-case pool addresses, exactly, at the confirmation depth', async () => {
    const sky = SKY[1];
    const ethAddr = await bind(daemon, sky, 'ETH');
    const tokAddr = await bind(daemon, sky, 'TOK');
    // Handed out lowercase; the pool holds them checksummed (teller missed such deposits).
    for (const a of [ethAddr, tokAddr]) {
      expect(a).toBe(a.toLowerCase());
      const written = pool.find((p) => p.toLowerCase() === a);
      expect(written).toBeDefined();
      expect(written).not.toBe(a);
    }
    const ethId = await sendEth(eth.wallets[1], getAddress(ethAddr), 300_000_000_123_456_789n, sky);
    const tokId = await sendToken(getAddress(tokAddr), 1_234_567n, sky);
    // The ETH deposit's block has 2 confirmations now, the token's 1: the token one is not paid.
    await settle(ethId);
    await waitFor(
      () => pendingOf(sky),
      (p) => p.length === 1 && p[0].deposit_address === tokAddr && p[0].confirmations === 1,
      DEADLINE_MS,
      'the token deposit at 1 confirmation',
    );
    await afterPolls();
    expect(await record(tokId)).toBeUndefined();
    await eth.mine(1);
    await settle(tokId);
    expect(await pendingOf(sky)).toEqual([]);
    await expectPaidOnce();
  });

  it('records a token sent to an address bound for ETH, unpaid with an error, and pays it on an admin retry', async () => {
    const sky = SKY[2];
    const ethAddr = await bind(daemon, sky, 'ETH');
    const id = await sendToken(getAddress(ethAddr), 7_654_321n, sky);
    await eth.mine(CONFIRMATIONS);
    const rec = await waitFor(
      () => record(id),
      (r) => r !== undefined,
      DEADLINE_MS,
      'the wrong-asset deposit recorded',
    );
    expect(rec).toMatchObject({
      coin_type: 'TOK',
      deposit_address: ethAddr,
      deposit_value: '7654321',
      sky_address: sky,
      status: 'waiting_decide',
      error: 'wrong asset: TOK sent to an address bound for ETH; not paid until an operator retries it',
    });
    const overview = await adminGet<{ deposit_error_count: number }>(daemon, '/api/overview');
    expect(overview.deposit_error_count).toBe(1);
    expect(daemon.logs()).toMatch(/"level":50[^\n]*wrong asset: TOK sent to an address bound for ETH/);
    expect((await broadcasts(daemon)).some((b) => b.outputs.some((o) => o.address === sky))).toBe(false);
    // The buyer's ETH row does not show the token as a pending ETH deposit.
    expect(await pendingOf(sky)).toEqual([]);
    const retried = await request(`${daemon.adminUrl}/api/deposits/${id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(200);
    await settle(id);
    await expectPaidOnce();
  });

  it('un-credits a deposit orphaned by a reorg before confirmation and pays the re-mined one once', async () => {
    const sky = SKY[2];
    const addr = await bind(daemon, sky, 'ETH');
    const sender = eth.wallets[4];
    const raw = await sender.signTransaction(
      await sender.populateTransaction({ to: addr, value: 777_000_000_000_000_001n }),
    );
    const hash = (await eth.send('eth_sendRawTransaction', [raw])) as string;
    const id = `${hash}:0`;
    expected.set(id, { coin: 'ETH', value: 777_000_000_000_000_001n, sky });
    const included = await receipt(hash);
    expect(included.status).toBe(1);
    await waitFor(
      () => pendingOf(sky),
      (p) => p.length === 1,
      DEADLINE_MS,
      'deposit seen',
    );
    // The deposit's block is replaced by an empty one at the same height.
    await eth.reorg(1, []);
    expect(await eth.provider.getTransactionReceipt(hash)).toBeNull();
    await waitFor(
      () => pendingOf(sky),
      (p) => p.length === 0,
      DEADLINE_MS,
      'deposit un-credited',
    );
    await eth.mine(1);
    await atTip();
    expect(await record(id)).toBeUndefined();
    expect(daemon.logs()).toMatch(/deposit un-credited/);
    // Mined again, in a later block.
    await eth.send('eth_sendRawTransaction', [raw]);
    const again = await receipt(hash);
    expect(again.blockNumber).toBeGreaterThan(included.blockNumber);
    await eth.mine(1);
    await settle(id);
    await eth.mine(3);
    await afterNextPoll();
    await expectPaidOnce();
    expect((await scannerHealth()).last_error).toBe('');
  });

  it('pays once an ERC-20 deposit whose block is replaced by a reorg that re-mines it at the same height', async () => {
    const sky = SKY[2];
    const addr = await bind(daemon, sky, 'TOK');
    const owner = eth.wallets[0];
    const call = await (token.contract as Contract)
      .getFunction('transfer')
      .populateTransaction(addr, 4_200_000n);
    const raw = await owner.signTransaction(await owner.populateTransaction(call));
    const hash = (await eth.send('eth_sendRawTransaction', [raw])) as string;
    const first = await receipt(hash);
    expect(first.logs).toHaveLength(1);
    const id = `${hash}:txlog0`;
    expected.set(id, { coin: 'TOK', value: 4_200_000n, sky });
    await waitFor(
      () => pendingOf(sky),
      (p) => p.length === 1,
      DEADLINE_MS,
      'deposit seen',
    );
    await eth.reorg(1, [[raw, 0]]);
    const second = await waitFor(
      () => receipt(hash),
      (r) => r.blockHash !== first.blockHash,
      DEADLINE_MS,
      'the re-mined receipt',
    );
    expect(second.blockNumber).toBe(first.blockNumber);
    // Same height, new hash: the scanner moves onto the replacement block.
    await waitFor(scannerHealth, (s) => s.hash === second.blockHash, DEADLINE_MS, 'the replacement block');
    await waitFor(
      () => pendingOf(sky),
      (p) => p.length === 1 && p[0].confirmations === 1,
      DEADLINE_MS,
      'seen again',
    );
    await eth.mine(1);
    await settle(id);
    await eth.mine(3);
    await afterNextPoll();
    await expectPaidOnce();
  });

  it('resumes from its cursor after SIGTERM and SIGKILL during a 200-block catch-up: no deposit missed or repeated', async () => {
    const sky = SKY[3];
    const addrs: string[] = [];
    for (let i = 0; i < 5; i++) addrs.push(await bind(daemon, sky, 'ETH'));
    for (let i = 0; i < 5; i++) addrs.push(await bind(daemon, sky, 'TOK'));
    await atTip();
    const before = await scannerHealth();
    await daemon.stop();
    const ids: string[] = [];
    const start = await eth.tip();
    for (let i = 0; i < 10; i++) {
      ids.push(
        i < 5
          ? await sendEth(eth.wallets[5], addrs[i], 10n ** 15n + BigInt(i), sky)
          : await sendToken(addrs[i], 1_000n + BigInt(i), sky),
      );
      await eth.mine(19);
    }
    const tip = await eth.tip();
    expect(tip - start).toBe(200);
    proxy.delayMs = 40;
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
    expect(cutTerm).toBeGreaterThan(before.height);
    expect(cutKill).toBeGreaterThan(cutTerm);
    expect(cutKill).toBeLessThan(tip);
    for (const id of ids) await settle(id);
    await afterNextPoll();
    await expectPaidOnce();
  });

  it('keeps retrying while the RPC is unreachable, reports why, and recovers', async () => {
    const sky = SKY[4];
    const addr = await bind(daemon, sky, 'TOK');
    await proxy.close();
    const down = await waitFor(scannerHealth, (s) => s.last_error !== '', DEADLINE_MS, 'a scanner error');
    expect(down.last_error).toMatch(/ECONNREFUSED|refused|connect/i);
    const id = await sendToken(addr, 5_000_000n, sky);
    await eth.mine(CONFIRMATIONS);
    const failed = pollFailures(); // the second poll to fail from here started after the blocks
    await waitForLog(daemon, POLL_FAILED, {}, failed + 2);
    expect(await record(id)).toBeUndefined();
    await proxy.open();
    await settle(id);
    await waitFor(scannerHealth, (s) => s.last_error === '', DEADLINE_MS, 'the error cleared');
    await expectPaidOnce();
  });

  it('starts while the RPC is unreachable: keeps retrying with the reason in /api/health, then scans', async () => {
    await proxy.close();
    await daemon.restart();
    const down = await waitFor(scannerHealth, (s) => s.last_error !== '', DEADLINE_MS, 'a scanner error');
    expect(down.last_error).toMatch(/ECONNREFUSED|refused|connect/i);
    const addr = await bind(daemon, SKY[0], 'ETH');
    const id = await sendEth(eth.wallets[6], addr, 123_456_789_012_345_678n, SKY[0]);
    await eth.mine(CONFIRMATIONS);
    const failed = pollFailures(); // the second poll to fail from here started after the blocks
    await waitForLog(daemon, POLL_FAILED, {}, failed + 2);
    expect(daemon.alive()).toBe(true);
    await proxy.open();
    await settle(id);
    await waitFor(scannerHealth, (s) => s.last_error === '', DEADLINE_MS, 'the error cleared');
    await expectPaidOnce();
  });
});

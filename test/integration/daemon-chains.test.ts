import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet, parseEther } from 'ethers';
import { startAnvil, type Anvil } from '../helpers/anvil';
import { startBitcoind, type Bitcoind } from '../helpers/bitcoind';
import { SKY, request, startDaemon, waitForScannedHeight, type Daemon } from '../helpers/daemon';
import { deployToken, mined, type Deployed } from '../helpers/erc20';
import { untilValue } from '../helpers/until';
import { writeRegtestPool } from '../helpers/btc-regtest';

/**
 * The built daemon with its real scanners against a bcoin regtest node and anvil (dummy sender):
 * deposits are credited only after `confirmations_required`, with exact amounts, and paid once.
 */

const tmp = mkdtempSync(path.join(os.tmpdir(), 'teller-chains-'));

async function json<T>(url: string): Promise<T> {
  const res = await request(url);
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${res.body}`);
  return JSON.parse(res.body) as T;
}

async function bind(d: Daemon, sky: string, coin: string): Promise<string> {
  const res = await request(`${d.publicUrl}/api/bind`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ skyaddr: sky, coin_type: coin }),
  });
  expect(res.status).toBe(200);
  return (JSON.parse(res.body) as { deposit_address: string }).deposit_address;
}

interface Info {
  deposit_id: string;
  status: string;
  deposit_value: number | string;
  sky_sent: number;
  coin_type: string;
}

/** Admin deposits of `coin`; integers too large for a JS number (wei) are read as strings. */
async function depositsOf(d: Daemon, coin: string): Promise<Info[]> {
  const res = await request(`${d.adminUrl}/api/deposits`);
  const body = res.body.replace(/("(?:deposit_value|value|sky_sent)": )(\d{16,})/g, '$1"$2"');
  return (JSON.parse(body) as { deposits: Info[] }).deposits.filter((x) => x.coin_type === coin);
}

async function waitUntil<T>(what: string, fn: () => Promise<T | undefined>, ms?: number): Promise<T> {
  return (await untilValue(what, fn, (v) => v !== undefined, ms, 100)) as T;
}

describe('daemon with real scanners (bcoin regtest + anvil)', () => {
  let btc: Bitcoind;
  let eth: Anvil;
  let daemon: Daemon;
  let token: Deployed;

  beforeAll(async () => {
    [btc, eth] = await Promise.all([startBitcoind(), startAnvil()]);
    token = await deployToken(eth.wallets[0], { symbol: 'TOK', decimals: 6 });
    const btcPool = path.join(tmp, 'btc.txt');
    const types = ['p2wpkh', 'p2pkh', 'p2sh-p2wpkh', 'p2tr'] as const;
    writeRegtestPool(btcPool, types.length, types);
    const ethPool = path.join(tmp, 'eth.txt');
    // Checksummed (mixed-case) pool addresses: teller missed deposits to them.
    writeFileSync(ethPool, Array.from({ length: 4 }, () => Wallet.createRandom().address).join('\n') + '\n');
    const ethUrl = new URL(eth.url);
    daemon = await startDaemon({
      btc_addresses: btcPool,
      eth_addresses: ethPool,
      btc_scanner: {
        enabled: true,
        network: 'regtest',
        scan_period: '100ms',
        initial_scan_height: await btc.height(),
        confirmations_required: 2,
      },
      btc_rpc: { server: btc.server, user: 'teller', pass: btc.apiKey },
      eth_scanner: {
        enabled: true,
        scan_period: '100ms',
        initial_scan_height: await eth.tip(),
        confirmations_required: 2,
        chain_id: eth.chainId,
      },
      eth_rpc: { server: ethUrl.hostname, port: ethUrl.port },
      eth_tokens: [{ symbol: 'TOK', contract: token.address, decimals: 6, exchange_rate: '2' }],
      dummy: { scanner: false, sender: true },
    });
  }, 60_000);

  afterAll(async () => {
    await daemon?.dispose();
    await Promise.all([btc?.stop(), eth?.stop()]);
  });

  it('credits a BTC deposit only after 2 confirmations and pays it once, exactly', async () => {
    const addr = await bind(daemon, SKY[0], 'BTC');
    const txid = await btc.sendToAddress(addr, '0.12345678');
    await btc.mine(1);
    // One confirmation: seen (v2 status shows progress) but not handed to the exchange.
    const pending = await waitUntil('pending deposit', async () => {
      const v2 = await json<{ deposits: { status: string; confirmations: number }[] }>(
        `${daemon.publicUrl}/api/v2/status?skyaddr=${SKY[0]}`,
      );
      return v2.deposits.find((r) => r.confirmations === 1);
    });
    expect(pending.status).toBe('waiting_deposit');
    expect(await depositsOf(daemon, 'BTC')).toHaveLength(0);
    await btc.mine(1);
    const [dep] = await waitUntil('BTC payout', async () => {
      const d = await depositsOf(daemon, 'BTC');
      return d.length && d[0].status === 'waiting_confirm' ? d : undefined;
    });
    expect(dep.deposit_id).toMatch(new RegExp(`^${txid}:\\d$`));
    expect(dep.deposit_value).toBe(12_345_678);
    expect(dep.sky_sent).toBe(61_728_000);
    await btc.mine(3);
    // Once the scanner has passed the new blocks, a second credit would have happened by now.
    await waitForScannedHeight(daemon, 'BTC', await btc.height());
    expect(await depositsOf(daemon, 'BTC')).toHaveLength(1);
  });

  it('credits an ETH deposit to a checksummed pool address in exact wei', async () => {
    const addr = await bind(daemon, SKY[1], 'ETH');
    const tx = await eth.wallets[1].sendTransaction({
      to: addr.toLowerCase(),
      value: parseEther('0.300000000123456789'),
    });
    await tx.wait();
    await eth.mine(1);
    const [dep] = await waitUntil('ETH payout', async () => {
      const d = await depositsOf(daemon, 'ETH');
      return d.length && d[0].status === 'waiting_confirm' ? d : undefined;
    });
    expect(dep.deposit_id).toBe(`${tx.hash}:0`);
    expect(String(dep.deposit_value)).toBe(String(300_000_000_123_456_789n));
    expect(dep.sky_sent).toBe(30_000_000);
  });

  it('credits an ERC-20 deposit in token units', async () => {
    const addr = await bind(daemon, SKY[2], 'TOK');
    await mined(token.contract.getFunction('transfer')(addr, 1_500_000n));
    await eth.mine(1);
    const [dep] = await waitUntil('token payout', async () => {
      const d = await depositsOf(daemon, 'TOK');
      return d.length && d[0].status === 'waiting_confirm' ? d : undefined;
    });
    expect(dep.deposit_value).toBe(1_500_000);
    expect(dep.sky_sent).toBe(3_000_000);
    const broadcasts = await json<{ outputs: { address: string; coins: string }[] }[]>(
      `${daemon.dummyUrl}/dummy/sender/broadcasts`,
    );
    expect(broadcasts.map((b) => b.outputs[0].coins).sort()).toEqual(['3.000000', '30.000000', '61.728000']);
  });

  it('reports the scanners and their lag in /api/health', async () => {
    const health = await json<{ scanners: { chain: string; lag: number; last_error: string }[] }>(
      `${daemon.publicUrl}/api/health`,
    );
    expect(health.scanners.map((s) => s.chain).sort()).toEqual(['BTC', 'ETH']);
    for (const s of health.scanners) expect(s.last_error).toBe('');
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ecc from '@bitcoinerlab/secp256k1';
import { initEccLib, networks, payments } from 'bitcoinjs-lib';
import { ECPairFactory } from 'ecpair';
import { btcOutputScript } from '../../src/chains/bitcoin/address';
import { hexReply } from '../../src/chains/bitcoin/hex-reply';
import { depositIdOf, type ScannedDeposit } from '../../src/core/deposit';
import { BtcSource } from '../../src/scanner/btc-source';
import { ChainScanner } from '../../src/scanner/engine';
import type { BlockSource } from '../../src/scanner/types';
import { Store } from '../../src/store/store';
import { startBitcoind, type Bitcoind } from '../helpers/bitcoind';
import { captureLog, waitFor } from '../unit/scanner/fake-chain';
import { DEADLINE_MS } from '../helpers/until';

/** The BTC scanner (engine + BtcSource + raw-block parser) against a real bcoin regtest node. */

initEccLib(ecc);
const ECPair = ECPairFactory(ecc);
const network = networks.regtest;
type KeyAddressType = 'p2pkh' | 'p2sh-p2wpkh' | 'p2wpkh' | 'p2tr';
const TYPES: KeyAddressType[] = ['p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr'];

/** A pool address of `type` made by bitcoinjs-lib from test key `i` (0x<i>...<i>). */
function poolAddress(i: number, type: KeyAddressType): string {
  const pubkey = ECPair.fromPrivateKey(Buffer.alloc(32, i)).publicKey;
  const payment = {
    p2pkh: () => payments.p2pkh({ pubkey, network }),
    'p2sh-p2wpkh': () => payments.p2sh({ redeem: payments.p2wpkh({ pubkey, network }), network }),
    p2wpkh: () => payments.p2wpkh({ pubkey, network }),
    p2tr: () => payments.p2tr({ internalPubkey: pubkey.subarray(1, 33), network }),
  }[type]();
  if (!payment.address) throw new Error(`no ${type} address`);
  return payment.address;
}

const toBtc = (sats: bigint): string => (Number(sats) / 1e8).toFixed(8);

jest.setTimeout(60_000);

describe('BTC scanner against bcoin regtest', () => {
  let node: Bitcoind;
  let dir: string;
  let store: Store;
  const running: ChainScanner[] = [];

  beforeAll(async () => {
    node = await startBitcoind();
  });
  afterAll(async () => {
    await node?.stop();
  });
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'teller-btcscan-'));
    store = await Store.open(dir);
  });
  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rpcOptions = (over: { server?: string; timeoutMs?: number; attempts?: number } = {}) => ({
    server: node.server,
    user: 'x',
    pass: node.apiKey,
    cert: '',
    ...over,
  });

  async function scanner(opts: {
    confirmations: number;
    initial: number;
    addresses: string[];
    source?: BlockSource;
    rpc?: Parameters<typeof rpcOptions>[0];
    batchSize?: number;
    period?: number;
  }) {
    const cap = captureLog();
    const source =
      opts.source ?? new BtcSource({ rpc: rpcOptions(opts.rpc), network: 'regtest', log: cap.log });
    // Each poll starts with tipHeight() and polls never overlap: n + 1 calls mean n whole polls ended.
    let tipCalls = 0;
    const tipHeight = source.tipHeight.bind(source);
    source.tipHeight = () => {
      tipCalls++;
      return tipHeight();
    };
    const s = new ChainScanner({
      source,
      store,
      log: cap.log,
      batchSize: opts.batchSize,
      progressIntervalMs: 50,
      config: {
        enabled: true,
        scan_period_ms: opts.period ?? 100,
        initial_scan_height: opts.initial,
        confirmations_required: opts.confirmations,
      },
    });
    for (const a of opts.addresses) s.watch('BTC', a);
    const handed: ScannedDeposit[] = [];
    await s.start(async (d) => void handed.push(d));
    running.push(s);
    const done = () => cap.msgs('deposit handed over').length;
    const atTip = async () => {
      const tip = await node.height();
      await waitFor(() => s.status().height === tip, `scanned to ${tip}`, DEADLINE_MS);
    };
    /** Two whole polls after this call: what the scanner would do with what it saw, it has done. */
    const afterPolls = async () => {
      const start = tipCalls;
      await waitFor(() => tipCalls >= start + 3, 'two more polls', DEADLINE_MS);
    };
    return { s, handed, done, atTip, afterPolls, ...cap };
  }

  /** The output index of `address` in `txid`, from the node's own decoding. */
  async function voutOf(txid: string, address: string): Promise<number> {
    const tx = await node.rpc<{ vout: { n: number; scriptPubKey: { hex: string } }[] }>('getrawtransaction', [
      txid,
      true,
    ]);
    const hex = Buffer.from(btcOutputScript(address, 'regtest')).toString('hex');
    const out = tx.vout.find((o) => o.scriptPubKey.hex === hex);
    if (!out) throw new Error(`${txid} does not pay ${address}`);
    return out.n;
  }

  it("reads the node's own getblock reply in place (no JSON.parse of the block hex)", async () => {
    const [hash] = await node.mine(1);
    const res = await fetch(`http://${node.server}/`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from(`x:${node.apiKey}`).toString('base64') },
      body: JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'getblock', params: [hash, 0] }),
    });
    const body = Buffer.from(await res.arrayBuffer());
    const reply = hexReply(body);
    if (reply === undefined) throw new Error(`not read in place: ${body.toString().slice(0, 60)}`);
    expect(reply).toMatchObject({ error: null, id: 1 });
    const { result } = reply;
    const hex = (JSON.parse(body.toString()) as { result: string }).result;
    expect(body.toString('latin1', result.start, result.end)).toBe(hex);
  });

  it('finds P2PKH, P2SH-P2WPKH, P2WPKH and P2TR deposits exactly, once 3 confirmations are reached', async () => {
    const addrs = TYPES.map((t) => poolAddress(1, t));
    const start = (await node.height()) + 1;
    const { s, handed, done, afterPolls } = await scanner({
      confirmations: 3,
      initial: start,
      addresses: addrs,
    });
    const values = [10_000_000n, 2_345_678n, 150_000_000n, 12_345n];
    const txids: string[] = [];
    for (let i = 0; i < addrs.length; i++) txids.push(await node.sendToAddress(addrs[i], toBtc(values[i])));
    await node.mine(1);
    for (const confs of [1, 2]) {
      await waitFor(
        () => addrs.every((a) => s.pending(a)[0]?.confirmations === confs),
        `${confs} confirmations`,
      );
      await afterPolls();
      expect(handed).toEqual([]);
      if (confs === 1) await node.mine(1);
    }
    await node.mine(1);
    await waitFor(() => done() === 4, 'four hand-overs');
    const expected = await Promise.all(
      addrs.map(async (address, i) => ({
        coin_type: 'BTC',
        address,
        value: values[i],
        height: start,
        tx: txids[i],
        n: await voutOf(txids[i], address),
      })),
    );
    expect([...handed].sort((a, b) => a.address.localeCompare(b.address))).toEqual(
      expected.sort((a, b) => a.address.localeCompare(b.address)),
    );
    expect(addrs.flatMap((a) => s.pending(a))).toEqual([]);
  });

  it('reports two watched outputs of one transaction as two deposits (txid:vout)', async () => {
    const [a, b] = [poolAddress(2, 'p2wpkh'), poolAddress(2, 'p2tr')];
    const { handed, done } = await scanner({
      confirmations: 1,
      initial: (await node.height()) + 1,
      addresses: [a, b],
    });
    const txid = await node.sendMany([
      { address: a, value: 30_000n },
      { address: b, value: 40_000n },
    ]);
    await node.mine(1);
    await waitFor(() => done() === 2, 'two hand-overs');
    const byAddr = new Map(handed.map((d) => [d.address, d]));
    expect(byAddr.get(a)).toMatchObject({ tx: txid, value: 30_000n, n: await voutOf(txid, a) });
    expect(byAddr.get(b)).toMatchObject({ tx: txid, value: 40_000n, n: await voutOf(txid, b) });
    expect(new Set(handed.map(depositIdOf)).size).toBe(2);
  });

  it('un-credits a deposit whose block is invalidated before 3 confirmations, and hands the re-mined one once', async () => {
    const addr = poolAddress(3, 'p2wpkh');
    const { s, handed, done, msgs, afterPolls } = await scanner({
      confirmations: 3,
      initial: (await node.height()) + 1,
      addresses: [addr],
    });
    const txid = await node.sendToAddress(addr, '0.25');
    const raw = await node.rpc<string>('getrawtransaction', [txid, false]);
    const depositId = `${txid}:${await voutOf(txid, addr)}`;
    const [orphan] = await node.mine(1);
    await waitFor(() => s.pending(addr).length === 1, 'seen');
    await node.invalidateBlock(orphan);
    await waitFor(() => s.pending(addr).length === 0, 'un-credited');
    expect(msgs('un-credited')[0]).toMatchObject({ depositId, block: orphan });
    await node.mine(1, await node.walletRpc<string>('getnewaddress')); // a different block at that height
    await node.rpc('sendrawtransaction', [raw]).catch((e: Error) => {
      // Already back in the mempool or in the new block: either way it will be (or is) mined.
      if (!/already|-27/.test(e.message)) throw e;
    });
    await node.mine(3);
    await waitFor(() => done() === 1, 'hand-over');
    await afterPolls();
    expect(handed).toHaveLength(1);
    expect(depositIdOf(handed[0])).toBe(depositId);
    expect(handed[0].value).toBe(25_000_000n);
    const block = await node.rpc<string>('getblockhash', [handed[0].height]);
    expect(block).not.toBe(orphan);
    expect(s.status().alert).toBe('');
  });

  it('retries while the node is unreachable or frozen, then recovers', async () => {
    const closed = await scanner({
      confirmations: 1,
      initial: 0,
      addresses: [],
      rpc: { server: '127.0.0.1:1', attempts: 1 },
    });
    await waitFor(() => closed.s.status().last_error.includes('ECONNREFUSED'), 'refused');
    await closed.s.stop();
    running.splice(running.indexOf(closed.s), 1);

    const addr = poolAddress(4, 'p2pkh');
    const { s, done, atTip, msgs } = await scanner({
      confirmations: 1,
      initial: (await node.height()) + 1,
      addresses: [addr],
      rpc: { timeoutMs: 300, attempts: 1 },
      period: 100,
    });
    await node.mine(1);
    await atTip();
    node.pause();
    try {
      await waitFor(() => msgs('poll failed').length >= 2, 'failed polls');
      expect(s.status().last_error).toMatch(/no answer from .* within 300 ms/);
    } finally {
      node.resume();
    }
    await node.sendToAddress(addr, '0.001');
    await node.mine(1);
    await waitFor(() => done() === 1 && s.status().last_error === '', 'recovery');
    expect(msgs('scanner recovered')).toHaveLength(1);
  });

  it('neither misses nor repeats deposits across a kill mid-scan and a restart', async () => {
    const addrs = TYPES.map((t) => poolAddress(5, t));
    const start = (await node.height()) + 1;
    const sent: string[] = [];
    for (let i = 0; i < 8; i++) {
      const txid = await node.sendToAddress(addrs[i % 4], toBtc(BigInt(100_000 + i)));
      sent.push(`${txid}:${await voutOf(txid, addrs[i % 4])}`);
      await node.mine(3);
    }
    // The first scanner "dies" on its 3rd request for blocks: the call never returns, nothing more is written.
    const real = new BtcSource({ rpc: rpcOptions(), network: 'regtest', log: captureLog().log });
    let calls = 0;
    const dying: BlockSource = {
      chain: 'BTC',
      coins: ['BTC'],
      init: () => real.init(),
      watch: (c, a) => real.watch(c, a),
      tipHeight: () => real.tipHeight(),
      hashAt: (h) => real.hashAt(h),
      blocks: (f, t) => (++calls >= 3 ? new Promise(() => undefined) : real.blocks(f, t)),
    };
    const killed = await scanner({
      confirmations: 1,
      initial: start,
      addresses: addrs,
      source: dying,
      batchSize: 5,
    });
    running.pop(); // never stopped: its poll never ends
    await waitFor(() => calls >= 3, 'killed mid-scan');
    expect(killed.s.status().height).toBe(start + 9);

    const second = await scanner({ confirmations: 1, initial: start, addresses: addrs, batchSize: 5 });
    await second.atTip();
    await waitFor(() => killed.handed.length + second.handed.length === 8, 'all deposits');
    await second.s.stop();
    running.pop();

    const txid = await node.sendToAddress(addrs[0], '0.002');
    sent.push(`${txid}:${await voutOf(txid, addrs[0])}`);
    await node.mine(1);
    const third = await scanner({ confirmations: 1, initial: start, addresses: addrs });
    await third.atTip();
    await waitFor(() => third.done() === 1, 'deposit after restart');
    await third.afterPolls();
    const all = [...killed.handed, ...second.handed, ...third.handed].map(depositIdOf);
    expect(all.sort()).toEqual([...sent].sort());
    expect(killed.handed.length).toBeGreaterThan(0);
    expect(third.handed).toHaveLength(1);
  });

  it('catches up ~300 blocks, logging progress', async () => {
    const addr = poolAddress(6, 'p2wpkh');
    const start = (await node.height()) + 1;
    await node.mine(150);
    const txid = await node.sendToAddress(addr, '0.5');
    await node.mine(150);
    const t0 = Date.now();
    const { handed, done, msgs, atTip } = await scanner({
      confirmations: 6,
      initial: start,
      addresses: [addr],
    });
    await atTip();
    await waitFor(() => done() === 1, 'hand-over');
    const ms = Date.now() - t0;
    expect(handed[0]).toMatchObject({ tx: txid, value: 50_000_000n, height: start + 150 });
    expect(msgs('scanner catching up')[0]).toMatchObject({ level: 30, height: start - 1, behind: 300 });
    expect(msgs('scanner caught up')[0]).toMatchObject({ blocks: 300 });
    console.log(`caught up 300 regtest blocks in ${ms} ms (${msgs('catching up').length} progress lines)`);
  });
});

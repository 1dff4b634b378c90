import { randomBytes } from 'node:crypto';
import { Block, Transaction } from 'bitcoinjs-lib';
import { btcOutputScript } from '../../../src/chains/bitcoin/address';
import { BtcSource, BtcSourceError } from '../../../src/scanner/btc-source';
import { captureLog } from './fake-chain';
import { err, mockNode, ok, type MockNode } from './mock-rpc';

const P2WPKH = 'bcrt1qf7vmha6hqljyhs405efn0hkwj98gz74v0458ns';
const P2TR = 'bcrt1pzc0r8r2gs5atzpqvnx3j0h7e2sqg3uwe5fchf3vcxcmd7m4ccxgq3y7ur3';
const P2PKH = 'mnmqqrKHXqpLNJnQTFV1UZSvpSXWsS5QQm';

function makeTx(outputs: [string, bigint][]): Transaction {
  const t = new Transaction();
  t.addInput(randomBytes(32), 0);
  t.setWitness(0, [randomBytes(71), randomBytes(33)]);
  for (const [a, v] of outputs) t.addOutput(btcOutputScript(a, 'regtest'), v);
  return t;
}

/** A linked chain of real serialized blocks; index = height. */
function makeChain(txsByHeight: Transaction[][]): { hash: string; hex: string }[] {
  let prev = Buffer.alloc(32);
  return txsByHeight.map((txs) => {
    const b = new Block();
    b.version = 0x20000000;
    b.prevHash = prev;
    b.timestamp = 1_700_000_000;
    b.bits = 0x207fffff;
    b.nonce = 0;
    b.transactions = [makeTx([[P2PKH, 50n]]), ...txs];
    b.merkleRoot = Block.calculateMerkleRoot(b.transactions);
    prev = Buffer.from(b.getHash());
    return { hash: b.getId(), hex: Buffer.from(b.toBuffer()).toString('hex') };
  });
}

interface Call {
  id: number;
  method: string;
  params: unknown[];
}

describe('BtcSource (against a fake Core node)', () => {
  let node: MockNode;
  let source: BtcSource;
  const deposit = makeTx([
    [P2TR, 1_000n],
    [P2PKH, 5n],
    [P2WPKH, 2_500n],
    [P2WPKH, 3_500n],
  ]);
  const chain = makeChain([[], [deposit], []]);
  let chainName = 'regtest';

  const answer = (c: Call) => {
    switch (c.method) {
      case 'getblockchaininfo':
        return ok(c, {
          chain: chainName,
          blocks: chain.length - 1,
          bestblockhash: chain[chain.length - 1].hash,
        });
      case 'getblockcount':
        return ok(c, chain.length - 1);
      case 'getblockhash': {
        const b = chain[c.params[0] as number];
        return b ? ok(c, b.hash) : err(c, -8, 'Block height out of range.');
      }
      case 'getblock': {
        const b = chain.find((x) => x.hash === c.params[0]);
        return b ? ok(c, b.hex) : err(c, -1, 'Block not found.');
      }
      default:
        return err(c, -32601, 'Method not found.');
    }
  };

  beforeEach(async () => {
    chainName = 'regtest';
    node = await mockNode((body) => ({
      body: Array.isArray(body) ? body.map((c: Call) => answer(c)) : answer(body as Call),
    }));
    source = new BtcSource({
      rpc: { server: node.server, user: 'u', pass: 'p', cert: '' },
      network: 'regtest',
      log: captureLog().log,
    });
  });
  afterEach(async () => {
    await source.close();
    await node.close();
  });

  it('checks the node at init: network, then raw blocks', async () => {
    await expect(source.init()).resolves.toBeUndefined();
    chainName = 'main';
    const e = await source.init().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BtcSourceError);
    expect((e as Error).message).toMatch(
      /is on chain "main" but btc_scanner.network is regtest \(expects "regtest"\)/,
    );
    chainName = 'regtest';
    node.respond = (body) => ({
      body:
        (body as Call).method === 'getblock'
          ? err(body, -1, 'Block not available (pruned data)')
          : answer(body as Call),
    });
    await expect(source.init()).rejects.toThrow(/getblock <hash> 0 fails: .*pruned data/);
  });

  it('reports tip, hashes (null above the tip) and the deposits of watched scripts', async () => {
    source.watch('BTC', P2WPKH);
    source.watch('BTC', P2TR);
    expect(await source.tipHeight()).toBe(2);
    expect(await source.hashAt(1)).toBe(chain[1].hash);
    expect(await source.hashAt(3)).toBeNull();
    const blocks = await source.blocks(0, 2);
    expect(blocks.map((b) => [b.height, b.hash, b.parentHash])).toEqual([
      [0, chain[0].hash, '00'.repeat(32)],
      [1, chain[1].hash, chain[0].hash],
      [2, chain[2].hash, chain[1].hash],
    ]);
    const txid = deposit.getId();
    expect(blocks[1].deposits).toEqual([
      { coin_type: 'BTC', address: P2TR, value: 1_000n, height: 1, tx: txid, n: 0 },
      { coin_type: 'BTC', address: P2WPKH, value: 2_500n, height: 1, tx: txid, n: 2 },
      { coin_type: 'BTC', address: P2WPKH, value: 3_500n, height: 1, tx: txid, n: 3 },
    ]);
    expect(blocks[0].deposits).toEqual([]);
    // One batch for the hashes, one getblock per block.
    expect(node.requests.filter((r) => Array.isArray(r.body))).toHaveLength(1);
  });

  it('refuses to watch another coin or an address of another network', () => {
    expect(() => source.watch('ETH', P2WPKH)).toThrow(BtcSourceError);
    expect(() => source.watch('BTC', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4')).toThrow(/wrong network/);
  });

  it('fails (retryably) when the chain got shorter between tip and fetch', async () => {
    const e = await source.blocks(1, 5).catch((x: unknown) => x);
    expect(e).toMatchObject({ retryable: true, message: expect.stringMatching(/above the node's tip/) });
  });
});

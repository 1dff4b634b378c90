import { randomBytes } from 'node:crypto';
import * as ecc from '@bitcoinerlab/secp256k1';
import { Block, Transaction, initEccLib, networks, payments, script as bscript } from 'bitcoinjs-lib';
import { ECPairFactory } from 'ecpair';
import { btcOutputScript } from '../../../src/chains/bitcoin/address';
import { BlockParseError, parseBlock, parseBlockHex } from '../../../src/chains/bitcoin/block-parser';
import { ScriptIndex } from '../../../src/chains/bitcoin/script-index';

initEccLib(ecc);
const ECPair = ECPairFactory(ecc);
const network = networks.regtest;

const key = (i: number) => ECPair.fromPrivateKey(Buffer.alloc(32, i), { network });
const pub = (i: number) => Buffer.from(key(i).publicKey);

/** One regtest address of each of the five types a pool may hold. */
const addresses = {
  p2pkh: payments.p2pkh({ pubkey: pub(1), network }).address ?? '',
  p2sh: payments.p2sh({ redeem: payments.p2wpkh({ pubkey: pub(2), network }), network }).address ?? '',
  p2wpkh: payments.p2wpkh({ pubkey: pub(3), network }).address ?? '',
  p2wsh:
    payments.p2wsh({ redeem: payments.p2ms({ m: 1, pubkeys: [pub(4), pub(5)], network }), network })
      .address ?? '',
  p2tr: payments.p2tr({ internalPubkey: pub(6).subarray(1), network }).address ?? '',
};
const unwatched = payments.p2wpkh({ pubkey: pub(7), network }).output ?? new Uint8Array();
const opReturn = bscript.compile([bscript.OPS.OP_RETURN, Buffer.from('teller')]);
const bareMultisig = payments.p2ms({ m: 1, pubkeys: [pub(8), pub(9)] }).output ?? new Uint8Array();

/** A block's hex as the RPC reply carries it, with some text around it. */
function asHex(raw: Buffer) {
  const text = Buffer.from(`{"result":"${raw.toString('hex')}"}`);
  return { text, start: 11, end: text.length - 2 };
}

function indexOf(addrs: string[]): ScriptIndex {
  const index = new ScriptIndex();
  for (const a of addrs) index.add(btcOutputScript(a, 'regtest'), a);
  return index;
}

function tx(opts: { witness: boolean; outputs: [Uint8Array, bigint][]; inputs?: number }): Transaction {
  const t = new Transaction();
  t.version = 2;
  for (let i = 0; i < (opts.inputs ?? 1); i++) {
    t.addInput(randomBytes(32), i, 0xfffffffd, opts.witness ? undefined : randomBytes(139));
    if (opts.witness) t.setWitness(i, [randomBytes(72), randomBytes(33), randomBytes(25)]);
  }
  for (const [s, v] of opts.outputs) t.addOutput(s, v);
  return t;
}

function coinbase(): Transaction {
  const t = new Transaction();
  t.addInput(Buffer.alloc(32), 0xffffffff, 0xffffffff, Buffer.from('0101', 'hex'));
  t.addOutput(unwatched, 5_000_000_000n);
  return t;
}

function block(txs: Transaction[]): Block {
  const b = new Block();
  b.version = 0x20000000;
  b.prevHash = randomBytes(32);
  b.timestamp = 1_700_000_000;
  b.bits = 0x207fffff;
  b.nonce = 7;
  b.transactions = txs;
  b.merkleRoot = Block.calculateMerkleRoot(txs);
  return b;
}

describe('parseBlock', () => {
  it('round-trips a block of legacy and segwit txs paying all five script types', () => {
    const script = (a: string) => btcOutputScript(a, 'regtest');
    const legacy = tx({
      witness: false,
      inputs: 2,
      outputs: [
        [script(addresses.p2pkh), 123_456_789n],
        [opReturn, 0n],
        [script(addresses.p2sh), 1n],
        [unwatched, 99n],
      ],
    });
    const segwit = tx({
      witness: true,
      inputs: 3,
      outputs: [
        [bareMultisig, 5n],
        [script(addresses.p2wpkh), 2_100_000_000_000_000n],
        [script(addresses.p2wsh), 42n],
        [script(addresses.p2tr), 546n],
        [script(addresses.p2wpkh), 7n], // a second output to the same address: its own deposit
      ],
    });
    const b = block([coinbase(), legacy, segwit, tx({ witness: true, outputs: [[unwatched, 1n]] })]);
    const parsed = parseBlock(Buffer.from(b.toBuffer()), indexOf(Object.values(addresses)));

    expect(parsed.hash).toBe(b.getId());
    expect(parsed.prevHash).toBe(
      Buffer.from(b.prevHash ?? [])
        .reverse()
        .toString('hex'),
    );
    expect(parsed).toMatchObject({ txCount: 4, outputCount: 11, otherOutputs: 2 });
    expect(parsed.matched).toEqual([
      { txid: legacy.getId(), n: 0, value: 123_456_789n, address: addresses.p2pkh },
      { txid: legacy.getId(), n: 2, value: 1n, address: addresses.p2sh },
      { txid: segwit.getId(), n: 1, value: 2_100_000_000_000_000n, address: addresses.p2wpkh },
      { txid: segwit.getId(), n: 2, value: 42n, address: addresses.p2wsh },
      { txid: segwit.getId(), n: 3, value: 546n, address: addresses.p2tr },
      { txid: segwit.getId(), n: 4, value: 7n, address: addresses.p2wpkh },
    ]);
    expect(segwit.hasWitnesses()).toBe(true);
  });

  it('reads a hex block as it reads the bytes, decoding only what it needs', () => {
    const t = tx({
      witness: true,
      inputs: 2,
      outputs: [
        [opReturn, 0n],
        [btcOutputScript(addresses.p2wsh, 'regtest'), 42n],
      ],
    });
    const raw = Buffer.from(block([coinbase(), t]).toBuffer());
    const index = indexOf(Object.values(addresses));
    const fromHex = parseBlockHex(asHex(raw), index);
    expect(fromHex).toEqual(parseBlock(raw, index));
    expect(fromHex.matched).toEqual([{ txid: t.getId(), n: 1, value: 42n, address: addresses.p2wsh }]);
    // Upper-case hex reads the same.
    const upper = Buffer.from(raw.toString('hex').toUpperCase());
    expect(parseBlockHex({ text: upper, start: 0, end: upper.length }, index)).toEqual(fromHex);
  });

  it('rejects hex it reads that is not hex, and odd-length hex', () => {
    const raw = Buffer.from(block([coinbase()]).toBuffer());
    const span = asHex(raw);
    const mangled = Buffer.from(span.text);
    mangled[span.start + 2 * 80] = 0x7a; // 'z' in the tx count
    expect(() => parseBlockHex({ ...span, text: mangled }, new ScriptIndex())).toThrow(
      'block is not hex (bytes 80..81)',
    );
    expect(() => parseBlockHex({ ...span, end: span.end - 1 }, new ScriptIndex())).toThrow(
      'block is not hex (odd length)',
    );
    expect(() => parseBlockHex({ ...span, end: span.end - 6 }, new ScriptIndex())).toThrow(/truncated/);
  });

  it('reads 3-byte varints (a tx with 300 outputs)', () => {
    const outs: [Uint8Array, bigint][] = Array.from({ length: 300 }, (_, i) => [unwatched, BigInt(i)]);
    outs[299] = [btcOutputScript(addresses.p2tr, 'regtest'), 299n];
    const t = tx({ witness: true, outputs: outs });
    const parsed = parseBlock(Buffer.from(block([coinbase(), t]).toBuffer()), indexOf([addresses.p2tr]));
    expect(parsed.matched).toEqual([{ txid: t.getId(), n: 299, value: 299n, address: addresses.p2tr }]);
  });

  it('matches nothing with an empty index and hashes no transaction', () => {
    const b = block([
      coinbase(),
      tx({ witness: false, outputs: [[btcOutputScript(addresses.p2pkh, 'regtest'), 1n]] }),
    ]);
    expect(parseBlock(Buffer.from(b.toBuffer()), new ScriptIndex()).matched).toEqual([]);
  });

  it.each([
    ['a truncated block', (raw: Buffer) => raw.subarray(0, raw.length - 3), /block truncated/],
    ['trailing bytes', (raw: Buffer) => Buffer.concat([raw, Buffer.of(0)]), /1 trailing bytes/],
    ['a bare header', (raw: Buffer) => raw.subarray(0, 80), /too short/],
    [
      'an absurd tx count',
      (raw: Buffer) => Buffer.concat([raw.subarray(0, 80), Buffer.of(0xfe, 9, 9, 9, 9)]),
      /truncated/,
    ],
  ])('rejects %s', (_name, mangle, message) => {
    const raw = Buffer.from(block([coinbase()]).toBuffer());
    expect(() => parseBlock(mangle(raw), new ScriptIndex())).toThrow(BlockParseError);
    expect(() => parseBlock(mangle(raw), new ScriptIndex())).toThrow(message);
  });

  it('parses a ~1.8 MB block (4,000 txs, 10,000 outputs) against 1,000,000 watched scripts', () => {
    const watched = new ScriptIndex();
    const pool = randomBytes(20 * 1_000_000);
    for (let i = 0; i < 1_000_000; i++) {
      const s = Buffer.concat([Buffer.of(0x00, 0x14), pool.subarray(i * 20, i * 20 + 20)]);
      watched.add(s, `addr${i}`);
    }
    const paid = Array.from({ length: 50 }, (_, i) =>
      Buffer.concat([Buffer.of(0x00, 0x14), pool.subarray(i * 20, i * 20 + 20)]),
    );
    const txs = [coinbase()];
    for (let i = 0; i < 4_000; i++) {
      const outs: [Uint8Array, bigint][] = [
        [randomBytes(1)[0] & 1 ? unwatched : btcOutputScript(addresses.p2pkh, 'regtest'), 1000n],
        [btcOutputScript(addresses.p2tr, 'regtest'), 2000n],
      ];
      if (i % 2 === 0) outs.push([i < 100 ? paid[i / 2] : unwatched, BigInt(i)]);
      txs.push(tx({ witness: i % 3 !== 0, inputs: 2, outputs: outs }));
    }
    const raw = Buffer.from(block(txs).toBuffer());
    const hex = asHex(raw);
    const matched = parseBlockHex(hex, watched).matched.length;
    expect(matched).toBe(50);
    expect(raw.length).toBeGreaterThan(1_500_000);
  });
});

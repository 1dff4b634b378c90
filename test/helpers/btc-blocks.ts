import { randomBytes } from 'node:crypto';
import * as ecc from '@bitcoinerlab/secp256k1';
import { Block, Transaction, initEccLib, networks, payments } from 'bitcoinjs-lib';
import { ECPairFactory } from 'ecpair';

/** Regtest blocks and transactions built with bitcoinjs-lib, for the block parser's tests. */

initEccLib(ecc);
const ECPair = ECPairFactory(ecc);
export const network = networks.regtest;

export const key = (i: number) => ECPair.fromPrivateKey(Buffer.alloc(32, i), { network });
export const pub = (i: number) => Buffer.from(key(i).publicKey);

/** One regtest address of each of the five types a pool may hold. */
export const addresses = {
  p2pkh: payments.p2pkh({ pubkey: pub(1), network }).address ?? '',
  p2sh: payments.p2sh({ redeem: payments.p2wpkh({ pubkey: pub(2), network }), network }).address ?? '',
  p2wpkh: payments.p2wpkh({ pubkey: pub(3), network }).address ?? '',
  p2wsh:
    payments.p2wsh({ redeem: payments.p2ms({ m: 1, pubkeys: [pub(4), pub(5)], network }), network })
      .address ?? '',
  p2tr: payments.p2tr({ internalPubkey: pub(6).subarray(1), network }).address ?? '',
};
export const unwatched = payments.p2wpkh({ pubkey: pub(7), network }).output ?? new Uint8Array();

/** A block's hex as the RPC reply carries it, with some text around it. */
export function asHex(raw: Buffer) {
  const text = Buffer.from(`{"result":"${raw.toString('hex')}"}`);
  return { text, start: 11, end: text.length - 2 };
}

export function tx(opts: {
  witness: boolean;
  outputs: [Uint8Array, bigint][];
  inputs?: number;
}): Transaction {
  const t = new Transaction();
  t.version = 2;
  for (let i = 0; i < (opts.inputs ?? 1); i++) {
    t.addInput(randomBytes(32), i, 0xfffffffd, opts.witness ? undefined : randomBytes(139));
    if (opts.witness) t.setWitness(i, [randomBytes(72), randomBytes(33), randomBytes(25)]);
  }
  for (const [s, v] of opts.outputs) t.addOutput(s, v);
  return t;
}

export function coinbase(): Transaction {
  const t = new Transaction();
  t.addInput(Buffer.alloc(32), 0xffffffff, 0xffffffff, Buffer.from('0101', 'hex'));
  t.addOutput(unwatched, 5_000_000_000n);
  return t;
}

export function block(txs: Transaction[]): Block {
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

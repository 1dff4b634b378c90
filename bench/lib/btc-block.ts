import { createHash } from 'node:crypto';
import { scriptAddress } from './btc-encode';
import { prng, randomBytesFrom } from './stats';

/**
 * A synthetic mainnet-sized block (≈4,000 transactions, ≈10,000 outputs, ≈1.8 MB) in two forms
 * built from the same transactions: the raw serialization (`getblock <hash> 0`) and bitcoind's
 * verbose form (`getblock <hash> 2`: every tx with vin/vout, asm, addresses, descriptors and its
 * hex), each wrapped in a JSON-RPC reply as the node sends it.
 *
 * The mix follows today's mainnet: mostly P2WPKH, then P2SH-P2WPKH, P2PKH and P2TR spends; outputs
 * mostly P2WPKH with P2SH, P2PKH, P2TR, P2WSH and some OP_RETURN.
 */

interface TxIn {
  prev: Buffer;
  vout: number;
  scriptSig: Buffer;
  sequence: number;
  witness: Buffer[];
}

interface TxOut {
  value: bigint;
  script: Buffer;
}

interface Tx {
  version: number;
  ins: TxIn[];
  outs: TxOut[];
  locktime: number;
}

export interface SynthBlock {
  height: number;
  hash: string;
  /** `{"result":"<hex>","error":null,"id":1}`: what the scanner receives. */
  rawReply: string;
  /** `{"result":{…verbose block…},"error":null,"id":1}`: verbosity 2. */
  verboseReply: string;
  bytes: number;
  txCount: number;
  outputCount: number;
  /** Outputs paying one of `pay` (what the scanner should find). */
  matched: number;
}

const sha256d = (b: Uint8Array): Buffer =>
  createHash('sha256').update(createHash('sha256').update(b).digest()).digest();
const rev = (b: Buffer): string => Buffer.from(b).reverse().toString('hex');

function varint(n: number): Buffer {
  if (n < 0xfd) return Buffer.of(n);
  if (n <= 0xffff) {
    const b = Buffer.alloc(3);
    b[0] = 0xfd;
    b.writeUInt16LE(n, 1);
    return b;
  }
  const b = Buffer.alloc(5);
  b[0] = 0xfe;
  b.writeUInt32LE(n, 1);
  return b;
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const u64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
};
const push = (data: Buffer): Buffer => Buffer.concat([Buffer.of(data.length), data]);

function serialize(tx: Tx, witness: boolean): Buffer {
  const hasWitness = witness && tx.ins.some((i) => i.witness.length > 0);
  const parts: Buffer[] = [u32(tx.version)];
  if (hasWitness) parts.push(Buffer.of(0x00, 0x01));
  parts.push(varint(tx.ins.length));
  for (const i of tx.ins)
    parts.push(i.prev, u32(i.vout), varint(i.scriptSig.length), i.scriptSig, u32(i.sequence));
  parts.push(varint(tx.outs.length));
  for (const o of tx.outs) parts.push(u64(o.value), varint(o.script.length), o.script);
  if (hasWitness) {
    for (const i of tx.ins) {
      parts.push(varint(i.witness.length));
      for (const w of i.witness) parts.push(varint(w.length), w);
    }
  }
  parts.push(u32(tx.locktime));
  return Buffer.concat(parts);
}

type Rand = () => number;

const pick = <T>(rand: Rand, table: readonly [number, T][]): T => {
  let x = rand();
  for (const [p, v] of table) {
    if (x < p) return v;
    x -= p;
  }
  return table[table.length - 1][1];
};

function signature(rand: Rand): Buffer {
  // DER: 30 len 02 20 r 02 20 s, then the sighash byte (ALL).
  const r = randomBytesFrom(rand, 32);
  const s = randomBytesFrom(rand, 32);
  r[0] &= 0x7f;
  s[0] &= 0x7f;
  return Buffer.concat([Buffer.of(0x30, 0x44, 0x02, 0x20), r, Buffer.of(0x02, 0x20), s, Buffer.of(0x01)]);
}

const pubkey = (rand: Rand): Buffer =>
  Buffer.concat([Buffer.of(rand() < 0.5 ? 2 : 3), randomBytesFrom(rand, 32)]);

type InKind = 'p2wpkh' | 'p2pkh' | 'p2sh-p2wpkh' | 'p2tr';
const IN_KINDS: [number, InKind][] = [
  [0.55, 'p2wpkh'],
  [0.15, 'p2pkh'],
  [0.15, 'p2sh-p2wpkh'],
  [0.15, 'p2tr'],
];

function input(rand: Rand): TxIn {
  const base = { prev: randomBytesFrom(rand, 32), vout: (rand() * 3) | 0, sequence: 0xfffffffd };
  switch (pick(rand, IN_KINDS)) {
    case 'p2wpkh':
      return { ...base, scriptSig: Buffer.alloc(0), witness: [signature(rand), pubkey(rand)] };
    case 'p2pkh':
      return { ...base, scriptSig: Buffer.concat([push(signature(rand)), push(pubkey(rand))]), witness: [] };
    case 'p2sh-p2wpkh':
      return {
        ...base,
        scriptSig: push(Buffer.concat([Buffer.of(0x00, 0x14), randomBytesFrom(rand, 20)])),
        witness: [signature(rand), pubkey(rand)],
      };
    case 'p2tr':
      return { ...base, scriptSig: Buffer.alloc(0), witness: [randomBytesFrom(rand, 64)] };
  }
}

type OutKind = 'p2wpkh' | 'p2pkh' | 'p2sh' | 'p2tr' | 'p2wsh' | 'op_return';
const OUT_KINDS: [number, OutKind][] = [
  [0.45, 'p2wpkh'],
  [0.15, 'p2pkh'],
  [0.2, 'p2sh'],
  [0.12, 'p2tr'],
  [0.05, 'p2wsh'],
  [0.03, 'op_return'],
];

function outputScript(rand: Rand): Buffer {
  switch (pick(rand, OUT_KINDS)) {
    case 'p2wpkh':
      return Buffer.concat([Buffer.of(0x00, 0x14), randomBytesFrom(rand, 20)]);
    case 'p2pkh':
      return Buffer.concat([Buffer.of(0x76, 0xa9, 0x14), randomBytesFrom(rand, 20), Buffer.of(0x88, 0xac)]);
    case 'p2sh':
      return Buffer.concat([Buffer.of(0xa9, 0x14), randomBytesFrom(rand, 20), Buffer.of(0x87)]);
    case 'p2tr':
      return Buffer.concat([Buffer.of(0x51, 0x20), randomBytesFrom(rand, 32)]);
    case 'p2wsh':
      return Buffer.concat([Buffer.of(0x00, 0x20), randomBytesFrom(rand, 32)]);
    case 'op_return':
      return Buffer.concat([Buffer.of(0x6a, 0x28), randomBytesFrom(rand, 40)]);
  }
}

const INPUT_COUNTS: [number, number][] = [
  [0.5, 1],
  [0.25, 2],
  [0.1, 3],
  [0.1, 5],
  [0.05, 10],
];
const OUTPUT_COUNTS: [number, number][] = [
  [0.25, 1],
  [0.5, 2],
  [0.12, 3],
  [0.08, 5],
  [0.05, 10],
];

// ---- verbose (getblock <hash> 2) rendering, Bitcoin Core 25+ field set ----

const OPS: Record<number, string> = {
  0x00: '0',
  0x51: '1',
  0x6a: 'OP_RETURN',
  0x76: 'OP_DUP',
  0x87: 'OP_EQUAL',
  0x88: 'OP_EQUALVERIFY',
  0xa9: 'OP_HASH160',
  0xac: 'OP_CHECKSIG',
};

/** Core's asm: opcodes by name, pushes as hex; in a scriptSig, a signature push shows its sighash. */
function asm(s: Buffer, scriptSig: boolean): string {
  const out: string[] = [];
  for (let i = 0; i < s.length;) {
    const op = s[i++];
    if (op >= 1 && op <= 75) {
      const data = s.subarray(i, i + op);
      i += op;
      if (scriptSig && data[0] === 0x30 && data[data.length - 1] === 0x01) {
        out.push(`${data.subarray(0, -1).toString('hex')}[ALL]`);
      } else out.push(data.toString('hex'));
    } else out.push(OPS[op] ?? `OP_UNKNOWN`);
  }
  return out.join(' ');
}

function scriptType(s: Buffer): string {
  if (s.length === 25 && s[0] === 0x76) return 'pubkeyhash';
  if (s.length === 23 && s[0] === 0xa9) return 'scripthash';
  if (s.length === 22 && s[0] === 0x00) return 'witness_v0_keyhash';
  if (s.length === 34 && s[0] === 0x00) return 'witness_v0_scripthash';
  if (s.length === 34 && s[0] === 0x51) return 'witness_v1_taproot';
  if (s[0] === 0x6a) return 'nulldata';
  return 'nonstandard';
}

const CHECKSUM_CHARS = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const fakeChecksum = (rand: Rand): string =>
  Array.from({ length: 8 }, () => CHECKSUM_CHARS[(rand() * 32) | 0]).join('');

const btc = (sats: bigint): number => Number(sats) / 1e8;

function verboseTx(tx: Tx, blockRand: Rand, coinbase: boolean): Record<string, unknown> {
  const legacy = serialize(tx, false);
  const full = serialize(tx, true);
  const weight = legacy.length * 3 + full.length;
  const vin = tx.ins.map((i) => {
    const w = i.witness.length ? { txinwitness: i.witness.map((x) => x.toString('hex')) } : {};
    if (coinbase) return { coinbase: i.scriptSig.toString('hex'), ...w, sequence: i.sequence };
    return {
      txid: rev(i.prev),
      vout: i.vout,
      scriptSig: { asm: asm(i.scriptSig, true), hex: i.scriptSig.toString('hex') },
      ...w,
      sequence: i.sequence,
    };
  });
  const vout = tx.outs.map((o, n) => {
    const address = scriptAddress(o.script);
    const desc = address ? `addr(${address})` : `raw(${o.script.toString('hex')})`;
    return {
      value: btc(o.value),
      n,
      scriptPubKey: {
        asm: asm(o.script, false),
        desc: `${desc}#${fakeChecksum(blockRand)}`,
        hex: o.script.toString('hex'),
        ...(address ? { address } : {}),
        type: scriptType(o.script),
      },
    };
  });
  return {
    txid: rev(sha256d(legacy)),
    hash: rev(sha256d(full)),
    version: tx.version,
    size: full.length,
    vsize: Math.ceil(weight / 4),
    weight,
    locktime: tx.locktime,
    vin,
    vout,
    ...(coinbase ? {} : { fee: btc(BigInt(200 + ((blockRand() * 20000) | 0))) }),
    hex: full.toString('hex'),
  };
}

export interface BlockOptions {
  seed: number;
  height: number;
  /** Transactions including the coinbase. */
  txs?: number;
  /** Scripts that `matches` random outputs pay instead of their own (deposits to watched addresses). */
  pay?: readonly Buffer[];
  matches?: number;
}

export function makeBlock(opts: BlockOptions): SynthBlock {
  const rand = prng(opts.seed);
  const nTx = opts.txs ?? 4000;
  const txs: Tx[] = [];
  // Coinbase: height push, witness reserved value, reward and the witness commitment.
  const heightPush = Buffer.concat([Buffer.of(0x03), u32(opts.height).subarray(0, 3)]);
  txs.push({
    version: 2,
    ins: [
      {
        prev: Buffer.alloc(32),
        vout: 0xffffffff,
        scriptSig: Buffer.concat([heightPush, randomBytesFrom(rand, 26)]),
        sequence: 0xffffffff,
        witness: [Buffer.alloc(32)],
      },
    ],
    outs: [
      { value: 318_750_000n, script: outputScript(rand) },
      {
        value: 0n,
        script: Buffer.concat([Buffer.of(0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed), randomBytesFrom(rand, 32)]),
      },
    ],
    locktime: 0,
  });
  for (let t = 1; t < nTx; t++) {
    const ins = Array.from({ length: pick(rand, INPUT_COUNTS) }, () => input(rand));
    const outs = Array.from({ length: pick(rand, OUTPUT_COUNTS) }, () => ({
      value: BigInt(546 + Math.floor(rand() * 2e8)),
      script: outputScript(rand),
    }));
    txs.push({ version: rand() < 0.8 ? 2 : 1, ins, outs, locktime: rand() < 0.3 ? opts.height - 1 : 0 });
  }
  const pay = opts.pay ?? [];
  let matched = 0;
  for (let m = 0; m < (opts.matches ?? 0) && pay.length > 0; m++) {
    const tx = txs[1 + Math.floor(rand() * (nTx - 1))];
    const out = tx.outs[Math.floor(rand() * tx.outs.length)];
    out.script = pay[m % pay.length];
    matched++;
  }

  const prevHash = randomBytesFrom(rand, 32);
  const merkle = randomBytesFrom(rand, 32);
  const time = 1_750_000_000 + opts.height * 600;
  const header = Buffer.concat([
    u32(0x20000000),
    prevHash,
    merkle,
    u32(time),
    u32(0x17034219),
    u32((rand() * 2 ** 32) >>> 0),
  ]);
  const body = txs.map((tx) => serialize(tx, true));
  const raw = Buffer.concat([header, varint(nTx), ...body]);
  const hash = rev(sha256d(header));
  const stripped = 80 + varint(nTx).length + txs.reduce((n, tx) => n + serialize(tx, false).length, 0);
  const verbose = {
    hash,
    confirmations: 1,
    height: opts.height,
    version: 0x20000000,
    versionHex: '20000000',
    merkleroot: rev(merkle),
    time,
    mediantime: time - 1800,
    nonce: header.readUInt32LE(76),
    bits: '17034219',
    difficulty: 95672703408223.94,
    chainwork: '0000000000000000000000000000000000000000a4f2b3c1d5e6f70819203142',
    nTx,
    previousblockhash: rev(prevHash),
    strippedsize: stripped,
    size: raw.length,
    weight: stripped * 3 + raw.length,
    tx: txs.map((tx, i) => verboseTx(tx, rand, i === 0)),
  };
  return {
    height: opts.height,
    hash,
    rawReply: JSON.stringify({ result: raw.toString('hex'), error: null, id: 1 }),
    verboseReply: JSON.stringify({ result: verbose, error: null, id: 1 }),
    bytes: raw.length,
    txCount: nTx,
    outputCount: txs.reduce((n, tx) => n + tx.outs.length, 0),
    matched,
  };
}

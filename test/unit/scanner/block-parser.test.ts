import { payments, script as bscript } from 'bitcoinjs-lib';
import { btcOutputScript } from '../../../src/chains/bitcoin/address';
import { BlockParseError, parseBlock, parseBlockHex } from '../../../src/chains/bitcoin/block-parser';
import { ScriptIndex } from '../../../src/chains/bitcoin/script-index';
import { addresses, asHex, block, coinbase, pub, tx, unwatched } from '../../helpers/btc-blocks';

const opReturn = bscript.compile([bscript.OPS.OP_RETURN, Buffer.from('teller')]);
const bareMultisig = payments.p2ms({ m: 1, pubkeys: [pub(8), pub(9)] }).output ?? new Uint8Array();

function indexOf(addrs: string[]): ScriptIndex {
  const index = new ScriptIndex();
  for (const a of addrs) index.add(btcOutputScript(a, 'regtest'), a);
  return index;
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

  it('decodes an output script past its template and filter bytes only when the filter lets it through', () => {
    const watched = btcOutputScript(addresses.p2wpkh, 'regtest');
    const t = tx({
      witness: false,
      outputs: [
        [unwatched, 1n],
        [watched, 2n],
      ],
    });
    const raw = Buffer.from(block([coinbase(), t]).toBuffer());
    const index = indexOf([addresses.p2wpkh]);
    // A 'z' in the last byte but one of a script: past the 11 bytes the filter reads, before the last.
    const mangledAt = (script: Uint8Array): Buffer => {
      const span = asHex(raw);
      const text = Buffer.from(span.text);
      text[span.start + 2 * (raw.indexOf(Buffer.from(script)) + script.length - 2)] = 0x7a;
      return text;
    };
    const span = asHex(raw);
    // Stepped over: an unwatched script is dismissed by the filter before its middle is read.
    expect(parseBlockHex({ ...span, text: mangledAt(unwatched) }, index).matched).toEqual([
      { txid: t.getId(), n: 1, value: 2n, address: addresses.p2wpkh },
    ]);
    // Read: a watched one is decoded whole for the exact lookup, and its bad hex is caught.
    expect(() => parseBlockHex({ ...span, text: mangledAt(watched) }, index)).toThrow(/block is not hex/);
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
});

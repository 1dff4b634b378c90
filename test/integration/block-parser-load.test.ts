import { randomBytes } from 'node:crypto';
import { btcOutputScript } from '../../src/chains/bitcoin/address';
import { parseBlockHex } from '../../src/chains/bitcoin/block-parser';
import { ScriptIndex } from '../../src/chains/bitcoin/script-index';
import { addresses, asHex, block, coinbase, tx, unwatched } from '../helpers/btc-blocks';

/**
 * The block parser at scale: a full-size block against a million watched scripts. A load test, so
 * in the integration project (the unit project stays quick and light beside other work).
 */

/** Building the block and a million scripts takes seconds, more beside CPU burners. */
const TEST_TIMEOUT_MS = 180_000;

describe('BTC block parser under load', () => {
  it(
    'parses a ~1.8 MB block (4,000 txs, 10,000 outputs) against 1,000,000 watched scripts',
    () => {
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
    },
    TEST_TIMEOUT_MS,
  );
});

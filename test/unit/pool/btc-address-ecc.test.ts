import * as ecc from '@bitcoinerlab/secp256k1';
import { address as baddress, initEccLib } from 'bitcoinjs-lib';
import fc from 'fast-check';
import { btcAddressError, btcNetwork, btcOutputScript } from '../../../src/chains/bitcoin/address';
import type { Network } from '../../../src/config/types';
import fixtures from '../../fixtures/pool/btc-addresses.json';

/** The hand-compiled scripts and the OpenSSL point check, against bitcoinjs-lib with its ECC library. */

beforeAll(() => initEccLib(ecc));

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('agreement with bitcoinjs-lib', () => {
  it.each(fixtures.valid)('toOutputScript($address) on $network', ({ address, network, script }) => {
    const live = hex(baddress.toOutputScript(address, btcNetwork(network as Network)));
    expect(live).toBe(script);
    expect(hex(btcOutputScript(address, network as Network))).toBe(live);
  });

  // Stricter on purpose: bitcoinjs-lib pays future segwit versions (with a console warning).
  const refusedByBoth = fixtures.invalid.filter((f) => !f.reason.startsWith('unsupported witness version'));

  it.each(refusedByBoth)('toOutputScript refuses $address on $network too', ({ address, network }) => {
    expect(() => baddress.toOutputScript(address, btcNetwork(network as Network))).toThrow();
  });

  it('takes the same P2TR output keys as points', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (x) => {
        const addr = baddress.toBech32(x, 1, 'bc');
        expect(btcAddressError(addr, 'mainnet') === null).toBe(ecc.isXOnlyPoint(x));
      }),
      { numRuns: 300 },
    );
  });
});

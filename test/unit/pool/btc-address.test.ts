import { address as baddress } from 'bitcoinjs-lib';
import {
  BtcAddressError,
  btcAddressError,
  btcAddressType,
  btcNetwork,
  btcOutputScript,
  normalizeBtcAddress,
} from '../../../src/chains/bitcoin/address';
import type { Network } from '../../../src/config/types';
import fixtures from '../../fixtures/pool/btc-addresses.json';

interface Valid {
  network: Network;
  address: string;
  type: string;
  /** bitcoinjs-lib's toOutputScript (btc-address-ecc.test.ts checks it live, P2TR included). */
  script: string;
}
interface Invalid {
  network: Network;
  address: string;
  reason: string;
}
const valid = fixtures.valid as Valid[];
const invalid = fixtures.invalid as Invalid[];
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('btcAddressError / btcAddressType / btcOutputScript', () => {
  it.each(valid)('accepts $type $address on $network', ({ network, address, type, script }) => {
    expect(btcAddressError(address, network)).toBeNull();
    expect(btcAddressType(address, network)).toBe(type);
    // Compiled by hand, but byte for byte what bitcoinjs-lib's toOutputScript gives.
    expect(hex(btcOutputScript(address, network))).toBe(script);
    if (type !== 'p2tr') expect(hex(baddress.toOutputScript(address, btcNetwork(network)))).toBe(script);
  });

  it('covers every address type on every network', () => {
    for (const network of ['mainnet', 'testnet', 'regtest'] as const) {
      const types = new Set(valid.filter((v) => v.network === network).map((v) => v.type));
      expect([...types].sort()).toEqual(['p2pkh', 'p2sh', 'p2tr', 'p2wpkh', 'p2wsh']);
    }
  });

  it.each(invalid)('rejects $address on $network: $reason', ({ network, address, reason }) => {
    expect(btcAddressError(address, network)).toContain(reason);
    expect(() => btcOutputScript(address, network)).toThrow(BtcAddressError);
    expect(() => btcAddressType(address, network)).toThrow(`for ${network}: ${reason}`);
  });

  it('gives stable error codes', () => {
    const err = (() => {
      try {
        btcOutputScript('xyz', 'mainnet');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(BtcAddressError);
    expect((err as BtcAddressError).code).toBe('invalid_btc_address');
  });

  it('keeps a megabyte-long line cheap', () => {
    expect(btcAddressError('1'.repeat(1_000_000), 'mainnet')).toContain('too long');
  });
});

describe('normalizeBtcAddress', () => {
  it.each([
    ['BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'],
    ['TB1Q6RZ28MCFAXTMD6V789L9RRLRUSDPRR9PQCPVKL', 'tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl'],
    ['bcrt1qf7vmha6hqljyhs405efn0hkwj98gz74v0458ns', 'bcrt1qf7vmha6hqljyhs405efn0hkwj98gz74v0458ns'],
    ['1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA', '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeBtcAddress(input)).toBe(expected);
  });
});

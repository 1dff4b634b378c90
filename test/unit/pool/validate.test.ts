import { join } from 'node:path';
import type { Network } from '../../../src/config/types';
import { PoolError } from '../../../src/pool/errors';
import { readPoolEntries, type PoolCoin } from '../../../src/pool/load';
import { addressError, loadPool, normalizeAddress, validatePool } from '../../../src/pool/validate';
import btc from '../../fixtures/pool/btc-addresses.json';
import eth from '../../fixtures/pool/eth-addresses.json';
import sky from '../../fixtures/pool/sky-addresses.json';

const FIXTURES = join(__dirname, '../../fixtures/pool');

function poolError(f: () => unknown): PoolError {
  try {
    f();
  } catch (err) {
    if (err instanceof PoolError) return err;
    throw err;
  }
  throw new Error('expected a PoolError');
}

interface Row {
  coin: PoolCoin;
  network: Network;
  address: string;
  reason?: string;
}
const rows = (coin: PoolCoin, list: { address: string; network?: string; reason?: string }[]): Row[] =>
  list.map((r) => ({
    coin,
    network: (r.network ?? 'mainnet') as Network,
    address: r.address,
    reason: r.reason,
  }));

describe('addressError', () => {
  const valid = [...rows('BTC', btc.valid), ...rows('ETH', eth.valid), ...rows('SKY', sky.valid)];
  const invalid = [...rows('BTC', btc.invalid), ...rows('ETH', eth.invalid), ...rows('SKY', sky.invalid)];

  it.each(valid)('$coin $network accepts $address', ({ coin, network, address }) => {
    expect(addressError(coin, address, network)).toBeNull();
  });

  it.each(invalid)('$coin $network rejects "$address": $reason', ({ coin, network, address, reason }) => {
    expect(addressError(coin, address, network)).toContain(reason);
  });
});

describe('normalizeAddress', () => {
  it.each([
    ['ETH', '0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266', '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'],
    ['ETH', '0XF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266', '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'],
    ['BTC', 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'],
    ['BTC', '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA', '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA'],
    ['SKY', '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X', '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X'],
  ] as const)('%s %s → %s', (coin, input, expected) => {
    expect(normalizeAddress(coin, input)).toBe(expected);
  });
});

describe('validatePool', () => {
  it('returns the normalized addresses in file order', () => {
    const file = join(FIXTURES, 'eth.json');
    expect(loadPool(file, 'ETH', 'mainnet')).toEqual([
      '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
      '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
      '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc',
    ]);
    expect(loadPool(join(FIXTURES, 'btc-crlf.txt'), 'BTC', 'mainnet')).toHaveLength(4);
    expect(loadPool(join(FIXTURES, 'btc.json'), 'BTC', 'mainnet')).toHaveLength(4);
    expect(loadPool(join(FIXTURES, 'sky.txt'), 'SKY', 'mainnet')).toHaveLength(2);
  });

  it('lists every invalid and duplicate entry with its file and line', () => {
    const file = join(FIXTURES, 'btc-bad.txt');
    const err = poolError(() => loadPool(file, 'BTC', 'mainnet'));
    expect(err.code).toBe('pool_invalid');
    expect(err.problems).toEqual([
      `${file}:3: invalid BTC address "xyz" for mainnet: invalid base58 checksum`,
      `${file}:4: invalid BTC address "tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl" for mainnet: ` +
        'wrong network: this is a testnet address (mainnet uses bc1...)',
      `${file}:6: "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA" is a duplicate of line 2`,
      `${file}:7: invalid BTC address "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs" for mainnet: ` +
        'unsupported witness version 2 (future segwit; funds could be lost)',
    ]);
    expect(err.message).toBe([`BTC address pool ${file}: 4 bad entries:`, ...err.problems].join('\n  '));
  });

  it('compares ETH addresses case-insensitively, and checks mixed-case checksums', () => {
    const file = join(FIXTURES, 'eth-dup.txt');
    const err = poolError(() => loadPool(file, 'ETH', 'mainnet'));
    expect(err.problems).toEqual([
      `${file}:3: "0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266" is a duplicate of line 1`,
      `${file}:4: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266" is a duplicate of line 1`,
      `${file}:5: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" is a duplicate of line 2`,
      `${file}:6: invalid ETH address "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266": ` +
        'bad EIP-55 checksum (mixed-case address with a typo?)',
    ]);
  });

  it('compares bech32 BTC addresses case-insensitively', () => {
    const err = poolError(() =>
      validatePool(
        'BTC',
        ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4'],
        { network: 'mainnet', file: 'p.txt' },
      ),
    );
    expect(err.problems).toEqual([
      'p.txt:2: "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4" is a duplicate of line 1',
    ]);
  });

  it('names JSON entries by key and index', () => {
    const entries = [
      { address: '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X', pos: 0 },
      { address: 'Z8LagGxLssTjL6RhK7TQx54vJUBDvBtmtC', pos: 1 },
      { address: '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X', pos: 2 },
    ];
    const err = poolError(() => validatePool('SKY', entries, { network: 'mainnet', file: 'sky.json' }));
    expect(err.problems).toEqual([
      'sky.json: sky_addresses[1]: invalid SKY address "Z8LagGxLssTjL6RhK7TQx54vJUBDvBtmtC": Invalid checksum',
      'sky.json: sky_addresses[2]: "2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X" is a duplicate of sky_addresses[0]',
    ]);
  });

  it('checks BTC addresses against the configured network', () => {
    const regtest = ['bcrt1qf7vmha6hqljyhs405efn0hkwj98gz74v0458ns', 'mnmqqrKHXqpLNJnQTFV1UZSvpSXWsS5QQm'];
    expect(validatePool('BTC', regtest, { network: 'regtest', file: 'r.txt' })).toEqual(regtest);
    const err = poolError(() => validatePool('BTC', regtest, { network: 'testnet', file: 'r.txt' }));
    expect(err.problems).toEqual([
      'r.txt:1: invalid BTC address "bcrt1qf7vmha6hqljyhs405efn0hkwj98gz74v0458ns" for testnet: ' +
        'wrong network: this is a regtest address (testnet uses tb1...)',
    ]);
  });

  it.each(['BTC', 'ETH', 'SKY'] as const)(
    "rejects an empty %s pool with teller's text and the file",
    (coin) => {
      const err = poolError(() => validatePool(coin, [], { network: 'mainnet', file: 'x.txt' }));
      expect(err.message).toBe(`No ${coin} addresses in x.txt`);
      expect(err.code).toBe('pool_invalid');
    },
  );

  it('rejects an ETH address in a BTC pool, naming its JSON index', () => {
    const err = poolError(() =>
      validatePool('BTC', readPoolEntries(join(FIXTURES, 'eth-wrong-key.json'), 'BTC'), {
        network: 'mainnet',
        file: 'eth-wrong-key.json',
      }),
    );
    expect(err.problems[0]).toContain('eth-wrong-key.json: btc_addresses[0]: invalid BTC address');
  });

  it('quotes odd characters and cuts very long entries in messages, and caps the message', () => {
    const lines = ['a\tb', 'x'.repeat(500), ...Array.from({ length: 1500 }, (_, i) => `bad${i}`)];
    const err = poolError(() => validatePool('SKY', lines, { network: 'mainnet', file: 's.txt' }));
    expect(err.problems).toHaveLength(1502);
    expect(err.problems[0]).toBe('s.txt:1: invalid SKY address "a\\tb": Invalid base58 character');
    expect(err.problems[1]).toContain(`"${'x'.repeat(100)}…"`);
    expect(err.message.split('\n')).toHaveLength(1 + 1000 + 1);
    expect(err.message).toMatch(/\.\.\. and 502 more$/);
  });
});

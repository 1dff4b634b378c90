import { ECDH, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { address as baddress } from 'bitcoinjs-lib';
import { checksumEthAddress } from '../../src/chains/ethereum/address';
import type { Network } from '../../src/config/types';
import { readPoolEntries, type PoolCoin } from '../../src/pool/load';
import { AddressPool } from '../../src/pool/pool';
import { validatePool } from '../../src/pool/validate';

/**
 * Startup cost of large pools: read + validate + index. It only logs the figures (machines differ;
 * a timed assertion would be flaky) but does check that everything loaded. A measurement, and a
 * million-address one, so it lives outside the hermetic unit project.
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pool-perf-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function measure(name: string, coin: PoolCoin, lines: string[], network: Network = 'mainnet'): void {
  const file = join(dir, `${name.replace(/\W+/g, '-')}.txt`);
  writeFileSync(file, `# ${name}\n${lines.join('\n')}\n`);
  const t0 = process.hrtime.bigint();
  const entries = readPoolEntries(file, coin);
  const t1 = process.hrtime.bigint();
  const addresses = validatePool(coin, entries, { network, file });
  const t2 = process.hrtime.bigint();
  const pool = new AddressPool(coin, addresses, []);
  const t3 = process.hrtime.bigint();
  expect(pool.total()).toBe(lines.length);
  const ms = (a: bigint, b: bigint): string => (Number(b - a) / 1e6).toFixed(0);
  console.log(
    `${name}: ${ms(t0, t3)} ms total (load ${ms(t0, t1)}, validate ${ms(t1, t2)}, index ${ms(t2, t3)}); ` +
      `${(Number(t3 - t0) / 1e3 / lines.length).toFixed(2)} µs/address`,
  );
}

const hash = (n: number): Uint8Array => Uint8Array.from(randomBytes(n));

function xOnlyKey(): Uint8Array {
  for (;;) {
    const x = randomBytes(32);
    try {
      ECDH.convertKey(Buffer.concat([Buffer.of(2), x]), 'secp256k1');
      return Uint8Array.from(x);
    } catch {
      // not on the curve (half of all x): draw again
    }
  }
}

describe('loading large pools (figures logged, not asserted)', () => {
  it('1,000,000 lowercase ETH addresses', () => {
    const lines = Array.from({ length: 1_000_000 }, () => `0x${randomBytes(20).toString('hex')}`);
    measure('1,000,000 ETH lowercase', 'ETH', lines);
  });

  it('20,000 EIP-55 checksummed ETH addresses (Keccak each)', () => {
    const lines = Array.from({ length: 20_000 }, () =>
      checksumEthAddress(`0x${randomBytes(20).toString('hex')}`),
    );
    measure('20,000 ETH checksummed', 'ETH', lines);
  });

  it('100,000 BTC addresses, a quarter of each P2PKH, P2SH, P2WPKH, P2TR', () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => {
      switch (i % 4) {
        case 0:
          return baddress.toBase58Check(hash(20), 0x00);
        case 1:
          return baddress.toBase58Check(hash(20), 0x05);
        case 2:
          return baddress.toBech32(hash(20), 0, 'bc');
        default:
          return baddress.toBech32(xOnlyKey(), 1, 'bc');
      }
    });
    measure('100,000 BTC mixed', 'BTC', lines);
  });

  it('100,000 P2WPKH addresses', () => {
    const lines = Array.from({ length: 100_000 }, () => baddress.toBech32(hash(20), 0, 'bc'));
    measure('100,000 BTC P2WPKH', 'BTC', lines);
  });
});

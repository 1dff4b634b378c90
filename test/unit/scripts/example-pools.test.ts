import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPool } from '../../../src/pool/validate';
import { examplePools } from '../../../scripts/lib/example-pools';

const ADDRESSES = join(__dirname, '../../../addresses');

describe('the example pools in addresses/', () => {
  const pools = examplePools();

  it.each(Object.keys(pools))('%s is exactly what scripts/lib/example-pools.ts derives', (name) => {
    expect(readFileSync(join(ADDRESSES, name), 'utf8')).toBe(pools[name]);
  });

  it('load and validate: 20 mainnet BTC of four types, 20 ETH, 5 SKY', () => {
    const btc = loadPool(join(ADDRESSES, 'btc-example.txt'), 'BTC', 'mainnet');
    expect(btc).toHaveLength(20);
    expect(btc.filter((a) => a.startsWith('1'))).toHaveLength(5);
    expect(btc.filter((a) => a.startsWith('3'))).toHaveLength(5);
    expect(btc.filter((a) => a.startsWith('bc1q'))).toHaveLength(5);
    expect(btc.filter((a) => a.startsWith('bc1p'))).toHaveLength(5);
    expect(btc).toContain('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
    expect(loadPool(join(ADDRESSES, 'sky-example.txt'), 'SKY', 'mainnet')).toHaveLength(5);
  });

  it('uses anvil accounts 10..29, not the funded 0..9, stored lowercase', () => {
    const eth = loadPool(join(ADDRESSES, 'eth-example.txt'), 'ETH', 'mainnet');
    expect(eth).toHaveLength(20);
    expect(eth[0]).toBe('0xbcd4042de499d14e55001ccbb24a551f3b954096'); // account 10
    expect(eth).not.toContain('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'); // account 0
    expect(eth).not.toContain('0xa0ee7a142d267c1f36714e4a8f75612f20a79720'); // account 9
  });

  it('warn that the keys are public', () => {
    for (const content of Object.values(pools)) expect(content).toContain('NEVER SEND REAL FUNDS');
  });
});

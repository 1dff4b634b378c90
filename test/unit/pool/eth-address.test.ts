import {
  checksumEthAddress,
  deriveEthKeys,
  ethAddressError,
  isEthMnemonic,
  normalizeEthAddress,
} from '../../../src/chains/ethereum/address';
import fixtures from '../../fixtures/pool/eth-addresses.json';

const TEST_JUNK = 'test test test test test test test test test test test junk';

describe('ethAddressError', () => {
  it.each(fixtures.valid)('accepts $address ($note)', ({ address }) => {
    expect(ethAddressError(address)).toBeNull();
  });

  it.each(fixtures.invalid)('rejects "$address": $reason', ({ address, reason }) => {
    expect(ethAddressError(address)).toContain(reason);
  });
});

describe('normalizeEthAddress / checksumEthAddress', () => {
  it('maps every spelling of one address to the same lowercase form', () => {
    const forms = fixtures.valid.slice(0, 4).map((v) => normalizeEthAddress(v.address));
    expect(new Set(forms)).toEqual(new Set(['0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266']));
  });

  it('gives the EIP-55 form back', () => {
    expect(checksumEthAddress('0XF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266')).toBe(
      '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    );
  });
});

describe('deriveEthKeys', () => {
  it("derives anvil's accounts at m/44'/60'/0'/0/i", () => {
    const keys = deriveEthKeys(TEST_JUNK, { account: 0, start: 0, count: 2 });
    expect(keys).toEqual([
      {
        index: 0,
        path: "m/44'/60'/0'/0/0",
        address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
        privateKey: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
      },
      {
        index: 1,
        path: "m/44'/60'/0'/0/1",
        address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
        privateKey: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
      },
    ]);
  });

  it('starts at `start` and uses the account', () => {
    const [k] = deriveEthKeys(TEST_JUNK, { account: 0, start: 9, count: 1 });
    expect(k?.address).toBe('0xa0Ee7A142d267C1f36714E4a8F75612F20a79720');
    const [other] = deriveEthKeys(TEST_JUNK, { account: 1, start: 0, count: 1 });
    expect(other?.path).toBe("m/44'/60'/1'/0/0");
    expect(other?.address).not.toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
  });

  it('knows a mnemonic from a typo', () => {
    expect(isEthMnemonic(TEST_JUNK)).toBe(true);
    expect(isEthMnemonic('test test test test test test test test test test test test')).toBe(false);
  });
});

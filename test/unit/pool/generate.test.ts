import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mnemonicToSeedSync } from 'bip39';
import { btcAddressType } from '../../../src/chains/bitcoin/address';
import { skycoinAddressError } from '../../../src/chains/skycoin/address';
import { GenerateError } from '../../../src/pool/errors';
import {
  generateBtcAddresses,
  generateEthAddresses,
  generateSkyAddresses,
  seedBytes,
  writeKeysFile,
  writePoolFile,
} from '../../../src/pool/generate';
import { loadPool } from '../../../src/pool/validate';

const ABANDON =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const TEST_JUNK = 'test test test test test test test test test test test junk';
// BIP84's account-0 zpub of ABANDON.
const ZPUB =
  'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pool-gen-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('generateBtcAddresses: the BIPs’ test vectors', () => {
  it.each([
    ['p2pkh', 'mainnet', "m/44'/0'/0'/0/0", '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA', 'BIP44'],
    ['p2sh-p2wpkh', 'testnet', "m/49'/1'/0'/0/0", '2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2', 'BIP49'],
    ['p2wpkh', 'mainnet', "m/84'/0'/0'/0/0", 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', 'BIP84'],
    [
      'p2tr',
      'mainnet',
      "m/86'/0'/0'/0/0",
      'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr',
      'BIP86',
    ],
  ] as const)('%s on %s: %s → %s (%s)', (type, network, path, address, _bip) => {
    const { addresses, keys } = generateBtcAddresses({ seed: ABANDON, network, type, count: 1 });
    expect(addresses).toEqual([address]);
    expect(keys[0]).toMatchObject({ index: 0, path, address });
  });

  it('gives the BIP84 first receive key (WIF, public key) and the second address', () => {
    const { keys } = generateBtcAddresses({ seed: ABANDON, network: 'mainnet', type: 'p2wpkh', count: 2 });
    expect(keys[0]).toEqual({
      index: 0,
      path: "m/84'/0'/0'/0/0",
      address: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu',
      publicKey: '0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c',
      wif: 'KyZpNDKnfs94vbrwhJneDi77V6jF64PWPF8x5cdJb8ifgg2DUc9d',
    });
    expect(keys[1]?.address).toBe('bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g');
  });

  it('is deterministic, and start/account/network move it', () => {
    const opts = { seed: ABANDON, network: 'regtest', type: 'p2wpkh', count: 5 } as const;
    const a = generateBtcAddresses(opts);
    expect(generateBtcAddresses(opts)).toEqual(a);
    const tail = generateBtcAddresses({ ...opts, start: 3, count: 2 });
    expect(tail.keys).toEqual(a.keys.slice(3));
    expect(generateBtcAddresses({ ...opts, account: 1 }).keys[0]?.path).toBe("m/84'/1'/1'/0/0");
    expect(new Set(a.addresses).size).toBe(5);
    for (const addr of a.addresses) expect(btcAddressType(addr, 'regtest')).toBe('p2wpkh');
  });

  it('accepts a hex seed (the mnemonic’s seed gives the same addresses)', () => {
    const hexSeed = mnemonicToSeedSync(ABANDON).toString('hex');
    const opts = { network: 'mainnet', type: 'p2wpkh', count: 1 } as const;
    expect(generateBtcAddresses({ ...opts, seed: hexSeed }).addresses).toEqual([
      'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu',
    ]);
  });

  it('derives 0/i from an account xpub, with paths and no private keys', () => {
    const fromXpub = generateBtcAddresses({ xpub: ZPUB, network: 'mainnet', type: 'p2wpkh', count: 2 });
    const fromSeed = generateBtcAddresses({ seed: ABANDON, network: 'mainnet', type: 'p2wpkh', count: 2 });
    expect(fromXpub.addresses).toEqual(fromSeed.addresses);
    expect(fromXpub.keys.map((k) => k.path)).toEqual(['M/0/0', 'M/0/1']);
    for (const k of fromXpub.keys) expect(k.wif).toBeUndefined();
  });

  it.each([
    [{ xpub: ZPUB, type: 'p2pkh' }, 'a zpub is for p2wpkh addresses, not p2pkh'],
    [{ xpub: ZPUB, network: 'testnet' }, 'a zpub is for mainnet, not testnet'],
    [
      {
        xpub: 'xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LETdeRCMbY',
        count: 1,
      },
      'extended private key',
    ],
    [{ xpub: 'qpub6rFR7y4Q2AijBEqT' }, 'unknown extended public key prefix "qpub"'],
    [{ xpub: `${ZPUB.slice(0, -1)}t` }, 'invalid extended public key'],
    [{ xpub: ZPUB, account: 2 }, 'the account is fixed by the xpub'],
    [{ xpub: ZPUB, seed: ABANDON }, 'exactly one of'],
    [{}, 'exactly one of'],
    [{ seed: 'abandon abandon abandon' }, 'invalid BIP39 mnemonic'],
    [{ seed: ABANDON.replace('about', 'abandon') }, 'invalid BIP39 mnemonic'],
    [{ seed: 'abcd' }, 'a hex seed must be 16 to 64 bytes'],
    [{ seed: '00'.repeat(16), passphrase: 'x' }, 'a passphrase only applies to a mnemonic'],
    [{ seed: ABANDON, count: 0 }, 'count must be a positive integer, got 0'],
    [{ seed: ABANDON, count: 1.5 }, 'count must be a positive integer'],
    [{ seed: ABANDON, start: -1 }, 'start must be an integer in [0, 2^31)'],
    [{ seed: ABANDON, account: 2 ** 31 }, 'account must be an integer in [0, 2^31)'],
    [{ seed: ABANDON, start: 2 ** 31 - 1, count: 2 }, 'start + count must not exceed 2^31'],
  ])('refuses %j: %s', (over, message) => {
    const opts = { network: 'mainnet', type: 'p2wpkh', count: 1, ...over } as Parameters<
      typeof generateBtcAddresses
    >[0];
    expect(() => generateBtcAddresses(opts)).toThrow(GenerateError);
    expect(() => generateBtcAddresses(opts)).toThrow(message);
  });

  it('uses the BIP39 passphrase', () => {
    const a = generateBtcAddresses({
      seed: ABANDON,
      passphrase: 'TREZOR',
      network: 'mainnet',
      type: 'p2wpkh',
      count: 1,
    });
    expect(a.addresses[0]).not.toBe('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
    expect(seedBytes(ABANDON, 'TREZOR')).toEqual(Uint8Array.from(mnemonicToSeedSync(ABANDON, 'TREZOR')));
  });
});

describe('generateEthAddresses', () => {
  it("gives anvil's account 0 at m/44'/60'/0'/0/0, checksummed, with its key", () => {
    const { addresses, keys } = generateEthAddresses({ mnemonic: TEST_JUNK, count: 1 });
    expect(addresses).toEqual(['0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266']);
    expect(keys[0]).toEqual({
      index: 0,
      path: "m/44'/60'/0'/0/0",
      address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
      privateKey: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
    });
  });

  it('starts where asked and tolerates extra whitespace in the mnemonic', () => {
    const { addresses } = generateEthAddresses({
      mnemonic: `  ${TEST_JUNK.replace(/ /g, '  ')}\n`,
      start: 10,
      count: 2,
    });
    expect(addresses).toEqual([
      '0xBcd4042DE499D14e55001CcbB24a551F3b954096',
      '0x71bE63f3384f5fb98995898A86B02Fb2426c5788',
    ]);
  });

  it('refuses a bad mnemonic and a bad count', () => {
    expect(() => generateEthAddresses({ mnemonic: 'test junk', count: 1 })).toThrow('invalid BIP39 mnemonic');
    expect(() => generateEthAddresses({ mnemonic: TEST_JUNK, count: -1 })).toThrow(GenerateError);
  });
});

describe('generateSkyAddresses', () => {
  it("derives valid Skycoin addresses at m/44'/8000'/0'/0/i", () => {
    const { addresses, keys } = generateSkyAddresses({ mnemonic: ABANDON, count: 3 });
    expect(addresses[0]).toBe('28RHxxgAsbCuTv5U9VgWrDGDUpoho2gbh66');
    expect(keys.map((k) => k.path)).toEqual([
      "m/44'/8000'/0'/0/0",
      "m/44'/8000'/0'/0/1",
      "m/44'/8000'/0'/0/2",
    ]);
    for (const a of addresses) expect(skycoinAddressError(a)).toBeNull();
    for (const k of keys) expect(k.privateKey).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('writePoolFile / writeKeysFile', () => {
  const eth = generateEthAddresses({ mnemonic: TEST_JUNK, count: 3 });

  it.each(['text', 'json'] as const)('writes a %s pool that loads back (ETH lowercase)', (format) => {
    const file = join(dir, `eth-pool.${format === 'json' ? 'json' : 'txt'}`);
    writePoolFile(file, 'ETH', eth.addresses, format, ['generated for a test']);
    const lower = eth.addresses.map((a) => a.toLowerCase());
    expect(loadPool(file, 'ETH', 'mainnet')).toEqual(lower);
    const text = readFileSync(file, 'utf8');
    if (format === 'json') expect(JSON.parse(text)).toEqual({ eth_addresses: lower });
    else expect(text).toBe(['# generated for a test', ...lower, ''].join('\n'));
  });

  it('refuses to overwrite a pool file', () => {
    const file = join(dir, 'exists.txt');
    writeFileSync(file, 'keep me\n');
    expect(() => writePoolFile(file, 'ETH', eth.addresses, 'text')).toThrow(`${file} already exists`);
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');
  });

  it('writes keys readable by the owner only, and never overwrites them', () => {
    const file = join(dir, 'keys.json');
    writeKeysFile(file, eth.keys);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(eth.keys);
    expect(() => writeKeysFile(file, [])).toThrow(GenerateError);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(eth.keys);
  });

  it('reports other write errors', () => {
    expect(() => writeKeysFile(join(dir, 'no', 'such', 'dir.json'), [])).toThrow(/ENOENT/);
  });
});

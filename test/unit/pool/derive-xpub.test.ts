import { address, networks, payments } from 'bitcoinjs-lib';
import { HDNodeWallet } from 'ethers';
import { mnemonicToSeedSync } from 'bip39';
import { bip32, btcAddressDeriver, btcXpubNode, XpubError } from '../../../src/chains/bitcoin/derive';
import { ethAddressDeriver } from '../../../src/chains/ethereum/derive';

/** The BIPs' mnemonic and its published addresses (BIP44/49/84/86 test vectors). */
const ABANDON =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const seed = mnemonicToSeedSync(ABANDON);
/** BIP84's published account-0 zpub and BIP86's account-0 xpub of ABANDON. */
const BIP84_ZPUB =
  'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';
const BIP86_XPUB =
  'xpub6BgBgsespWvERF3LHQu6CnqdvfEvtMcQjYrcRzx53QJjSxarj2afYWcLteoGVky7D3UKDP9QyrLprQ3VCECoY49yfdDEHGCtMMj92pReUsQ';

/** The account key at `path`, serialized as xpub (mainnet) or tpub (test networks), as wallets export it. */
function accountXpub(path: string, testnet: boolean): string {
  const root = testnet ? bip32.fromSeed(seed, networks.testnet) : bip32.fromSeed(seed);
  return root.derivePath(path).neutered().toBase58();
}

describe('btcAddressDeriver: the BIPs’ published addresses from an account xpub', () => {
  it.each([
    [
      'BIP44',
      "m/44'/0'/0'",
      'mainnet',
      'p2pkh',
      ['1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA', '1Ak8PffB2meyfYnbXZR9EGfLfFZVpzJvQP'],
    ],
    ['BIP49', "m/49'/1'/0'", 'testnet', 'p2sh-p2wpkh', ['2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2']],
    [
      'BIP84',
      "m/84'/0'/0'",
      'mainnet',
      'p2wpkh',
      ['bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', 'bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g'],
    ],
    [
      'BIP86',
      "m/86'/0'/0'",
      'mainnet',
      'p2tr',
      [
        'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr',
        'bc1p4qhjn9zdvkux4e44uhx8tc55attvtyu358kutcqkudyccelu0was9fqzwh',
      ],
    ],
  ] as const)('%s %s (%s, %s)', (_bip, path, network, type, addresses) => {
    const xpub = accountXpub(path, network !== 'mainnet');
    const d = btcAddressDeriver(xpub, network, type);
    expect(addresses.map((_, i) => d.derive(i))).toEqual(addresses);
  });

  it('takes the published BIP84 zpub and BIP86 xpub as they are', () => {
    expect(btcAddressDeriver(BIP84_ZPUB, 'mainnet', 'p2wpkh').derive(0)).toBe(
      'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu',
    );
    expect(accountXpub("m/86'/0'/0'", false)).toBe(BIP86_XPUB);
    expect(btcAddressDeriver(BIP86_XPUB, 'mainnet', 'p2tr').derive(0)).toBe(
      'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr',
    );
  });

  it('derives on regtest (bcrt1) from a tpub, the same keys as testnet', () => {
    const tpub = accountXpub("m/84'/1'/0'", true);
    const test = btcAddressDeriver(tpub, 'testnet', 'p2wpkh').derive(0);
    const reg = btcAddressDeriver(tpub, 'regtest', 'p2wpkh').derive(0);
    expect(test).toMatch(/^tb1q/);
    expect(reg).toMatch(/^bcrt1q/);
    expect(address.fromBech32(reg).data).toEqual(address.fromBech32(test).data);
  });

  it('BIP32 test vector 1: public derivation from the m/0H/1/2H xpub gives m/0H/1/2H/2', () => {
    const m = bip32.fromSeed(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));
    expect(m.neutered().toBase58()).toBe(
      'xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8',
    );
    const account =
      'xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5';
    expect(m.derivePath("m/0'/1/2'").neutered().toBase58()).toBe(account);
    const node = btcXpubNode(account, 'mainnet', 'p2pkh');
    expect(node.derive(2).toBase58()).toBe(
      'xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV',
    );
    // The deriver's address i is the key at 0/i, as the private side derives it.
    const priv = m.derivePath("m/0'/1/2'/0/5");
    const d = btcAddressDeriver(account, 'mainnet', 'p2pkh');
    expect(d.derive(5)).toBe(payments.p2pkh({ pubkey: priv.publicKey }).address);
  });

  it.each([
    [BIP84_ZPUB, 'testnet', 'p2wpkh', 'a zpub is for mainnet, not testnet'],
    [BIP84_ZPUB, 'mainnet', 'p2pkh', 'a zpub is for p2wpkh addresses, not p2pkh'],
    [BIP86_XPUB, 'regtest', 'p2tr', 'a xpub is for mainnet, not regtest'],
    [`${BIP84_ZPUB.slice(0, -1)}t`, 'mainnet', 'p2wpkh', 'invalid extended public key'],
    ['qpub6rFR7y4Q2AijBEqT', 'mainnet', 'p2wpkh', 'unknown extended public key prefix "qpub"'],
    [
      'xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8',
      'mainnet',
      'p2pkh',
      'expected an account-level key (depth 3',
    ],
  ] as const)('refuses %s on %s for %s: %s', (xpub, network, type, message) => {
    expect(() => btcAddressDeriver(xpub, network, type)).toThrow(XpubError);
    expect(() => btcAddressDeriver(xpub, network, type)).toThrow(message);
  });
});

describe('ethAddressDeriver: the account xpub at m/44’/60’/0’ gives what ethers derives from the mnemonic', () => {
  const xpub = HDNodeWallet.fromPhrase(ABANDON, undefined, "m/44'/60'/0'").neuter().extendedKey;

  it('matches HDNodeWallet at m/44’/60’/0’/0/i (lowercase)', () => {
    const d = ethAddressDeriver(xpub);
    expect(d.derive(0)).toBe('0x9858effd232b4033e47d90003d41ec34ecaeda94');
    for (const i of [0, 1, 2, 7, 1000]) {
      const w = HDNodeWallet.fromPhrase(ABANDON, undefined, `m/44'/60'/0'/0/${i}`);
      expect(d.derive(i)).toBe(w.address.toLowerCase());
    }
  });

  it('refuses a private key, another depth, another prefix', () => {
    const xprv = HDNodeWallet.fromPhrase(ABANDON, undefined, "m/44'/60'/0'").extendedKey;
    expect(() => ethAddressDeriver(xprv)).toThrow('extended private key');
    const deep = HDNodeWallet.fromPhrase(ABANDON, undefined, "m/44'/60'/0'/0").neuter().extendedKey;
    expect(() => ethAddressDeriver(deep)).toThrow('depth 3');
    expect(() => ethAddressDeriver(BIP84_ZPUB)).toThrow(XpubError);
    expect(() => ethAddressDeriver(`${xpub.slice(0, -1)}x`)).toThrow('invalid extended public key');
  });
});

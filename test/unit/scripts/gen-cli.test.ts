import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BTC_USAGE, ETH_USAGE, runGenBtcCli, runGenEthCli } from '../../../scripts/lib/gen-cli';
import { loadPool } from '../../../src/pool/validate';

const ABANDON =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const TEST_JUNK = 'test test test test test test test test test test test junk';
const ZPUB =
  'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gen-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cli: typeof runGenBtcCli, argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = cli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}
const btc = (...argv: string[]): ReturnType<typeof run> => run(runGenBtcCli, argv);
const eth = (...argv: string[]): ReturnType<typeof run> => run(runGenEthCli, argv);

describe('gen-btc-addresses', () => {
  it('prints addresses when there is no --out (default p2wpkh, mainnet)', () => {
    const r = btc('--mnemonic', ABANDON, '--count', '2');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu\nbc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g\n',
    );
    expect(r.err).toBe("2 BTC addresses from m/84'/0'/0'/0/0\n");
  });

  it('writes a pool and its keys', () => {
    const out = join(dir, 'btc.txt');
    const keys = join(dir, 'btc-keys.json');
    const mfile = join(dir, 'words.txt');
    writeFileSync(mfile, `${ABANDON}\n`);
    const r = btc(
      '--mnemonic-file',
      mfile,
      '--type',
      'p2tr',
      '--network',
      'regtest',
      '--count',
      '3',
      '--out',
      out,
      '--keys',
      keys,
    );
    expect(r.code).toBe(0);
    expect(r.err).toContain(`pool → ${out}, keys → ${keys}`);
    const pool = loadPool(out, 'BTC', 'regtest');
    expect(pool).toHaveLength(3);
    expect(readFileSync(out, 'utf8')).toMatch(/^# BTC deposit addresses \(regtest, p2tr\)/);
    const saved = JSON.parse(readFileSync(keys, 'utf8')) as { path: string; wif: string; address: string }[];
    expect(saved.map((k) => k.path)).toEqual(["m/86'/1'/0'/0/0", "m/86'/1'/0'/0/1", "m/86'/1'/0'/0/2"]);
    expect(saved.map((k) => k.address)).toEqual(pool);
    expect(saved[0]?.wif).toMatch(/^c/); // testnet/regtest WIF
    expect(statSync(keys).mode & 0o777).toBe(0o600);
    // and never overwrites either file
    const again = btc('--mnemonic', ABANDON, '--count', '1', '--out', out);
    expect(again.code).toBe(1);
    expect(again.err).toBe(`error: ${out} already exists: refusing to overwrite it\n`);
  });

  it('writes JSON for a .json file, or when asked', () => {
    const out = join(dir, 'btc.json');
    expect(btc('--seed', '000102030405060708090a0b0c0d0e0f', '--count', '2', '--out', out).code).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(out, 'utf8')) as object)).toEqual(['btc_addresses']);
    const forced = join(dir, 'btc-forced.pool');
    expect(
      btc('--seed', '000102030405060708090a0b0c0d0e0f', '--count', '1', '--out', forced, '--format', 'json')
        .code,
    ).toBe(0);
    expect(readFileSync(forced, 'utf8')).toMatch(/^\{\n {4}"btc_addresses"/);
  });

  it('derives watch-only addresses from an xpub', () => {
    const keys = join(dir, 'xpub-keys.json');
    const r = btc('--xpub', ZPUB, '--count', '1', '--keys', keys);
    expect(r.code).toBe(0);
    expect(r.out).toBe('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu\n');
    expect(JSON.parse(readFileSync(keys, 'utf8'))).toEqual([
      {
        index: 0,
        path: 'M/0/0',
        address: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu',
        publicKey: '0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c',
      },
    ]);
  });

  it.each([
    [[], '--count is required'], // teller's tool panicked here
    [['--mnemonic', ABANDON], '--count is required'],
    [['--mnemonic', ABANDON, '--count', 'ten'], '--count must be a non-negative integer, got "ten"'],
    [['--mnemonic', ABANDON, '--count', '-1'], "Option '--count' argument is ambiguous"],
    [['--count', '1'], 'give exactly one of --mnemonic, --mnemonic-file, --seed, --xpub'],
    [['--mnemonic', ABANDON, '--xpub', ZPUB, '--count', '1'], 'give exactly one of'],
    [
      ['--mnemonic', ABANDON, '--count', '1', '--network', 'signet'],
      '--network must be one of mainnet, testnet, regtest; got "signet"',
    ],
    [
      ['--mnemonic', ABANDON, '--count', '1', '--type', 'p2wsh'],
      '--type must be one of p2pkh, p2sh-p2wpkh, p2wpkh, p2tr',
    ],
    [['--mnemonic', ABANDON, '--count', '1', '--format', 'csv'], '--format must be one of text, json'],
    [['--mnemonic', ABANDON, '--count', '1', '--bogus'], "Unknown option '--bogus'"],
    [['--mnemonic', ABANDON, '--count', '1', 'extra'], "Unexpected argument 'extra'"],
  ])('usage error for %j: %s', (argv, message) => {
    const r = btc(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).toContain(BTC_USAGE);
    expect(r.out).toBe('');
  });

  it.each([
    [['--mnemonic', 'abandon about', '--count', '1'], 'invalid BIP39 mnemonic'],
    [['--mnemonic', ABANDON, '--count', '0'], 'count must be a positive integer, got 0'],
    [['--xpub', ZPUB, '--type', 'p2pkh', '--count', '1'], 'a zpub is for p2wpkh addresses, not p2pkh'],
    [['--mnemonic-file', '/nonexistent/words', '--count', '1'], 'ENOENT'],
  ])('failure for %j: %s', (argv, message) => {
    const r = btc(...argv);
    expect(r.code).toBe(1);
    expect(r.err).toContain(message);
    expect(r.err).not.toContain('usage:');
  });

  it('prints help', () => {
    expect(btc('--help')).toEqual({ code: 0, out: `${BTC_USAGE}\n`, err: '' });
  });
});

describe('gen-eth-addresses', () => {
  it('writes a lowercase pool and checksummed keys', () => {
    const out = join(dir, 'eth.txt');
    const keys = join(dir, 'eth-keys.json');
    const r = eth('--mnemonic', TEST_JUNK, '--start', '10', '--count', '2', '--out', out, '--keys', keys);
    expect(r.code).toBe(0);
    expect(loadPool(out, 'ETH', 'mainnet')).toEqual([
      '0xbcd4042de499d14e55001ccbb24a551f3b954096',
      '0x71be63f3384f5fb98995898a86b02fb2426c5788',
    ]);
    const saved = JSON.parse(readFileSync(keys, 'utf8')) as {
      address: string;
      privateKey: string;
      path: string;
    }[];
    expect(saved[0]?.address).toBe('0xBcd4042DE499D14e55001CcbB24a551F3b954096');
    expect(saved[0]?.path).toBe("m/44'/60'/0'/0/10");
    expect(saved[0]?.privateKey).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('prints checksummed addresses without --out', () => {
    expect(eth('--mnemonic', TEST_JUNK, '--count', '1').out).toBe(
      '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\n',
    );
  });

  it.each([
    [['--count', '1'], '--mnemonic or --mnemonic-file is required'],
    [[], '--count is required'],
    [['--mnemonic', TEST_JUNK, '--count', '1', '--network', 'testnet'], '--network does not apply to ETH'],
    [['--seed', '00'.repeat(16), '--count', '1'], '--seed does not apply to ETH'],
  ])('usage error for %j: %s', (argv, message) => {
    const r = eth(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).toContain(ETH_USAGE);
  });
});

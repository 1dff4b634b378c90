import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checksumEthAddress } from '../../src/chains/ethereum/address';
import {
  generateBtcAddresses,
  generateEthAddresses,
  generateSkyAddresses,
  type Generated,
} from '../../src/pool/generate';

/**
 * The example pools in addresses/ (dummy mode, config.example.toml). They are derived from public
 * test mnemonics, so anyone holds their keys: a unit test regenerates them and compares them with
 * the files, and running this module rewrites the files.
 */

export const ABANDON_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
export const TEST_JUNK_MNEMONIC = 'test test test test test test test test test test test junk';

const warning = (tool: string): string[] => [
  '# NEVER SEND REAL FUNDS TO THESE ADDRESSES: their keys are public, anyone can take the coins.',
  `# Generate your own pool (${tool}) from your own secret.`,
];

const lines = (g: Generated, show: (a: string) => string = (a) => a): string[] =>
  g.keys.map((k) => `${show(k.address)}  # ${k.path}`);

function btcExample(): string {
  const gen = (type: 'p2pkh' | 'p2sh-p2wpkh' | 'p2wpkh' | 'p2tr'): Generated =>
    generateBtcAddresses({ seed: ABANDON_MNEMONIC, network: 'mainnet', type, count: 5 });
  return [
    '# Example BTC deposit-address pool (mainnet), for dummy mode and tests.',
    '# Derived from the public BIP39 test mnemonic "abandon abandon ... about" (11 x abandon + about),',
    "# 5 addresses of each type at the BIP44/49/84/86 paths of account 0 (the BIPs' test vectors).",
    ...warning('gen-btc-addresses'),
    '',
    '# P2PKH (BIP44)',
    ...lines(gen('p2pkh')),
    '',
    '# P2SH-P2WPKH (BIP49)',
    ...lines(gen('p2sh-p2wpkh')),
    '',
    '# P2WPKH (BIP84)',
    ...lines(gen('p2wpkh')),
    '',
    '# P2TR (BIP86)',
    ...lines(gen('p2tr')),
    '',
  ].join('\n');
}

function ethExample(): string {
  const g = generateEthAddresses({ mnemonic: TEST_JUNK_MNEMONIC, start: 10, count: 20 });
  return [
    '# Example ETH deposit-address pool, for dummy mode and tests.',
    "# Accounts 10..29 of the anvil/hardhat test mnemonic \"test test ... test junk\" (m/44'/60'/0'/0/i).",
    "# Accounts 0..9 are left out on purpose: they are the dev nodes' pre-funded accounts, which the",
    '# tests use to pay deposits. Any case is accepted in a pool; mixed case must be valid EIP-55.',
    ...warning('gen-eth-addresses'),
    '',
    ...lines(g, checksumEthAddress),
    '',
  ].join('\n');
}

function skyExample(): string {
  const g = generateSkyAddresses({ mnemonic: ABANDON_MNEMONIC, count: 5 });
  return [
    '# Example SKY deposit-address pool, for dummy mode and tests.',
    '# Derived from the public BIP39 test mnemonic "abandon abandon ... about" at',
    "# m/44'/8000'/0'/0/i (the Skycoin hardware wallet's path), hashed into Skycoin addresses.",
    ...warning('generateSkyAddresses in src/pool/generate.ts'),
    '',
    ...lines(g),
    '',
  ].join('\n');
}

/** File name (in addresses/) → content. */
export function examplePools(): Record<string, string> {
  return {
    'btc-example.txt': btcExample(),
    'eth-example.txt': ethExample(),
    'sky-example.txt': skyExample(),
  };
}

export function writeExamplePools(dir: string): void {
  for (const [name, content] of Object.entries(examplePools())) writeFileSync(join(dir, name), content);
}

if (require.main === module) writeExamplePools(process.argv[2] ?? 'addresses');

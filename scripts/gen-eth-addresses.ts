/**
 * Generates an ETH deposit-address pool (and optionally its keys) from a BIP39 mnemonic at
 * m/44'/60'/account'/0/i. `--help` for the options; the logic is in src/pool/generate.ts.
 */
import { runGenEthCli } from './lib/gen-cli';

process.exitCode = runGenEthCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});

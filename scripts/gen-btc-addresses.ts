/**
 * Generates a BTC deposit-address pool (and optionally its keys) from a BIP39 mnemonic, a hex
 * seed or an account xpub. `--help` for the options; the logic is in src/pool/generate.ts.
 */
import { runGenBtcCli } from './lib/gen-cli';

process.exitCode = runGenBtcCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});

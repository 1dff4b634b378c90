import { createECDH } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { btcOutputScript } from '../../src/chains/bitcoin/address';
import { btcKeyAddress, type BtcKeyAddressType } from '../../src/pool/generate';
import type { Bitcoind } from './bitcoind';

/** What the daemon tests against bcoin regtest share: pool files, BTC amounts, deposit ids. */

const pubkey = (): Uint8Array => {
  const ecdh = createECDH('secp256k1');
  ecdh.generateKeys();
  return ecdh.getPublicKey(null, 'compressed');
};

/** Writes `n` regtest addresses of fresh keys to the pool file `file`, of `types` in turn; returns them. */
export function writeRegtestPool(file: string, n: number, types: readonly BtcKeyAddressType[]): string[] {
  const addrs = Array.from({ length: n }, (_, i) =>
    btcKeyAddress(pubkey(), types[i % types.length], 'regtest'),
  );
  writeFileSync(file, addrs.join('\n') + '\n');
  return addrs;
}

/** Satoshi as the wallet RPC takes BTC amounts (8 decimals). */
export const toBtc = (sat: bigint): string =>
  `${sat / 100_000_000n}.${String(sat % 100_000_000n).padStart(8, '0')}`;

/** txid:vout of the one output of `txid` that pays `address`, from the node's own decoding. */
export async function depositIdIn(btc: Bitcoind, txid: string, address: string): Promise<string> {
  const tx = await btc.rpc<{ vout: { n: number; scriptPubKey: { hex: string } }[] }>('getrawtransaction', [
    txid,
    true,
  ]);
  const hex = Buffer.from(btcOutputScript(address, 'regtest')).toString('hex');
  const outs = tx.vout.filter((o) => o.scriptPubKey.hex === hex);
  if (outs.length !== 1) throw new Error(`${txid} pays ${address} ${outs.length} times`);
  return `${txid}:${outs[0].n}`;
}

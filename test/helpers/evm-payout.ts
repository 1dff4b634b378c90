import { createECDH } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Contract, Wallet } from 'ethers';
import { encryptHotWalletKey } from '../../src/chains/ethereum/wallet';
import { btcKeyAddress } from '../../src/pool/generate';
import type { Anvil } from './anvil';
import { request, type Daemon, type TomlTable } from './daemon';
import { loadFixture } from './erc20';

/**
 * Daemons that pay from a real EVM hot wallet (dummy scanner, EVM sender) against anvil: the hot
 * wallet's keystore and funding, a BTC pool large enough for many binds, the payout config, and
 * the amounts a BTC deposit must pay.
 */

export const WALLET_PASSWORD = 'evm-payout-it';
export const WALLET_ENV = { TELLER_WALLET_PASSWORD: WALLET_PASSWORD };

/** Payout coins per BTC: a deposit of 200·k satoshi pays exactly k millionths of the payout coin. */
export const BTC_RATE = '0.5';
export const SATOSHI_PER_MICRO = 200n;

export interface HotWallet {
  address: string;
  keystore: string;
}

/**
 * A fresh hot wallet (so its nonce counts only Teller's payouts) with a cheap keystore, funded
 * from dev account 0 with `eth` wei and, if given, `tokens` units of `token`.
 */
export async function fundedHotWallet(
  anvil: Anvil,
  dir: string,
  eth: bigint,
  token?: { address: string; amount: bigint },
): Promise<HotWallet> {
  const w = Wallet.createRandom();
  const keystore = path.join(dir, `hot-${w.address}.json`);
  writeFileSync(keystore, await encryptHotWalletKey(w.privateKey, WALLET_PASSWORD, 2));
  const funder = anvil.wallets[0];
  await (await funder.sendTransaction({ to: w.address, value: eth })).wait();
  if (token) {
    const erc20 = new Contract(token.address, loadFixture().Token.abi as never[], funder);
    await (await erc20.getFunction('transfer')(w.address, token.amount)).wait();
  }
  return { address: w.address, keystore };
}

/** `n` fresh mainnet P2WPKH addresses in a pool file; returns its path. */
export function btcPoolFile(dir: string, n: number): string {
  const lines = Array.from({ length: n }, () => {
    const ecdh = createECDH('secp256k1');
    ecdh.generateKeys();
    return btcKeyAddress(ecdh.getPublicKey(null, 'compressed'), 'p2wpkh', 'mainnet');
  });
  const file = path.join(dir, 'btc-pool.txt');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

export interface PayoutDaemonOptions {
  anvil: Anvil;
  hot: HotWallet;
  btcPool: string;
  /** An ERC-20 (6 decimals) to pay in; ETH when absent. */
  token?: string;
  confirmations: number;
}

/** Overrides for startDaemon: dummy scanner, the EVM sender paying BTC deposits at BTC_RATE. */
export function payoutDaemonConfig(o: PayoutDaemonOptions): TomlTable {
  return {
    btc_addresses: o.btcPool,
    eth_scanner: { enabled: false },
    sky_exchanger: {
      sky_btc_exchange_rate: BTC_RATE,
      max_decimals: 6,
      tx_confirmation_check_wait: '100ms',
    },
    dummy: { scanner: true, sender: false },
    payout: {
      coin: o.token === undefined ? 'ETH' : 'ERC20',
      evm: {
        rpc_url: o.anvil.url,
        chain_id: o.anvil.chainId,
        keystore: o.hot.keystore,
        token: o.token ?? '',
        decimals: o.token === undefined ? 18 : 6,
        confirmations_required: o.confirmations,
        rebroadcast_after: '5s',
      },
    },
  };
}

/** Base units a deposit of SATOSHI_PER_MICRO·`micro` satoshi pays, for `decimals` ≥ 6. */
export const payoutUnits = (micro: bigint, decimals: number): bigint => micro * 10n ** BigInt(decimals - 6);

export interface PaidDeposit {
  deposit_id: string;
  status: string;
  sky_address: string;
  txid: string;
  /** Payout base units, as a string (wei can exceed a JS number). */
  sky_sent: string;
  error: string;
}

/** Every deposit on the admin API, with integers too large for a JS number read as strings. */
export async function paidDeposits(d: Daemon): Promise<PaidDeposit[]> {
  const res = await request(`${d.adminUrl}/api/deposits`);
  if (res.status !== 200) throw new Error(`admin /api/deposits: ${res.status} ${res.body}`);
  const body = res.body.replace(/("(?:deposit_value|value|sky_sent)": ?)(\d+)/g, '$1"$2"');
  return (JSON.parse(body) as { deposits: PaidDeposit[] }).deposits;
}

/** ERC-20 balanceOf. */
export async function tokenBalance(anvil: Anvil, token: string, owner: string): Promise<bigint> {
  const erc20 = new Contract(token, loadFixture().Token.abi as never[], anvil.provider);
  return (await erc20.getFunction('balanceOf')(owner)) as bigint;
}

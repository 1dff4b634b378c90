import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Contract, Wallet } from 'ethers';
import { encryptHotWalletKey } from '../../src/chains/ethereum/wallet';
import type { Anvil } from './anvil';
import { request, type Daemon, type TomlTable } from './daemon';
import { loadFixture } from './erc20';

/**
 * Daemons that pay from a real EVM hot wallet (EVM sender) for ETH deposits seen by the real ETH
 * scanner, both on the same anvil: the hot wallet's keystore and funding, a pool of fresh deposit
 * addresses, deposits sent from a dev account, the payout config, and the amounts a deposit must
 * pay. (A dummy scanner may not feed a real sender: issue 15 item 2.)
 */

export const WALLET_PASSWORD = 'evm-payout-it';
export const WALLET_ENV = { TELLER_WALLET_PASSWORD: WALLET_PASSWORD };

/** Payout coins per deposited ETH: a deposit of 10^12·k wei pays exactly k millionths of the payout coin. */
export const ETH_RATE = '1';
export const WEI_PER_MICRO = 10n ** 12n;

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

/** `n` fresh Ethereum deposit addresses in a pool file; returns its path. */
export function ethPoolFile(dir: string, n: number): string {
  const lines = Array.from({ length: n }, () => Wallet.createRandom().address);
  const file = path.join(dir, `eth-pool-${lines[0]}.txt`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** The dev account that makes the deposits (account 0 funds hot wallets and deploys tokens). */
export const depositor = (anvil: Anvil): Wallet => anvil.wallets[1];

/**
 * Sends `wei` to deposit address `addr` from the depositor; returns the deposit id
 * (`<tx hash>:0`) once the node has the transaction (mined at once under automine).
 */
export async function sendDeposit(anvil: Anvil, addr: string, wei: bigint): Promise<string> {
  const tx = await depositor(anvil).sendTransaction({ to: addr, value: wei });
  return `${tx.hash}:0`;
}

export interface PayoutDaemonOptions {
  anvil: Anvil;
  hot: HotWallet;
  /** The ETH deposit pool file (ethPoolFile). */
  ethPool: string;
  /** An ERC-20 (6 decimals) to pay in; ETH when absent. */
  token?: string;
  confirmations: number;
  /** The first block the ETH scanner reads (the tip + 1 when the daemon is first started). */
  fromHeight: number;
}

/** Overrides for startDaemon: the ETH scanner and the EVM sender on anvil, paying at ETH_RATE. */
export function payoutDaemonConfig(o: PayoutDaemonOptions): TomlTable {
  return {
    eth_addresses: o.ethPool,
    btc_scanner: { enabled: false },
    eth_scanner: {
      enabled: true,
      scan_period: '100ms',
      initial_scan_height: o.fromHeight,
      confirmations_required: 1,
      chain_id: o.anvil.chainId,
    },
    eth_rpc: { server: o.anvil.url, port: '' },
    sky_exchanger: {
      sky_eth_exchange_rate: ETH_RATE,
      max_decimals: 6,
      tx_confirmation_check_wait: '100ms',
    },
    dummy: { scanner: false, sender: false },
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

/** Base units a deposit of WEI_PER_MICRO·`micro` wei pays, for `decimals` ≥ 6. */
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

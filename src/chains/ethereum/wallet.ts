import { readFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { encryptKeystoreJson, isKeystoreJson, Transaction, Wallet } from 'ethers';
import { TellerError, type TellerErrorOptions } from '../../util/errors';
import { unsignedPayoutTx, type PayoutSigner, type PayoutTxFields, type SignedPayoutTx } from './payout-tx';

/**
 * The EVM hot wallet: a standard JSON keystore (geth, MyEtherWallet, `cast wallet`), decrypted
 * once at startup with the password from the environment, so it is never in the config file.
 */

export const WALLET_PASSWORD_ENV = 'TELLER_WALLET_PASSWORD';

/** The hot wallet cannot be loaded: the daemon cannot start its EVM sender. Not retryable. */
export class WalletError extends TellerError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('wallet_error', message, false, options);
  }
}

/** Signs payouts. The key lives in a private field and never appears in logs or JSON. */
export class EvmHotWallet implements PayoutSigner {
  readonly #wallet: Wallet;
  readonly address: string;

  private constructor(wallet: Wallet) {
    this.#wallet = wallet;
    this.address = wallet.address;
  }

  /** For tests and tools; the daemon loads a keystore. */
  static fromPrivateKey(privateKey: string): EvmHotWallet {
    return new EvmHotWallet(new Wallet(privateKey));
  }

  static fromWallet(wallet: Wallet): EvmHotWallet {
    return new EvmHotWallet(wallet);
  }

  async signPayout(fields: PayoutTxFields): Promise<SignedPayoutTx> {
    const raw = await this.#wallet.signTransaction(unsignedPayoutTx(fields));
    const txid = Transaction.from(raw).hash;
    if (txid === null) throw new WalletError('signing produced an unsigned transaction');
    return { txid, raw };
  }

  toJSON(): { address: string } {
    return { address: this.address };
  }

  [inspect.custom](): string {
    return `EvmHotWallet(${this.address})`;
  }
}

/**
 * Loads the hot wallet from a JSON keystore file, decrypting it with `$TELLER_WALLET_PASSWORD`.
 * Every failure is a WalletError that says what to fix; none includes the password or key.
 */
export async function loadHotWallet(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EvmHotWallet> {
  if (path === '') throw new WalletError('payout.evm.keystore is not set');
  let json: string;
  try {
    json = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new WalletError(`keystore file not found: ${path}`, { cause: err });
    throw new WalletError(`cannot read keystore ${path}: ${code ?? (err as Error).message}`, { cause: err });
  }
  if (!isKeystoreJson(json))
    throw new WalletError(`${path} is not a JSON keystore (expected a v3 "crypto" keystore)`);
  const password = env[WALLET_PASSWORD_ENV];
  if (password === undefined || password === '') {
    throw new WalletError(`${WALLET_PASSWORD_ENV} is not set: it is the password of the keystore ${path}`);
  }
  let wallet: Awaited<ReturnType<typeof Wallet.fromEncryptedJson>>;
  try {
    wallet = await Wallet.fromEncryptedJson(json, password);
  } catch (err) {
    // ethers reports a wrong password as "incorrect password"; the value itself is redacted.
    if (/incorrect password/i.test((err as Error).message)) {
      throw new WalletError(`wrong password for keystore ${path} (${WALLET_PASSWORD_ENV})`, { cause: err });
    }
    throw new WalletError(`cannot decrypt keystore ${path}: ${(err as Error).message.split(' (')[0]}`, {
      cause: err,
    });
  }
  // A keystore written with a mnemonic decrypts to an HD wallet; its account key is what pays.
  return EvmHotWallet.fromWallet(wallet instanceof Wallet ? wallet : new Wallet(wallet.privateKey));
}

/**
 * A JSON keystore for `privateKey`, for setup tools and tests. `scryptN` lowers the key
 * derivation cost (ethers' default 131072 takes seconds; tests use 2).
 */
export async function encryptHotWalletKey(
  privateKey: string,
  password: string,
  scryptN?: number,
): Promise<string> {
  const { address } = new Wallet(privateKey);
  return encryptKeystoreJson(
    { address, privateKey },
    password,
    scryptN === undefined ? {} : { scrypt: { N: scryptN } },
  );
}

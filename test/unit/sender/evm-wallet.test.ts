import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { decodePayoutTx } from '../../../src/chains/ethereum/payout-tx';
import {
  EvmHotWallet,
  WalletError,
  encryptHotWalletKey,
  loadHotWallet,
} from '../../../src/chains/ethereum/wallet';
import { HOT_KEY, RECIPIENT } from './evm-fake-node';

const ADDRESS = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
let dir: string;
let keystore: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'teller-wallet-'));
  keystore = path.join(dir, 'hot.json');
  // scrypt N=2: the default (2^17) takes seconds; the format is the same.
  await writeFile(keystore, await encryptHotWalletKey(HOT_KEY, 'correct horse', 2));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('loadHotWallet', () => {
  test('decrypts a keystore with $TELLER_WALLET_PASSWORD and signs payouts', async () => {
    const wallet = await loadHotWallet(keystore, { TELLER_WALLET_PASSWORD: 'correct horse' });
    expect(wallet.address).toBe(ADDRESS);
    const signed = await wallet.signPayout({
      chainId: 1337n,
      nonce: 4,
      call: { to: RECIPIENT, value: 9n, data: '0x' },
      gasLimit: 21_000n,
      fees: { maxFeePerGas: 3n, maxPriorityFeePerGas: 1n },
    });
    const tx = decodePayoutTx(signed.raw);
    expect(tx).toMatchObject({ txid: signed.txid, from: ADDRESS, nonce: 4 });
  });

  test.each([
    [
      'a missing file',
      () => path.join(dir, 'nope.json'),
      { TELLER_WALLET_PASSWORD: 'x' },
      /^keystore file not found: .*nope\.json$/,
    ],
    ['no password', () => keystore, {}, /^TELLER_WALLET_PASSWORD is not set/],
    [
      'a wrong password',
      () => keystore,
      { TELLER_WALLET_PASSWORD: 'wrong' },
      /^wrong password for keystore /,
    ],
    ['no path', () => '', { TELLER_WALLET_PASSWORD: 'x' }, /^payout\.evm\.keystore is not set$/],
  ])('%s is a clear WalletError', async (_name, file, env, message) => {
    const err = await loadHotWallet(file(), env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalletError);
    expect((err as WalletError).retryable).toBe(false);
    expect((err as Error).message).toMatch(message);
  });

  test('a file that is not a keystore', async () => {
    const other = path.join(dir, 'other.json');
    await writeFile(other, '{"hello": 1}');
    await expect(loadHotWallet(other, { TELLER_WALLET_PASSWORD: 'x' })).rejects.toThrow(
      /is not a JSON keystore/,
    );
  });

  test('the key never shows in JSON, inspect or error messages', async () => {
    const wallet = EvmHotWallet.fromPrivateKey(HOT_KEY);
    const bare = HOT_KEY.slice(2);
    expect(JSON.stringify(wallet)).toBe(`{"address":"${ADDRESS}"}`);
    expect(inspect(wallet, { showHidden: true, depth: 5 })).not.toContain(bare);
    const err = await loadHotWallet(keystore, { TELLER_WALLET_PASSWORD: 'hunter2' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^wrong password/);
    expect((err as Error).message).not.toContain('hunter2');
  });
});

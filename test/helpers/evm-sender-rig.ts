import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import type { PayoutConfig } from '../../src/config/types';
import { encryptHotWalletKey } from '../../src/chains/ethereum/wallet';
import { openEvmSender, type EvmSender } from '../../src/sender/evm-sender';
import { Store } from '../../src/store/store';
import { silentLogger } from '../../src/util/logger';
import { startAnvil, type Anvil } from './anvil';

/**
 * The rig of a test file driving the EVM sender against one anvil node: the node and a temp dir
 * for the file, hot wallets with their keystores, payout configs, senders opened as the daemon
 * does; what a test opened is closed after it, and automine is back on. Call at the top level.
 */

export const PASSWORD = 'integration-test';

export interface HotWallet {
  key: string;
  address: string;
  keystore: string;
  storeDir: string;
}

export function evmSenderRig(prefix: string) {
  let anvil: Anvil;
  let dir = '';
  let seq = 0;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    anvil = await startAnvil();
    dir = await mkdtemp(path.join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await anvil.setAutomine(true);
  });
  afterAll(async () => {
    await anvil?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    anvil: (): Anvil => anvil,
    dir: (): string => dir,
    cleanups,
    /** A fresh hot wallet (own nonces), funded from dev account 0, with its keystore and store dir. */
    async hotWallet(eth: bigint): Promise<HotWallet> {
      const w = Wallet.createRandom();
      const n = ++seq;
      const keystore = path.join(dir, `hot-${n}.json`);
      await writeFile(keystore, await encryptHotWalletKey(w.privateKey, PASSWORD, 2));
      if (eth > 0n) await (await anvil.wallets[0].sendTransaction({ to: w.address, value: eth })).wait();
      return { key: w.privateKey, address: w.address, keystore, storeDir: path.join(dir, `store-${n}`) };
    },
    config(
      hot: HotWallet,
      over: Partial<PayoutConfig['evm']> = {},
      coin: 'ETH' | 'ERC20' = 'ETH',
    ): PayoutConfig {
      return {
        coin,
        approval_above: '0',
        evm: {
          rpc_url: anvil.url,
          chain_id: anvil.chainId,
          keystore: hot.keystore,
          token: '',
          decimals: 18,
          confirmations_required: 1,
          rebroadcast_after_ms: 60_000,
          max_fee_per_gas: '200',
          max_priority_fee_per_gas: '20',
          ...over,
        },
        sky_node_url: '',
      };
    },
    /** Opens the store and the sender as the daemon does; both are closed after the test. */
    async open(cfg: PayoutConfig, storeDir: string): Promise<{ sender: EvmSender; store: Store }> {
      const store = await Store.open(storeDir);
      const sender = await openEvmSender(cfg, store, silentLogger(), { TELLER_WALLET_PASSWORD: PASSWORD });
      let closed = false;
      const close = async (): Promise<void> => {
        if (closed) return;
        closed = true;
        await sender.close();
        await store.close();
      };
      cleanups.push(close);
      return { sender, store };
    },
  };
}

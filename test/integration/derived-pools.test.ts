import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bip32 } from '../../src/chains/bitcoin/derive';
import { mnemonicToSeedSync } from 'bip39';
import { networks } from 'bitcoinjs-lib';
import { HDNodeWallet } from 'ethers';
import { generateBtcAddresses } from '../../src/pool/generate';
import { RESERVE_BLOCK } from '../../src/pool/reservations';
import { startAnvil, type Anvil } from '../helpers/anvil';
import { startBitcoind, type Bitcoind } from '../helpers/bitcoind';
import {
  SKY,
  adminGet,
  bind,
  confirm,
  runCli,
  setBalance,
  startDaemon,
  waitForDeposit,
  waitForPayout,
  writeConfigFile,
  type Daemon,
  type TomlTable,
} from '../helpers/daemon';

/**
 * Derived pools through the built daemon (issue 19): addresses derived from an account xpub are
 * the ones a wallet derives from the same mnemonic, a deposit to one is seen and paid (bcoin
 * regtest, anvil), the index survives a SIGKILL, `pool list` shows the indexes, and a bad key or a
 * key beside a pool file is exit 2 naming the keys.
 */

const ABANDON =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
/** The BIP84 account key of ABANDON on test networks (m/84'/1'/0'), as a tpub. */
const TPUB = bip32
  .fromSeed(mnemonicToSeedSync(ABANDON), networks.testnet)
  .derivePath("m/84'/1'/0'")
  .neutered()
  .toBase58();
/** The ETH account key of ABANDON (m/44'/60'/0'). */
const ETH_XPUB = HDNodeWallet.fromPhrase(ABANDON, undefined, "m/44'/60'/0'").neuter().extendedKey;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'teller-derived-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface DerivedView {
  derived_pool?: { next_index: number; bound: number; type: string; reserved_to: number };
  scanning_addresses: string[];
}

describe('config: a derived pool', () => {
  async function run(config: TomlTable): Promise<{ code: number | null; stderr: string }> {
    const file = writeConfigFile(tmp, config);
    return runCli(['-c', file, '-d', mkdtempSync(path.join(tmp, 'data-'))]);
  }

  it('beside a pool file for the same coin: exit 2 naming both keys', async () => {
    const r = await run({
      btc_scanner: { deposit_xpub: TPUB, network: 'regtest', deposit_address_type: 'p2wpkh' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('btc_addresses and btc_scanner.deposit_xpub are both set');
    const e = await run({ eth_scanner: { enabled: true, deposit_xpub: ETH_XPUB } });
    expect(e.code).toBe(2);
    expect(e.stderr).toContain('eth_addresses and eth_scanner.deposit_xpub are both set');
  });

  it.each([
    [
      'a typo',
      {
        deposit_xpub: `${TPUB.slice(0, 20)}x${TPUB.slice(21)}`,
        network: 'regtest',
        deposit_address_type: 'p2wpkh',
      },
      'invalid extended public key',
    ],
    [
      'a tpub on mainnet',
      { deposit_xpub: TPUB, network: 'mainnet', deposit_address_type: 'p2wpkh' },
      'a tpub is for testnet/regtest, not mainnet',
    ],
    [
      'a tpub without a type',
      { deposit_xpub: TPUB, network: 'regtest' },
      'btc_scanner.deposit_address_type missing',
    ],
  ])('%s: exit 2 naming the key', async (_name, btc, text) => {
    const r = await run({ btc_addresses: null, eth_scanner: { enabled: false }, btc_scanner: btc });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/btc_scanner\.deposit_(xpub|address_type)/);
    expect(r.stderr).toContain(text);
  });

  it('an ETH key that is not an account xpub: exit 2 naming eth_scanner.deposit_xpub', async () => {
    const deep = HDNodeWallet.fromPhrase(ABANDON, undefined, "m/44'/60'/0'/0").neuter().extendedKey;
    const r = await run({ eth_addresses: null, eth_scanner: { enabled: true, deposit_xpub: deep } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "eth_scanner.deposit_xpub: expected the account key at m/44'/60'/0' (depth 3), got depth 4",
    );
  });
});

describe('BTC derived from a tpub (bcoin regtest)', () => {
  let btc: Bitcoind;
  let daemon: Daemon;
  /** What a wallet derives from the mnemonic: m/84'/1'/0'/0/i. */
  const wallet = generateBtcAddresses({
    seed: ABANDON,
    network: 'regtest',
    type: 'p2wpkh',
    count: RESERVE_BLOCK + 1,
  }).addresses;

  beforeAll(async () => {
    btc = await startBitcoind();
    daemon = await startDaemon({
      btc_addresses: null,
      teller: { max_bound_addrs: 0 },
      btc_scanner: {
        enabled: true,
        network: 'regtest',
        deposit_xpub: TPUB,
        deposit_address_type: 'p2wpkh',
        scan_period: '100ms',
        initial_scan_height: (await btc.height()) + 1,
        confirmations_required: 1,
      },
      btc_rpc: { server: `127.0.0.1:${btc.rpcPort}`, user: 'teller', pass: btc.apiKey },
      eth_scanner: { enabled: false },
      dummy: { scanner: false, sender: true },
    });
    await setBalance(daemon, 10n ** 15n);
  }, 60_000);

  afterAll(async () => {
    await daemon?.dispose();
    await btc?.stop();
  });

  it('binds the wallet’s address 0, watches it at once, and pays a deposit to it', async () => {
    const addr = await bind(daemon, SKY[0], 'BTC');
    expect(addr).toBe(wallet[0]);
    const view = await adminGet<Record<string, DerivedView>>(daemon, '/api/deposit-addresses');
    expect(view.BTC?.derived_pool).toMatchObject({ next_index: 1, bound: 1, type: 'p2wpkh' });
    expect(view.BTC?.scanning_addresses).toContain(addr);

    const txid = await btc.sendToAddress(addr, '0.01000000');
    await btc.mine(1);
    const tx = await btc.rpc<{ vout: { n: number; value: number }[] }>('getrawtransaction', [txid, true]);
    const out = tx.vout.find((o) => Math.round(o.value * 1e8) === 1_000_000);
    const id = `${txid}:${out?.n}`;
    const rec = await waitForPayout(daemon, id);
    expect(rec).toMatchObject({ deposit_address: addr, sky_address: SKY[0], deposit_value: 1_000_000 });
    await confirm(daemon, rec.txid);
    await waitForDeposit(daemon, id, (d) => d.status === 'done');
  });

  it('resumes past the reserved block after a SIGKILL, the skipped indexes listed; `pool list` shows the indexes', async () => {
    // Index 0 reserved 0 to RESERVE_BLOCK - 1 before it was handed out; a crash cannot tell which
    // of them went out (it could be a restored store), so it skips them, recorded and warned.
    await daemon.restart({ kill: true });
    expect(await bind(daemon, SKY[1], 'BTC')).toBe(wallet[RESERVE_BLOCK]);
    const view = await adminGet<Record<string, DerivedView>>(daemon, '/api/deposit-addresses');
    expect(view.BTC?.derived_pool).toMatchObject({
      next_index: RESERVE_BLOCK + 1,
      bound: 2,
      reserved_to: 2 * RESERVE_BLOCK,
    });
    expect(daemon.logs()).toContain(`derived indexes 1 to ${RESERVE_BLOCK - 1} were reserved`);
    await daemon.stop();
    const r = await runCli(['pool', 'list', 'BTC', '-c', daemon.configPath, '-d', daemon.dataDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`next index ${RESERVE_BLOCK + 1}, 2 bound`);
    expect(r.stdout).toContain(`0\t${wallet[0]}\tbound`);
    expect(r.stdout).toContain(`1\t${wallet[1]}\tskipped (reserved`);
    expect(r.stdout).toContain(`${RESERVE_BLOCK}\t${wallet[RESERVE_BLOCK]}\tbound`);
  });
});

describe('ETH derived from the account xpub (anvil)', () => {
  let eth: Anvil;
  let daemon: Daemon;

  beforeAll(async () => {
    eth = await startAnvil();
    daemon = await startDaemon({
      eth_addresses: null,
      teller: { max_bound_addrs: 0 },
      btc_scanner: { enabled: false },
      eth_scanner: {
        enabled: true,
        deposit_xpub: ETH_XPUB,
        scan_period: '100ms',
        initial_scan_height: (await eth.tip()) + 1,
        confirmations_required: 1,
        chain_id: eth.chainId,
      },
      eth_rpc: { server: '127.0.0.1', port: new URL(eth.url).port },
      dummy: { scanner: false, sender: true },
    });
    await setBalance(daemon, 10n ** 15n);
  }, 60_000);

  afterAll(async () => {
    await daemon?.dispose();
    await eth?.stop();
  });

  it('binds m/44’/60’/0’/0/i as ethers derives it, and pays a deposit to it', async () => {
    const want = [0, 1].map(
      (i) => HDNodeWallet.fromPhrase(ABANDON, undefined, `m/44'/60'/0'/0/${i}`).address,
    );
    const first = await bind(daemon, SKY[0], 'ETH');
    expect(first.toLowerCase()).toBe(want[0]?.toLowerCase());
    const tx = await eth.wallets[1]!.sendTransaction({ to: first, value: 10n ** 16n });
    await tx.wait();
    const id = `${tx.hash}:0`;
    const rec = await waitForPayout(daemon, id);
    expect(rec).toMatchObject({ sky_address: SKY[0], deposit_value: 10_000_000_000_000_000 });
    expect(rec.deposit_address.toLowerCase()).toBe(first.toLowerCase());
    const second = await bind(daemon, SKY[1], 'ETH');
    expect(second.toLowerCase()).toBe(want[1]?.toLowerCase());
    const view = await adminGet<Record<string, DerivedView>>(daemon, '/api/deposit-addresses');
    expect(view.ETH?.derived_pool).toMatchObject({ next_index: 2, bound: 2, type: 'eth' });
  });
});

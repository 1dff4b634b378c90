import pino from 'pino';
import { skycoinAddressError } from '../../src/chains/skycoin/address';
import { defaultConfig } from '../../src/config';
import type { Config } from '../../src/config/types';
import { depositCoins } from '../../src/exchange/coins';
import { DepositStore } from '../../src/exchange/deposit-store';
import { Exchange } from '../../src/exchange/exchange';
import { startPipeline } from '../../src/pipeline';
import { BtcSource } from '../../src/scanner/btc-source';
import { ChainScanner } from '../../src/scanner/engine';
import { EthSource } from '../../src/scanner/eth-source';
import { EvmHotWallet } from '../../src/chains/ethereum/wallet';
import { DummySender } from '../../src/sender/dummy-sender';
import { JsonRpcEvmNode } from '../../src/sender/evm-node';
import { EvmSender } from '../../src/sender/evm-sender';
import type { PreparedPayout, Sender } from '../../src/sender/types';
import { Store } from '../../src/store/store';
import type { Logger } from '../../src/util/logger';
import type { BtcNode } from './btc-node';
import type { Clock } from './clock';
import { CHAIN_ID, TOKEN_CONTRACT, TOKEN_DECIMALS, type EthNode } from './eth-node';
import { StoreGate } from './gate';
import { PAYOUT_CHAIN_ID, type PayoutChain } from './payout-chain';

/**
 * One run of the daemon over the model's data dir: the real store (through the gate), DepositStore,
 * Exchange, dummy sender and the two real chain scanners (BtcSource, EthSource over the model's
 * nodes), wired as src/app.ts wires them. `stop` is a graceful shutdown; `kill` abandons it all
 * at a store call, as a dead process would.
 */

export const SCAN_PERIOD_MS = 1_000;
export const CONFIRM_CHECK_MS = 500;
export const MAX_DECIMALS = 3;
export const SKY_DECIMALS = 6;
/** The EVM hot wallet (anvil's dev account 1). */
const HOT_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
export const HOT_ADDRESS = EvmHotWallet.fromPrivateKey(HOT_KEY).address;
export const REBROADCAST_AFTER_MS = 3_000;
/** The EVM sender's fee ceiling (payout.evm.max_fee_per_gas, max_priority_fee_per_gas), gwei. */
export const MAX_FEE_GWEI = 60n;
export const MAX_TIP_GWEI = 20n;

/** Who pays: teller's dummy sender, or the EVM sender on the model's payout chain. */
export type PayoutSide = { kind: 'dummy' } | { kind: 'evm'; chain: PayoutChain };

export const payoutDecimals = (p: PayoutSide): number => (p.kind === 'evm' ? 18 : SKY_DECIMALS);

export interface Rates {
  BTC: string;
  ETH: string;
  TOK: string;
}

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** What the payout side saw, kept outside the daemon (it survives restarts and kills). */
export interface PayoutLog {
  /** Payout txid -> the deposit id it was prepared for. */
  readonly depositOf: Map<string, string>;
  /** Deposit id -> the EVM nonces signed for it. */
  readonly nonces: Map<string, Set<number>>;
}

export interface DaemonSetup {
  dir: string;
  btc: BtcNode;
  eth: EthNode;
  rates: Rates;
  confirmations: { BTC: number; ETH: number };
  clock: Clock;
  payouts: PayoutLog;
  lines: LogLine[];
  generation: number;
  payout: PayoutSide;
  /** Every store call of every generation, in order (StoreGate). */
  calls: string[];
}

export function daemonConfig(s: Pick<DaemonSetup, 'rates' | 'confirmations' | 'payout'>): Config {
  const cfg = defaultConfig();
  const scanner = { enabled: true, scan_period_ms: SCAN_PERIOD_MS, initial_scan_height: 0 };
  cfg.btc_scanner = {
    ...cfg.btc_scanner,
    ...scanner,
    confirmations_required: s.confirmations.BTC,
    network: 'regtest',
  };
  cfg.eth_scanner = {
    ...cfg.eth_scanner,
    ...scanner,
    confirmations_required: s.confirmations.ETH,
    chain_id: CHAIN_ID,
    logs_chunk_size: 10,
  };
  cfg.eth_tokens = [
    { symbol: 'TOK', contract: TOKEN_CONTRACT, decimals: TOKEN_DECIMALS, exchange_rate: s.rates.TOK },
  ];
  cfg.sky_exchanger.sky_btc_exchange_rate = s.rates.BTC;
  cfg.sky_exchanger.sky_eth_exchange_rate = s.rates.ETH;
  cfg.sky_exchanger.max_decimals = MAX_DECIMALS;
  cfg.sky_exchanger.tx_confirmation_check_wait_ms = CONFIRM_CHECK_MS;
  cfg.sky_exchanger.send_enabled = true;
  if (s.payout.kind === 'evm') {
    cfg.payout.coin = 'ETH';
    cfg.payout.evm = {
      ...cfg.payout.evm,
      rpc_url: 'http://model-payout',
      chain_id: PAYOUT_CHAIN_ID,
      token: '',
      decimals: 18,
      confirmations_required: 1,
      rebroadcast_after_ms: REBROADCAST_AFTER_MS,
      max_fee_per_gas: String(MAX_FEE_GWEI),
      max_priority_fee_per_gas: String(MAX_TIP_GWEI),
    };
  }
  return cfg;
}

/** A warn-level logger whose lines the invariants read (alerts are error lines). */
export function captureLogger(lines: LogLine[]): Logger {
  return pino(
    { level: process.env.MODEL_LOG_LEVEL ?? 'warn' },
    { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) },
  );
}

/** The sender, with every payout it signs (first version or replacement) noted in the payout log. */
function noting(sender: Sender, payouts: PayoutLog): Sender {
  const note = (p: PreparedPayout) => {
    payouts.depositOf.set(p.txid, p.deposit_id);
    if (p.nonce !== undefined) {
      payouts.nonces.set(p.deposit_id, (payouts.nonces.get(p.deposit_id) ?? new Set()).add(p.nonce));
    }
  };
  return new Proxy(sender, {
    get(target, prop, receiver) {
      if (prop === 'prepare') {
        return async (depositId: string, to: string, amount: bigint): Promise<PreparedPayout> => {
          const p = await target.prepare(depositId, to, amount);
          note(p);
          return p;
        };
      }
      if (prop === 'replacement' && target.replacement) {
        const replacement = target.replacement.bind(target);
        return async (old: PreparedPayout): Promise<PreparedPayout | null> => {
          const p = await replacement(old);
          if (p) note(p);
          return p;
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export class Daemon {
  private constructor(
    readonly setup: DaemonSetup,
    readonly gate: StoreGate,
    readonly deposits: DepositStore,
    /** The dummy sender, when it pays (the model confirms its payouts). */
    readonly dummy: DummySender | null,
    /** The EVM sender, when it pays. */
    readonly evm: EvmSender | null,
    readonly exchange: Exchange,
    readonly scanners: { BTC: ChainScanner; ETH: ChainScanner },
  ) {}

  static async start(setup: DaemonSetup): Promise<Daemon> {
    const raw = await Store.open(setup.dir);
    const gate = new StoreGate(raw, setup.calls);
    setup.clock.gate = gate;
    setup.btc.generation = setup.generation;
    setup.eth.generation = setup.generation;
    const started = (async () => {
      const log = captureLogger(setup.lines).child({ generation: setup.generation });
      const cfg = daemonConfig(setup);
      const deposits = new DepositStore(gate.store);
      await deposits.open();
      let dummy: DummySender | null = null;
      let evm: EvmSender | null = null;
      let sender: Sender;
      if (setup.payout.kind === 'evm') {
        setup.payout.chain.generation = setup.generation;
        evm = new EvmSender({
          evm: cfg.payout.evm,
          coin: 'ETH',
          node: new JsonRpcEvmNode(setup.payout.chain.transport()),
          signer: EvmHotWallet.fromPrivateKey(HOT_KEY),
          store: gate.store,
          log: log.child({ part: 'sender' }),
        });
        await evm.init();
        sender = evm;
      } else {
        dummy = await DummySender.open(gate.store, {
          coin: 'SKY',
          decimals: SKY_DECIMALS,
          addressError: skycoinAddressError,
        });
        if (setup.generation === 1) await dummy.setBalance(10n ** 30n);
        sender = dummy;
      }
      const exchange = new Exchange({
        config: cfg,
        deposits,
        sender: noting(sender, setup.payouts),
        coins: depositCoins(cfg),
        log,
      });
      const btcLog = log.child({ chain: 'BTC' });
      const ethLog = log.child({ chain: 'ETH' });
      const scanners = {
        BTC: new ChainScanner({
          source: new BtcSource({ rpc: setup.btc.client(), network: 'regtest', log: btcLog }),
          store: gate.store,
          config: cfg.btc_scanner,
          log: btcLog,
        }),
        ETH: new ChainScanner({
          source: new EthSource({
            rpc: { url: 'http://model', chainId: CHAIN_ID },
            client: setup.eth.client(),
            logsChunkSize: cfg.eth_scanner.logs_chunk_size,
            tokens: cfg.eth_tokens,
            log: ethLog,
          }),
          store: gate.store,
          config: cfg.eth_scanner,
          log: ethLog,
        }),
      };
      for (const b of await deposits.boundAddresses()) {
        (b.coin === 'BTC' ? scanners.BTC : scanners.ETH).watch(b.coin, b.address);
      }
      await startPipeline([scanners.BTC, scanners.ETH], exchange);
      return new Daemon(setup, gate, deposits, dummy, evm, exchange, scanners);
    })();
    return setup.clock.until(started);
  }

  /** Binds `address` for `coin` to `sky` and watches it (as the bind route does). */
  async bind(sky: string, coin: string, address: string): Promise<void> {
    await this.setup.clock.until(
      this.deposits.bind(sky, coin, coin === 'BTC' ? 'BTC' : 'ETH', address, 'direct'),
    );
    (coin === 'BTC' ? this.scanners.BTC : this.scanners.ETH).watch(coin, address);
  }

  /** Graceful shutdown, as App.stop: scanners, exchange, then the store. */
  async stop(): Promise<void> {
    const { clock } = this.setup;
    await clock.until(Promise.allSettled([this.scanners.BTC.stop(), this.scanners.ETH.stop()]));
    await clock.until(this.exchange.stop());
    // Closing is I/O the gate does not see: waited for in real time, the fake clock stands still.
    await clock.drain();
    await this.gate.raw.close();
    this.detach();
  }

  /** The process dies now (or already died at the gate's kill point): nothing more runs. */
  async kill(): Promise<void> {
    this.gate.killNow();
    this.detach();
    // clearAllTimers also resets the fake clock to its start: keep the time.
    const now = Date.now();
    jest.clearAllTimers();
    jest.setSystemTime(now);
    while (this.gate.inFlight > 0) await new Promise((r) => setImmediate(r));
    await this.gate.raw.close();
  }

  private detach(): void {
    this.setup.clock.gate = null;
    this.setup.btc.generation = -1;
    this.setup.eth.generation = -1;
    if (this.setup.payout.kind === 'evm') this.setup.payout.chain.generation = -1;
  }
}

import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { skycoinAddressFromPubKey } from '../../src/chains/skycoin/address';
import { BTC_SCRIPT_TYPES, BtcNode, btcAddressOf, type BtcScriptType } from './btc-node';
import type { Coin } from './chain';
import { Clock } from './clock';
import { Daemon, type LogLine, type PayoutLog, type PayoutSide, type Rates } from './daemon';
import { EthNode, ethAddressOf } from './eth-node';
import type { TermsWrites } from './gate';
import { PayoutChain } from './payout-chain';
import type { Rng } from './rng';

/**
 * The model's world: the two deposit chains, the bound and unbound addresses, the daemon
 * generations (each with its rates and how it ended), and the payout log. Commands (commands.ts)
 * change it; the invariants (invariants.ts) judge the daemon's records against it.
 */

export const RATE_CHOICES: Record<keyof Rates, readonly string[]> = {
  BTC: ['500', '650', '800'],
  ETH: ['100', '125'],
  TOK: ['1', '1.5'],
};

export interface Generation {
  rates: Rates;
  /** 'running' until it is stopped gracefully or killed. */
  end: 'running' | 'graceful' | 'killed';
  /** Its daemon's writes of first-sighting terms (the store gate's, set once it started). */
  terms?: TermsWrites;
}

export interface Bound {
  coin: Coin;
  address: string;
  sky: string;
  /** BTC: the address's script type. */
  script?: BtcScriptType;
}

/** A real LevelDB, on tmpfs where there is one: the sequences write thousands of synced batches. */
const TMP = process.env.MODEL_TMPDIR ?? (existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());

const skyAddress = (seed: string): string =>
  skycoinAddressFromPubKey(Buffer.concat([Buffer.from([2]), createHash('sha256').update(seed).digest()]));

export class World {
  readonly btc: BtcNode;
  readonly eth = new EthNode();
  readonly clock = new Clock();
  readonly dir: string;
  readonly confirmations: { BTC: number; ETH: number };
  readonly payout: PayoutSide;
  readonly bound: Bound[] = [];
  readonly unbound: { BTC: string[]; ETH: string[] };
  readonly generations: Generation[] = [];
  readonly payouts: PayoutLog = { depositOf: new Map(), nonces: new Map() };
  /** The EVM sender's answer to nonceGap() once everything settled (null: none, or not EVM). */
  finalGap: unknown = null;
  readonly lines: LogLine[] = [];
  /** Every store call of the sequence, in order: the replay check compares it (StoreGate). */
  readonly calls: string[] = [];
  /** What happened, one line per command (printed with a failing seed). */
  readonly trace: string[] = [];
  daemon: Daemon | null = null;
  /** The command being applied (named in a crash report). */
  current = '';
  /** What the sequence exercised (for the summary line). */
  readonly stats: Record<string, number> = {};

  constructor(readonly rng: Rng) {
    this.btc = new BtcNode(rng);
    this.dir = mkdtempSync(path.join(TMP, 'teller-model-'));
    this.confirmations = { BTC: rng.int(1, 4), ETH: rng.int(1, 3) };
    this.btc.required = this.confirmations.BTC;
    this.eth.required = this.confirmations.ETH;
    this.payout = rng.chance(0.5) ? { kind: 'evm', chain: new PayoutChain() } : { kind: 'dummy' };
    const skys = [0, 1, 2].map((i) =>
      this.payout.kind === 'evm' ? ethAddressOf(rng) : skyAddress(`model-${rng.int(0, 1e9)}-${i}`),
    );
    for (const script of BTC_SCRIPT_TYPES) {
      this.bound.push({ coin: 'BTC', address: btcAddressOf(script, rng), sky: rng.pick(skys), script });
    }
    for (const coin of ['ETH', 'ETH', 'TOK', 'TOK'] as const) {
      this.bound.push({ coin, address: ethAddressOf(rng), sky: rng.pick(skys) });
    }
    this.unbound = {
      BTC: [btcAddressOf(rng.pick(BTC_SCRIPT_TYPES), rng), btcAddressOf('p2wpkh', rng)],
      ETH: [ethAddressOf(rng), ethAddressOf(rng)],
    };
  }

  get generation(): Generation {
    const g = this.generations.at(-1);
    if (!g) throw new Error('no daemon started yet');
    return g;
  }

  boundFor(coin: Coin): Bound[] {
    return this.bound.filter((b) => b.coin === coin);
  }

  /** Required confirmations of the chain that carries `coin`. */
  required(coin: Coin): number {
    return coin === 'BTC' ? this.confirmations.BTC : this.confirmations.ETH;
  }

  count(what: string): void {
    this.stats[what] = (this.stats[what] ?? 0) + 1;
  }

  note(line: string): void {
    this.trace.push(`[${this.trace.length}] t=${Date.now() - 1_800_000_000_000} ${line}`);
  }

  /** Starts a new daemon generation with `rates` (the first also binds every address). */
  async start(rates: Rates): Promise<Daemon> {
    this.generations.push({ rates, end: 'running' });
    const daemon = await Daemon.start({
      dir: this.dir,
      btc: this.btc,
      eth: this.eth,
      rates,
      confirmations: this.confirmations,
      clock: this.clock,
      payouts: this.payouts,
      lines: this.lines,
      generation: this.generations.length,
      payout: this.payout,
      calls: this.calls,
    });
    this.daemon = daemon;
    this.generation.terms = daemon.gate.terms;
    if (this.generations.length === 1) {
      for (const b of this.bound) await daemon.bind(b.sky, b.coin, b.address);
    }
    return daemon;
  }

  async stop(how: 'graceful' | 'killed'): Promise<void> {
    const d = this.daemon;
    if (!d) return;
    this.daemon = null;
    if (how === 'graceful') await d.stop();
    else await d.kill();
    this.generation.end = how;
  }

  randomRates(): Rates {
    return {
      BTC: this.rng.pick(RATE_CHOICES.BTC),
      ETH: this.rng.pick(RATE_CHOICES.ETH),
      TOK: this.rng.pick(RATE_CHOICES.TOK),
    };
  }
}

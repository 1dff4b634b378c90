import type { ScannedDeposit, Status } from '../core/deposit';

/**
 * The contract every chain scanner keeps (BTC, ETH, dummy): a persisted cursor {height, hash},
 * confirmations counted as bitcoind does (tip - height + 1), reorgs detected by parent hash, and
 * deposits handed to the exchange only once confirmed, idempotently.
 */
export interface BlockRef {
  height: number;
  hash: string;
  parentHash: string;
}

/** What became of a deposit handed to the exchange (the dummy scanner tells testers). */
export type ReceiveOutcome =
  { kind: 'recorded' } | { kind: 'duplicate'; status: Status } | { kind: 'unbound' } | { kind: 'zero_value' };

/** Called once a deposit has enough confirmations. Must be idempotent (replays happen). */
export type DepositHandler = (deposit: ScannedDeposit) => Promise<ReceiveOutcome | void>;

/**
 * Called with the deposits of scanned blocks before the scanner stores them as seen (and at start
 * with those it holds), so that their terms are frozen at the first sighting. Idempotent; a failure
 * fails the poll, which retries the blocks.
 */
export type SightingHandler = (deposits: ScannedDeposit[]) => Promise<void>;

/**
 * What the exchange did with a handed-over deposit whose block a rewind (reorg or rescan) removed:
 * `held` (not paid: its payout waits until the deposit is handed over again), `paid` (a payout was
 * signed: if the deposit is not on the chain after all, that is a loss), `none` (nothing to pay:
 * never recorded, or done without a payout).
 */
export type RewoundState = 'held' | 'paid' | 'none';

/**
 * Called when a rewind takes back a handed-over deposit (or a seen one: it may have been handed over
 * with its marker lost), and again if it is not found again. Idempotent.
 */
export type RewindHandler = (deposit: ScannedDeposit) => Promise<RewoundState>;

export interface ScannerStatus {
  chain: string;
  enabled: boolean;
  /** Last scanned block (-1 before the first). */
  height: number;
  hash: string;
  /** Node's tip height (-1 if never reached). */
  tip: number;
  lag: number;
  /** Last RPC/scan error, '' when the last poll worked. */
  last_error: string;
  /** Set by a reorg deeper than the confirmation depth; stays until restart or acknowledgement. */
  alert: string;
}

export interface Scanner {
  readonly chain: string;
  /** Coin types this scanner credits (ETH credits ETH and the configured tokens). */
  readonly coins: readonly string[];
  /** Starts watching `address` (called after a bind commits, and at startup for every binding). */
  watch(coin: string, address: string): void;
  watched(coin: string): string[];
  /**
   * `onSeen`: see SightingHandler. `onRewound`: see RewindHandler; without it a rewound handed-over
   * deposit is alerted as possibly paid.
   */
  start(onDeposit: DepositHandler, onSeen?: SightingHandler, onRewound?: RewindHandler): Promise<void>;
  stop(): Promise<void>;
  status(): ScannerStatus;
  /** Unconfirmed deposits seen on `address`, with their confirmation counts (for the buyer UI). */
  pending(address: string): { deposit: ScannedDeposit; confirmations: number; required: number }[];
  /** Changes whenever what `pending` returns for any address may (a deposit seen or gone, a new tip). */
  pendingStamp(): number;
}

/** A block as a source reports it: its place in the chain and the deposits to watched addresses. */
export interface SourceBlock extends BlockRef {
  deposits: ScannedDeposit[];
}

/**
 * One chain's node access, behind which the shared scanner engine (cursor, confirmations, reorgs)
 * runs. A source indexes the watched addresses its own way (BTC: by scriptPubKey).
 */
export interface BlockSource {
  readonly chain: string;
  readonly coins: readonly string[];
  /** Startup checks (reachable, credentials, network or chain id, capabilities); throws a clear error. */
  init(): Promise<void>;
  watch(coin: string, address: string): void;
  tipHeight(): Promise<number>;
  /** Hash of the main-chain block at `height`, or null above the tip. */
  hashAt(height: number): Promise<string | null>;
  /** Blocks `from`..`to` (inclusive, all <= tip) in order, with deposits to watched addresses. */
  blocks(from: number, to: number): Promise<SourceBlock[]>;
  close?(): Promise<void>;
}

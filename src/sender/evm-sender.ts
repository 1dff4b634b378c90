import type { PayoutConfig } from '../config/types';
import {
  connectEvmRpc,
  erc20Abi,
  payoutAddressError,
  payoutCall,
  withGasMargin,
  type EvmFees,
  type PayoutSigner,
} from '../chains/ethereum/payout-tx';
import { loadHotWallet } from '../chains/ethereum/wallet';
import type { Op, Store } from '../store/store';
import type { Logger } from '../util/logger';
import { KeyedMutex, Mutex } from '../util/mutex';
import {
  ETH_DECIMALS,
  decimalText,
  estimatePayoutGas,
  payoutCost,
  readFunds,
  requireFunds,
  tokenBalance,
  type PayoutCoin,
} from './evm-funds';
import { FeeCeiling } from './evm-fees';
import { fillGap, findNonceGap, refuseVoided, type GapContext } from './evm-gaps';
import { EvmLedger, type EvmPreparedPayout } from './evm-ledger';
import { JsonRpcEvmNode, type EvmNode } from './evm-node';
import { broadcastPayout, checkPayout, decodeStoredPayout, payoutHashes } from './evm-tracking';
import { SenderError } from '../chains/errors';
import {
  type Balance,
  type GapFill,
  type NonceGap,
  type PayoutState,
  type PreparedPayout,
  type Sender,
} from './types';

export type { EvmPreparedPayout } from './evm-ledger';

/**
 * Pays from an EVM hot wallet, in ETH or one ERC-20 token (DESIGN.md "Sender").
 *
 * Exactly once: `prepare` reserves a nonce and signs, durably, before the caller sees the payout;
 * the caller stores it, then `broadcast`s and `check`s the same bytes, again after any crash.
 * A nonce is never re-signed for a different payout, and a deposit is never signed twice: a second
 * `prepare` for the same deposit returns the stored payout. Several payouts can be in flight at
 * once (consecutive nonces); a stuck one is replaced by a fee bump with the same nonce, only while
 * it holds the lowest unmined nonce, and never above the fee ceiling (evm-fees.ts). A nonce whose
 * payout never reached the node is a gap an admin fills (evm-gaps.ts).
 */

export interface EvmSenderOptions {
  evm: PayoutConfig['evm'];
  /** 'ETH' pays ether; 'ERC20' pays units of `evm.token`. */
  coin: 'ETH' | 'ERC20';
  node: EvmNode;
  signer: PayoutSigner;
  store: Store;
  log: Logger;
  now?: () => number;
}

export class EvmSender implements Sender {
  readonly kind = 'evm';
  readonly decimals: number;
  private symbol: string;
  private readonly token: string | null;
  private readonly chainId: bigint;
  private readonly mutex = new Mutex();
  /** Held while a nonce's transaction is broadcast or its gap filled: never both at once. */
  private readonly nonceLocks = new KeyedMutex();
  private readonly ledger: EvmLedger;
  private readonly now: () => number;
  private readonly fees: FeeCeiling;

  constructor(private readonly o: EvmSenderOptions) {
    this.token = o.coin === 'ERC20' ? o.evm.token : null;
    this.decimals = o.coin === 'ERC20' ? o.evm.decimals : ETH_DECIMALS;
    // The token's own symbol replaces this in init().
    this.symbol = o.coin;
    this.chainId = BigInt(o.evm.chain_id);
    this.ledger = new EvmLedger(o.store, this.chainId, o.signer.address);
    this.now = o.now ?? Date.now;
    this.fees = new FeeCeiling(o.evm);
  }

  get coin(): string {
    return this.symbol;
  }

  private get payoutCoin(): PayoutCoin {
    return { token: this.token, symbol: this.symbol, decimals: this.decimals };
  }

  get address(): string {
    return this.o.signer.address;
  }

  /** Checks the node's chain and the token against the config; logs the hot wallet. */
  async init(): Promise<void> {
    const chainId = await this.o.node.chainId();
    if (chainId !== this.chainId) {
      throw new SenderError(
        `payout.evm.chain_id is ${this.chainId} but the payout node is on chain ${chainId}`,
        false,
        'chain_mismatch',
      );
    }
    if (this.token !== null) await this.initToken(this.token);
    const { coins } = await this.balance();
    this.o.log.info(
      { address: this.address, coin: this.coin, balance: decimalText(coins, this.decimals) },
      'EVM hot wallet ready',
    );
  }

  private async initToken(token: string): Promise<void> {
    if ((await this.o.node.code(token)) === '0x') {
      throw new SenderError(
        `payout.evm.token ${token} is not a contract on chain ${this.chainId}`,
        false,
        'token_missing',
      );
    }
    const decimals = erc20Abi.decodeUint(
      'decimals',
      await this.o.node.call(token, erc20Abi.decimals(), 'latest'),
    );
    if (decimals !== BigInt(this.o.evm.decimals)) {
      throw new SenderError(
        `payout.evm.decimals is ${this.o.evm.decimals} but token ${token} has ${decimals} decimals`,
        false,
        'token_decimals_mismatch',
      );
    }
    this.symbol = erc20Abi.decodeSymbol(await this.o.node.call(token, erc20Abi.symbol(), 'latest'));
  }

  validateAddress(addr: string): string | null {
    return payoutAddressError(addr);
  }

  async balance(): Promise<Balance> {
    const coins =
      this.token === null
        ? await this.o.node.balanceAt(this.address, 'latest')
        : await tokenBalance(this.o.node, this.token, this.address, 'latest');
    return { coins, hours: 0n };
  }

  async prepare(depositId: string, to: string, amount: bigint): Promise<EvmPreparedPayout> {
    const reason = this.validateAddress(to);
    if (reason !== null) throw new SenderError(`cannot pay ${to}: ${reason}`, false, 'invalid_address');
    if (amount <= 0n)
      throw new SenderError(`payout amount must be positive, got ${amount}`, false, 'invalid_amount');
    return this.mutex.run(async () => {
      await refuseVoided(this.ledger, depositId);
      const stored = await this.ledger.payout(depositId);
      if (stored !== undefined) return this.storedPayout(stored, to, amount);
      const funds = await readFunds(this.o.node, this.ledger, this.address, this.token);
      // Checked before estimating too: a token transfer beyond the balance fails to estimate.
      requireFunds(funds, this.payoutCoin, amount, 0n);
      const call = payoutCall(to, amount, this.token);
      const [network, estimate, nonce] = await Promise.all([
        this.o.node.feeData(),
        estimatePayoutGas(this.o.node, this.address, call),
        this.nextNonce(),
      ]);
      // Above the ceiling: no nonce is taken, the deposit retries (and the monitors alert).
      const fees = this.fees.forNewPayout(network);
      const gasLimit = withGasMargin(estimate);
      const gasCost = gasLimit * fees.maxFeePerGas;
      requireFunds(funds, this.payoutCoin, amount, gasCost);
      const signed = await this.o.signer.signPayout({ chainId: this.chainId, nonce, call, gasLimit, fees });
      const payout: EvmPreparedPayout = {
        deposit_id: depositId,
        txid: signed.txid,
        raw: signed.raw,
        to,
        amount,
        nonce,
        prepared_at: this.now(),
        broadcast_at: 0,
        broadcasts: 0,
        previous_txids: [],
      };
      // Durable before the caller sees it: after a crash this nonce is never given to another payout.
      await this.ledger.recordPrepared(
        payout,
        payoutCost(this.payoutCoin, call, amount, gasCost),
        funds.prune,
      );
      this.o.log.info(
        { depositId, txid: payout.txid, nonce, to, amount: amount.toString() },
        'payout prepared',
      );
      return payout;
    });
  }

  /** The caller lost the payout it was given (crash before storing it): hand back the same one. */
  private storedPayout(stored: EvmPreparedPayout, to: string, amount: bigint): EvmPreparedPayout {
    if (stored.to.toLowerCase() !== to.toLowerCase() || stored.amount !== amount) {
      throw new SenderError(
        `deposit ${stored.deposit_id} already has a signed payout of ${stored.amount} to ${stored.to} ` +
          `(${stored.txid}); refusing to sign a different one (${amount} to ${to})`,
        false,
        'payout_mismatch',
      );
    }
    this.o.log.info(
      { depositId: stored.deposit_id, txid: stored.txid },
      'payout already prepared: returning it',
    );
    return stored;
  }

  /** Next unused nonce: above every nonce Teller signed, and above what the node has seen. */
  private async nextNonce(): Promise<number> {
    const [highWater, pending] = await Promise.all([
      this.ledger.highWater(),
      this.o.node.nonceAt(this.address, 'pending'),
    ]);
    if (highWater === undefined) return pending;
    if (pending > highWater + 1) {
      this.o.log.warn(
        { stored: highWater, pending },
        'the node counts hot wallet transactions Teller did not sign: is the wallet used elsewhere?',
      );
    }
    return Math.max(highWater + 1, pending);
  }

  async broadcast(payout: PreparedPayout): Promise<void> {
    const nonce = decodeStoredPayout(payout).nonce;
    await this.nonceLocks.run(String(nonce), async () => {
      await refuseVoided(this.ledger, payout.deposit_id);
      await broadcastPayout(this.o.node, this.o.log, payout, await this.versions(payout));
    });
  }

  async check(payout: PreparedPayout): Promise<PayoutState> {
    const state = await checkPayout(
      this.o.node,
      this.o.evm.confirmations_required,
      payout,
      await this.versions(payout),
    );
    if (state === 'confirmed') this.fees.settled(payout.deposit_id);
    return state;
  }

  /**
   * Hashes of every version of the payout: those it lists, and those of the latest version this
   * sender signed for the deposit (a replacement the caller may not have stored yet).
   */
  private async versions(payout: PreparedPayout): Promise<string[]> {
    const hashes = payoutHashes(payout);
    const latest = await this.ledger.payout(payout.deposit_id);
    if (latest === undefined || latest.nonce !== payout.nonce) return hashes;
    return [...new Set([...hashes, ...payoutHashes(latest)])];
  }

  /**
   * A fee-bumped version of a payout not mined `rebroadcast_after_ms` after it was last sent, or
   * null when none is due. Same nonce, recipient and amount: whichever version is mined is the
   * payout, and the others become invalid. The caller stores it in place of `payout`, then
   * broadcasts it. Only the lowest unmined nonce is bumped (a payout waiting behind another is
   * not stuck on its fee), and never above the fee ceiling: there the payout waits as it is.
   */
  async replacement(payout: PreparedPayout): Promise<EvmPreparedPayout | null> {
    if (this.now() - Math.max(payout.broadcast_at, payout.prepared_at) < this.o.evm.rebroadcast_after_ms)
      return null;
    const tx = decodeStoredPayout(payout);
    if (tx.from.toLowerCase() !== this.address.toLowerCase()) {
      // Re-signing with another key would use that key's nonce: a second payment.
      throw new SenderError(
        `payout ${payout.txid} was signed by ${tx.from}, not the current hot wallet ${this.address}`,
        false,
        'payout_other_wallet',
      );
    }
    return this.mutex.run(async () => {
      if ((await this.ledger.voided(payout.deposit_id)) !== undefined) return null;
      const hashes = await this.versions(payout);
      const receipts = await Promise.all(hashes.map((h) => this.o.node.receipt(h)));
      if (receipts.some((r) => r !== null)) {
        this.fees.settled(payout.deposit_id);
        return null;
      }
      const mined = await this.o.node.nonceAt(this.address, 'latest');
      // The nonce is spent by something else: check() and broadcast() report that.
      if (mined > tx.nonce) return null;
      if (mined < tx.nonce) {
        this.o.log.debug(
          { depositId: payout.deposit_id, nonce: tx.nonce, lowest: mined },
          'payout waits behind a lower nonce: not bumped',
        );
        return null;
      }
      const prev = await this.highestFees(payout, tx.fees);
      const fees = this.fees.forReplacement(payout.deposit_id, tx.nonce, prev, await this.o.node.feeData());
      if (fees === null) {
        this.o.log.warn(
          { depositId: payout.deposit_id, nonce: tx.nonce, maxFeePerGas: String(prev.maxFeePerGas) },
          'payout stuck at the fee ceiling: not bumped further',
        );
        return null;
      }
      const signed = await this.o.signer.signPayout({ ...tx, fees });
      const next: EvmPreparedPayout = {
        ...payout,
        txid: signed.txid,
        raw: signed.raw,
        nonce: tx.nonce,
        prepared_at: this.now(),
        broadcast_at: 0,
        broadcasts: 0,
        previous_txids: [...hashes.filter((h) => h !== payout.txid), payout.txid],
      };
      const cost = payoutCost(this.payoutCoin, tx.call, payout.amount, tx.gasLimit * fees.maxFeePerGas);
      await this.ledger.recordReplacement(next, cost);
      this.o.log.warn(
        { depositId: payout.deposit_id, txid: next.txid, replaces: payout.txid, nonce: tx.nonce },
        'payout stuck: signed a fee-bumped replacement',
      );
      return next;
    });
  }

  /** Fees of the latest version signed for the deposit, if the caller holds an older one. */
  private async highestFees(payout: PreparedPayout, fees: EvmFees): Promise<EvmFees> {
    const latest = await this.ledger.payout(payout.deposit_id);
    if (latest === undefined || latest.nonce !== payout.nonce || latest.txid === payout.txid) return fees;
    const other = decodeStoredPayout(latest).fees;
    return other.maxFeePerGas > fees.maxFeePerGas ? other : fees;
  }

  feeAlerts(): ReadonlyMap<string, string> {
    return this.fees.conditions();
  }

  private get gaps(): GapContext {
    const { node, signer, log } = this.o;
    return { node, signer, log, ledger: this.ledger, fees: this.fees, chainId: this.chainId, now: this.now };
  }

  nonceGap(): Promise<NonceGap | null> {
    return findNonceGap(this.gaps);
  }

  /** See Sender.fillNonceGap. Under the nonce lock: no broadcast of the voided payout can race it. */
  fillNonceGap(nonce: number, record: (fill: GapFill, ops: Op[]) => Promise<void>): Promise<GapFill> {
    return this.mutex.run(() => this.nonceLocks.run(String(nonce), () => fillGap(this.gaps, nonce, record)));
  }

  close(): Promise<void> {
    return this.o.node.close();
  }
}

/** Builds the EVM sender from the config: keystore, node connection, startup checks. */
export async function openEvmSender(
  payout: PayoutConfig,
  store: Store,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EvmSender> {
  if (payout.coin === 'SKY')
    throw new SenderError('payout.coin SKY is not paid by the EVM sender', false, 'config');
  const signer = await loadHotWallet(payout.evm.keystore, env);
  const node = new JsonRpcEvmNode(connectEvmRpc(payout.evm.rpc_url, payout.evm.chain_id));
  const sender = new EvmSender({ evm: payout.evm, coin: payout.coin, node, signer, store, log });
  try {
    await sender.init();
  } catch (err) {
    await sender.close();
    throw err;
  }
  return sender;
}

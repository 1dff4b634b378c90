import type { PayoutConfig } from '../config/types';
import { feesUnderCeiling, replacementFees, type EvmFees } from '../chains/ethereum/payout-tx';
import { parseUnits } from '../core/amounts';
import { decimalText } from './evm-funds';
import type { NetworkFees } from './evm-node';
import { SenderError } from '../chains/errors';

/**
 * The fee ceiling (payout.evm.max_fee_per_gas, max_priority_fee_per_gas, in gwei): no payout is
 * signed above it. A payout that would need more waits, and the condition stays raised (for the
 * monitors' alert) until the payout goes through:
 *
 *   fee_ceiling:new_payouts    the network's fee is above the ceiling: new payouts are not signed
 *   fee_ceiling:<deposit id>   a stuck payout's fee bumps reached the ceiling: it is not bumped
 *                              further (it stays in the mempool, and may still be mined)
 */

const GWEI_DECIMALS = 9;
export const NEW_PAYOUTS = 'fee_ceiling:new_payouts';

/** Wei as gwei text ("1.5"). */
export const gwei = (wei: bigint): string => decimalText(wei, GWEI_DECIMALS);

/** The ceiling in wei. The config was validated at start (whole wei, above 0). */
export function feeCeilingOf(evm: PayoutConfig['evm']): EvmFees {
  return {
    maxFeePerGas: parseUnits(evm.max_fee_per_gas, GWEI_DECIMALS),
    maxPriorityFeePerGas: parseUnits(evm.max_priority_fee_per_gas, GWEI_DECIMALS),
  };
}

export class FeeCeiling {
  readonly ceiling: EvmFees;
  private readonly raised = new Map<string, string>();

  constructor(evm: PayoutConfig['evm']) {
    this.ceiling = feeCeilingOf(evm);
  }

  private get settings(): string {
    return (
      `payout.evm.max_fee_per_gas = ${gwei(this.ceiling.maxFeePerGas)} gwei, ` +
      `max_priority_fee_per_gas = ${gwei(this.ceiling.maxPriorityFeePerGas)} gwei`
    );
  }

  /** Conditions now: key → operator message. */
  conditions(): ReadonlyMap<string, string> {
    return this.raised;
  }

  /** Fees under the ceiling, or null when the network's fee is above it (nothing raised). */
  capped(net: NetworkFees): EvmFees | null {
    return feesUnderCeiling(net, net.baseFeePerGas, this.ceiling);
  }

  /**
   * Fees for a new payout. When the network's fee is above the ceiling, raises the condition and
   * throws a retryable SenderError: the payout waits unsigned, no nonce taken.
   */
  forNewPayout(net: NetworkFees): EvmFees {
    const fees = this.capped(net);
    if (fees !== null) {
      this.raised.delete(NEW_PAYOUTS);
      return fees;
    }
    const needed = `base fee ${gwei(net.baseFeePerGas)} gwei + tip`;
    this.raised.set(
      NEW_PAYOUTS,
      `EVM network fee (${needed}) is above the fee ceiling (${this.settings}): new payouts wait ` +
        'until fees fall or the ceiling is raised',
    );
    throw new SenderError(
      `EVM network fee (${needed}) is above payout.evm.max_fee_per_gas = ` +
        `${gwei(this.ceiling.maxFeePerGas)} gwei: the payout waits`,
      true,
      'fee_above_ceiling',
    );
  }

  /**
   * Fees for a replacement of a payout signed with `prev`, or null when the ceiling leaves no room
   * for a bump (the condition for the deposit is raised then).
   */
  forReplacement(depositId: string, nonce: number, prev: EvmFees, net: NetworkFees): EvmFees | null {
    const fees = replacementFees(prev, net, this.ceiling);
    if (fees !== null) {
      this.raised.delete(key(depositId));
      return fees;
    }
    this.raised.set(
      key(depositId),
      `payout of deposit ${depositId} (nonce ${nonce}) is stuck at the fee ceiling (max fee ` +
        `${gwei(prev.maxFeePerGas)} gwei, tip ${gwei(prev.maxPriorityFeePerGas)} gwei; ${this.settings}): ` +
        'it waits, not bumped further, until it is mined or the ceiling is raised',
    );
    return null;
  }

  /** The deposit's payout was mined (or will never be sent again): its condition ends. */
  settled(depositId: string): void {
    this.raised.delete(key(depositId));
  }
}

const key = (depositId: string): string => `fee_ceiling:${depositId}`;

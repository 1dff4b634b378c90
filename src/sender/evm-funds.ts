import type { PayoutCall } from '../chains/ethereum/payout-tx';
import { erc20Abi } from '../chains/ethereum/payout-tx';
import { formatUnits } from '../core/amounts';
import type { EvmLedger, PayoutCost, Reserved } from './evm-ledger';
import { EvmRpcError, type BlockTag, type EvmNode } from './evm-node';
import { InsufficientBalanceError, SenderError } from '../chains/errors';

/**
 * What the hot wallet can still commit. Balances are read at one block and the payouts signed but
 * not mined at that block are subtracted, so payouts prepared while others are in flight cannot
 * overcommit the wallet (a payout that cannot be mined would hold every later nonce).
 */

export const ETH_DECIMALS = 18;

export interface PayoutCoin {
  /** ERC-20 contract, null for ETH. */
  token: string | null;
  symbol: string;
  decimals: number;
}

export interface Funds extends Reserved {
  /** Wei the wallet can still commit. */
  spendableEth: bigint;
  /** Token units the wallet can still commit (0 for ETH). */
  spendableToken: bigint;
}

/** Exact decimal text without trailing zeros ("1.5", "0.000021"); negative shows as 0. */
export function decimalText(v: bigint, decimals: number): string {
  const s = formatUnits(v < 0n ? 0n : v, decimals);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

export async function tokenBalance(
  node: EvmNode,
  token: string,
  owner: string,
  block: BlockTag,
): Promise<bigint> {
  return erc20Abi.decodeUint('balanceOf', await node.call(token, erc20Abi.balanceOf(owner), block));
}

export async function readFunds(
  node: EvmNode,
  ledger: EvmLedger,
  owner: string,
  token: string | null,
): Promise<Funds> {
  const block = await node.blockNumber();
  const [mined, eth, units] = await Promise.all([
    node.nonceAt(owner, block),
    node.balanceAt(owner, block),
    token === null ? 0n : tokenBalance(node, token, owner, block),
  ]);
  const reserved = await ledger.reserved(mined);
  return { ...reserved, spendableEth: eth - reserved.eth, spendableToken: units - reserved.token };
}

const short = (
  symbol: string,
  have: bigint,
  need: bigint,
  decimals: number,
  note = '',
): InsufficientBalanceError =>
  new InsufficientBalanceError(
    `insufficient ${symbol} balance: have ${decimalText(have, decimals)}, need ${decimalText(need, decimals)}${note}`,
  );

/** Throws InsufficientBalanceError unless `funds` cover `amount` plus `gasCost` wei of gas. */
export function requireFunds(funds: Funds, coin: PayoutCoin, amount: bigint, gasCost: bigint): void {
  if (coin.token === null) {
    if (funds.spendableEth < amount + gasCost)
      throw short('ETH', funds.spendableEth, amount + gasCost, ETH_DECIMALS);
    return;
  }
  if (funds.spendableToken < amount) throw short(coin.symbol, funds.spendableToken, amount, coin.decimals);
  if (funds.spendableEth < gasCost) {
    throw short('ETH', funds.spendableEth, gasCost, ETH_DECIMALS, ` (gas for a ${coin.symbol} payout)`);
  }
}

export const payoutCost = (
  coin: PayoutCoin,
  call: PayoutCall,
  amount: bigint,
  gasCost: bigint,
): PayoutCost => ({
  eth: call.value + gasCost,
  token: coin.token === null ? 0n : amount,
});

/** The node's gas estimate; a revert or missing funds is reported as such, before anything is signed. */
export async function estimatePayoutGas(node: EvmNode, from: string, call: PayoutCall): Promise<bigint> {
  try {
    return await node.estimateGas(from, call);
  } catch (err) {
    const reason = err instanceof EvmRpcError ? err.nodeMessage : null;
    if (reason === null) throw err;
    if (/insufficient funds/i.test(reason))
      throw new InsufficientBalanceError(`insufficient ETH balance: ${reason}`, { cause: err });
    if (/revert/i.test(reason)) {
      throw new SenderError(
        `the payout would revert (${reason}); nothing was signed`,
        false,
        'payout_would_revert',
        { cause: err },
      );
    }
    throw err;
  }
}

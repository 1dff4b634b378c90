import {
  nodeErrorMessage,
  type EvmFees,
  type PayoutCall,
  type RpcTransport,
} from '../chains/ethereum/payout-tx';
import { errorMessage, type TellerErrorOptions } from '../util/errors';
import { SenderError } from '../chains/errors';

/**
 * The JSON-RPC calls the EVM sender makes, typed. Plain `eth_*` methods over a transport (an ethers
 * provider in production, a fake in unit tests), so every answer is read fresh from the node.
 */

export type BlockTag = number | 'latest' | 'pending';

export interface EvmReceipt {
  /** 1 = success, 0 = reverted. */
  status: number;
  blockNumber: number;
}

/** What the node suggests for a new transaction, and the latest block's base fee. */
export interface NetworkFees extends EvmFees {
  baseFeePerGas: bigint;
}

export interface EvmNode {
  chainId(): Promise<bigint>;
  blockNumber(): Promise<number>;
  nonceAt(address: string, block: BlockTag): Promise<number>;
  balanceAt(address: string, block: BlockTag): Promise<bigint>;
  code(address: string): Promise<string>;
  call(to: string, data: string, block: BlockTag): Promise<string>;
  feeData(): Promise<NetworkFees>;
  estimateGas(from: string, call: PayoutCall): Promise<bigint>;
  sendRawTransaction(raw: string): Promise<void>;
  /** true when the node has the transaction, in its mempool or in a block. */
  hasTransaction(hash: string): Promise<boolean>;
  receipt(hash: string): Promise<EvmReceipt | null>;
  close(): Promise<void>;
}

/** A JSON-RPC call failed. `nodeMessage` is the node's own error text; null when it did not answer. */
export class EvmRpcError extends SenderError {
  constructor(
    readonly method: string,
    readonly nodeMessage: string | null,
    detail: string,
    options?: TellerErrorOptions,
  ) {
    super(
      nodeMessage === null
        ? `EVM node unreachable (${method}): ${detail}`
        : `EVM node refused ${method}: ${nodeMessage}`,
      true,
      nodeMessage === null ? 'evm_node_unreachable' : 'evm_rpc_error',
      options,
    );
  }
}

/** Why a node refused eth_sendRawTransaction, from its message (geth, erigon, nethermind, besu, anvil). */
export type RejectionKind =
  'known' | 'nonce_too_low' | 'underpriced' | 'insufficient_funds' | 'invalid' | 'other';

const REJECTIONS: [RejectionKind, RegExp][] = [
  ['known', /already[ _]?known|already imported|known transaction|already exists/i],
  ['nonce_too_low', /nonce[ _]?too[ _]?low|oldnonce|nonce has already been used/i],
  // Only the same-nonce case: plain "transaction underpriced" (below the pool minimum) is 'other'.
  ['underpriced', /replacement[ _](transaction[ _])?underpriced|replacement fee too low/i],
  ['insufficient_funds', /insufficient[ _]funds/i],
  // Rejections that sending the same bytes again can never cure.
  [
    'invalid',
    /invalid (sender|signature|chain ?id)|chain ?id mismatch|intrinsic gas too low|exceeds block gas limit|oversized data|(tx|transaction) type not supported/i,
  ],
];

export function classifyRejection(nodeMessage: string): RejectionKind {
  for (const [kind, re] of REJECTIONS) if (re.test(nodeMessage)) return kind;
  return 'other';
}

const badResponse = (method: string, what: string): SenderError =>
  new SenderError(`EVM node sent a malformed ${what} for ${method}`, true, 'evm_bad_response');

const HEX = /^0x[0-9a-fA-F]*$/;

function quantity(v: unknown, method: string, what = 'quantity'): bigint {
  if (typeof v !== 'string' || !HEX.test(v) || v.length < 3) throw badResponse(method, what);
  return BigInt(v);
}

const small = (v: unknown, method: string, what?: string): number => Number(quantity(v, method, what));

const tag = (b: BlockTag): string => (typeof b === 'number' ? `0x${b.toString(16)}` : b);

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** Used when a node lacks eth_maxPriorityFeePerGas (pre-2021 clients): ethers' default tip. */
const DEFAULT_PRIORITY_FEE_WEI = 1_000_000_000n;

export class JsonRpcEvmNode implements EvmNode {
  constructor(private readonly rpc: RpcTransport) {}

  private async send(method: string, params: unknown[]): Promise<unknown> {
    try {
      return await this.rpc.send(method, params);
    } catch (err) {
      throw new EvmRpcError(method, nodeErrorMessage(err), errorMessage(err), { cause: err });
    }
  }

  async chainId(): Promise<bigint> {
    return quantity(await this.send('eth_chainId', []), 'eth_chainId');
  }

  async blockNumber(): Promise<number> {
    return small(await this.send('eth_blockNumber', []), 'eth_blockNumber');
  }

  async nonceAt(address: string, block: BlockTag): Promise<number> {
    return small(
      await this.send('eth_getTransactionCount', [address, tag(block)]),
      'eth_getTransactionCount',
    );
  }

  async balanceAt(address: string, block: BlockTag): Promise<bigint> {
    return quantity(await this.send('eth_getBalance', [address, tag(block)]), 'eth_getBalance');
  }

  async code(address: string): Promise<string> {
    const code = await this.send('eth_getCode', [address, 'latest']);
    if (typeof code !== 'string' || !HEX.test(code)) throw badResponse('eth_getCode', 'code');
    return code;
  }

  async call(to: string, data: string, block: BlockTag): Promise<string> {
    const result = await this.send('eth_call', [{ to, data }, tag(block)]);
    if (typeof result !== 'string' || !HEX.test(result)) throw badResponse('eth_call', 'result');
    return result;
  }

  /** EIP-1559 fees as ethers computes them: twice the latest base fee plus the suggested tip. */
  async feeData(): Promise<NetworkFees> {
    const [block, tip] = await Promise.all([
      this.send('eth_getBlockByNumber', ['latest', false]),
      this.send('eth_maxPriorityFeePerGas', []).catch((err: unknown) => {
        if (
          err instanceof EvmRpcError &&
          /not (found|supported|exist)|unsupported/i.test(err.nodeMessage ?? '')
        ) {
          return hex(DEFAULT_PRIORITY_FEE_WEI);
        }
        throw err;
      }),
    ]);
    const baseFee = (block as { baseFeePerGas?: unknown } | null)?.baseFeePerGas;
    if (baseFee === undefined) {
      throw new SenderError(
        'the payout chain has no EIP-1559 base fee (pre-London chain?)',
        false,
        'evm_no_eip1559',
      );
    }
    const maxPriorityFeePerGas = quantity(tip, 'eth_maxPriorityFeePerGas');
    const baseFeePerGas = quantity(baseFee, 'eth_getBlockByNumber', 'baseFeePerGas');
    return { maxFeePerGas: baseFeePerGas * 2n + maxPriorityFeePerGas, maxPriorityFeePerGas, baseFeePerGas };
  }

  async estimateGas(from: string, call: PayoutCall): Promise<bigint> {
    const request = { from, to: call.to, value: hex(call.value), data: call.data };
    return quantity(await this.send('eth_estimateGas', [request]), 'eth_estimateGas');
  }

  async sendRawTransaction(raw: string): Promise<void> {
    await this.send('eth_sendRawTransaction', [raw]);
  }

  async hasTransaction(hash: string): Promise<boolean> {
    const tx = await this.send('eth_getTransactionByHash', [hash]);
    if (tx !== null && typeof tx !== 'object') throw badResponse('eth_getTransactionByHash', 'transaction');
    return tx !== null;
  }

  async receipt(hash: string): Promise<EvmReceipt | null> {
    const r = await this.send('eth_getTransactionReceipt', [hash]);
    if (r === null) return null;
    if (typeof r !== 'object') throw badResponse('eth_getTransactionReceipt', 'receipt');
    const { status, blockNumber } = r as { status?: unknown; blockNumber?: unknown };
    // Some nodes answer a receipt for a pending transaction with a null block.
    if (blockNumber === null) return null;
    return {
      status: small(status, 'eth_getTransactionReceipt', 'status'),
      blockNumber: small(blockNumber, 'eth_getTransactionReceipt', 'blockNumber'),
    };
  }

  async close(): Promise<void> {
    await this.rpc.destroy();
  }
}

import { TellerError, type TellerErrorOptions } from '../../util/errors';
import {
  FetchRequest,
  getAddress,
  Interface,
  JsonRpcProvider,
  Transaction,
  WebSocketProvider,
  decodeBytes32String,
  type TransactionLike,
} from 'ethers';

/**
 * EVM payout transactions: the JSON-RPC connection, ERC-20 calldata, building, signing and
 * decoding EIP-1559 transactions. Everything ethers-specific the EVM sender needs lives here, so
 * the sender itself stays free of ethers (STYLE.md: only src/chains/ethereum imports it).
 */

/** The one JSON-RPC method the sender needs from a connection (an ethers provider has it). */
export interface RpcTransport {
  send(method: string, params: unknown[]): Promise<unknown>;
  destroy(): void | Promise<void>;
}

/** A hung node must not hold the sender's nonce lock for ethers' default 5 minutes. */
const RPC_TIMEOUT_MS = 30_000;

/** Connects to the payout chain's node (http(s) or ws(s)). Does not contact it yet. */
export function connectEvmRpc(url: string, chainId: number): RpcTransport {
  // cacheTimeout -1: ethers otherwise answers identical calls from a 250 ms cache, which served
  // stale nonces, receipts and block hashes after a reorg (research/infra.md §2.1).
  // batchMaxCount 1: no 10 ms batching stall on each call made under the sender's nonce lock.
  const options = { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50, batchMaxCount: 1 };
  if (/^wss?:/i.test(url)) return new WebSocketProvider(url, chainId, options);
  const request = new FetchRequest(url);
  request.timeout = RPC_TIMEOUT_MS;
  return new JsonRpcProvider(request, chainId, options);
}

/**
 * The message of the JSON-RPC error the node answered with, or null when the node gave no answer
 * (refused connection, timeout, HTTP failure). ethers keeps the node's error object in `info.error`
 * or, for errors it cannot classify, in `error`.
 */
export function nodeErrorMessage(err: unknown): string | null {
  if (typeof err !== 'object' || err === null) return null;
  const { info, error } = err as { info?: { error?: unknown }; error?: unknown };
  for (const candidate of [info?.error, error]) {
    if (typeof candidate === 'object' && candidate !== null) {
      const message = (candidate as { message?: unknown }).message;
      if (typeof message === 'string') return message;
    }
  }
  return null;
}

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const ZERO_ADDRESS = `0x${'0'.repeat(40)}`;

/** null when `addr` can receive a payout, else 'Invalid address' or 'Invalid checksum'. */
export function payoutAddressError(addr: string): string | null {
  if (!HEX_ADDRESS.test(addr)) return 'Invalid address';
  const hex = addr.slice(2);
  const lower = hex.toLowerCase();
  // All-lowercase and all-uppercase carry no EIP-55 checksum; mixed case must match it.
  if (hex !== lower && hex !== hex.toUpperCase() && getAddress(`0x${lower}`) !== addr)
    return 'Invalid checksum';
  // Paying the zero address burns the coins.
  if (`0x${lower}` === ZERO_ADDRESS) return 'Invalid address';
  return null;
}

/** EIP-55 form of a valid address. */
export const checksumAddress = (addr: string): string => getAddress(addr.toLowerCase());

const ERC20 = new Interface([
  'function transfer(address to, uint256 amount) returns (bool)',
  'function balanceOf(address owner) view returns (uint256)',
  'function decimals() view returns (uint8)',
  'function symbol() view returns (string)',
]);

/** Calldata and result decoding for the ERC-20 calls the sender makes. */
export const erc20Abi = {
  balanceOf: (owner: string): string => ERC20.encodeFunctionData('balanceOf', [owner]),
  decimals: (): string => ERC20.encodeFunctionData('decimals', []),
  symbol: (): string => ERC20.encodeFunctionData('symbol', []),
  decodeUint: (fn: 'balanceOf' | 'decimals', result: string): bigint =>
    BigInt(ERC20.decodeFunctionResult(fn, result)[0] as bigint),
  /** Symbol as a string; old tokens (MKR, SAI) return bytes32 instead. */
  decodeSymbol(result: string): string {
    if (result.length === 66) return decodeBytes32String(result);
    return String(ERC20.decodeFunctionResult('symbol', result)[0]);
  },
};

export interface EvmFees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** The on-chain call a payout makes: an ETH transfer, or a token's `transfer(recipient, amount)`. */
export interface PayoutCall {
  to: string;
  value: bigint;
  data: string;
}

/** `token` null: pay `amount` wei in ETH; else `amount` token units of that ERC-20 contract. */
export function payoutCall(recipient: string, amount: bigint, token: string | null): PayoutCall {
  const to = checksumAddress(recipient);
  if (token === null) return { to, value: amount, data: '0x' };
  return { to: checksumAddress(token), value: 0n, data: ERC20.encodeFunctionData('transfer', [to, amount]) };
}

export interface PayoutTxFields {
  chainId: bigint;
  nonce: number;
  call: PayoutCall;
  gasLimit: bigint;
  fees: EvmFees;
}

export interface SignedPayoutTx {
  /** Transaction hash, 0x-prefixed lowercase hex. */
  txid: string;
  /** Serialized signed transaction, 0x-prefixed hex. */
  raw: string;
}

/** Something that signs payouts offline: the hot wallet (wallet.ts), or a test key. */
export interface PayoutSigner {
  readonly address: string;
  signPayout(fields: PayoutTxFields): Promise<SignedPayoutTx>;
}

/** The unsigned EIP-1559 transaction for `fields`, as ethers wants it. */
export const unsignedPayoutTx = (f: PayoutTxFields): TransactionLike<string> => ({
  type: 2,
  chainId: f.chainId,
  nonce: f.nonce,
  to: f.call.to,
  value: f.call.value,
  data: f.call.data,
  gasLimit: f.gasLimit,
  maxFeePerGas: f.fees.maxFeePerGas,
  maxPriorityFeePerGas: f.fees.maxPriorityFeePerGas,
  accessList: [],
});

/** A stored payout that does not decode as a signed EIP-1559 transaction. */
export class PayoutTxError extends TellerError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('payout_tx_invalid', message, false, options);
  }
}

export interface DecodedPayoutTx extends PayoutTxFields {
  txid: string;
  /** Signer, EIP-55. */
  from: string;
}

/** Decodes a signed payout (stored `raw`). Throws on anything but a signed EIP-1559 transaction. */
export function decodePayoutTx(raw: string): DecodedPayoutTx {
  let tx: Transaction;
  try {
    tx = Transaction.from(raw);
  } catch (err) {
    throw new PayoutTxError(`cannot decode payout transaction: ${(err as Error).message}`, { cause: err });
  }
  const { hash, from, to, maxFeePerGas, maxPriorityFeePerGas } = tx;
  if (tx.type !== 2 || hash === null || from === null || to === null) {
    throw new PayoutTxError('payout is not a signed EIP-1559 transaction');
  }
  if (maxFeePerGas === null || maxPriorityFeePerGas === null) {
    throw new PayoutTxError('payout transaction has no EIP-1559 fees');
  }
  return {
    txid: hash,
    from,
    chainId: tx.chainId,
    nonce: tx.nonce,
    call: { to, value: tx.value, data: tx.data },
    gasLimit: tx.gasLimit,
    fees: { maxFeePerGas, maxPriorityFeePerGas },
  };
}

/** Gas limit from a node estimate: +20%, as a contract recipient's gas use can vary per block. */
export const withGasMargin = (estimate: bigint): bigint => (estimate * 6n) / 5n;

/** Most nodes refuse a same-nonce replacement unless both fees rise by at least 10%. */
const BUMP_NUM = 1125n;
const BUMP_DEN = 1000n;
const bump = (v: bigint): bigint => (v * BUMP_NUM + BUMP_DEN - 1n) / BUMP_DEN;
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** Fees for a replacement: +12.5% over the stuck transaction's, or the node's current, if higher. */
export function bumpFees(prev: EvmFees, current: EvmFees): EvmFees {
  const maxPriorityFeePerGas = max(bump(prev.maxPriorityFeePerGas), current.maxPriorityFeePerGas);
  const maxFeePerGas = max(max(bump(prev.maxFeePerGas), current.maxFeePerGas), maxPriorityFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas };
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** The smallest fee a node accepts in a same-nonce replacement: +10% (geth, besu, nethermind). */
const minRise = (v: bigint): bigint => (v * 11n + 9n) / 10n;

/**
 * Fees for a new payout under `ceiling` (payout.evm.max_fee_per_gas, max_priority_fee_per_gas):
 * the node's suggestion, each fee capped. null when the capped transaction could not be mined at
 * the current base fee (base fee + tip above the max fee ceiling): nothing is signed then.
 */
export function feesUnderCeiling(
  suggested: EvmFees,
  baseFeePerGas: bigint,
  ceiling: EvmFees,
): EvmFees | null {
  const maxPriorityFeePerGas = min(suggested.maxPriorityFeePerGas, ceiling.maxPriorityFeePerGas);
  if (baseFeePerGas + maxPriorityFeePerGas > ceiling.maxFeePerGas) return null;
  const maxFeePerGas = max(min(suggested.maxFeePerGas, ceiling.maxFeePerGas), maxPriorityFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas };
}

/**
 * Fees for a replacement of a transaction signed with `prev`: bumpFees(), each fee capped at
 * `ceiling`. null when the capped fees no longer rise enough for a node to take the replacement
 * (the payout is at the ceiling: it waits as it is).
 */
export function replacementFees(prev: EvmFees, current: EvmFees, ceiling: EvmFees): EvmFees | null {
  const bumped = bumpFees(prev, current);
  const fees = {
    maxFeePerGas: min(bumped.maxFeePerGas, ceiling.maxFeePerGas),
    maxPriorityFeePerGas: min(bumped.maxPriorityFeePerGas, ceiling.maxPriorityFeePerGas),
  };
  if (fees.maxFeePerGas < minRise(prev.maxFeePerGas)) return null;
  if (fees.maxPriorityFeePerGas < minRise(prev.maxPriorityFeePerGas)) return null;
  return fees;
}

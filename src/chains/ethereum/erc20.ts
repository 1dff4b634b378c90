import { id } from 'ethers';
import { TellerError, type TellerErrorOptions } from '../../util/errors';
import { EthBadDataError, classifyEthError, type EthRpcClient } from './provider';

/**
 * ERC-20 as the scanner sees it: `Transfer(address indexed from, address indexed to, uint256 value)`
 * logs, read raw from eth_getLogs, and `decimals()` for the startup check against the config.
 */

/** keccak256("Transfer(address,address,uint256)"): topic 0 of every ERC-20 (and ERC-721) Transfer. */
export const TRANSFER_TOPIC = id('Transfer(address,address,uint256)');

/** Selector of `decimals()`. */
const DECIMALS_SELECTOR = id('decimals()').slice(0, 10);

/** How nodes and gateways say an eth_getLogs range holds too much (geth, Infura, Alchemy, erigon...). */
const LOGS_TOO_LARGE =
  /more than \d+ results|too many (results|logs|blocks)|response size|size (limit )?exceeded|range (is )?too (large|wide|big)|block range|exceeds? (the )?(max|limit)|query timeout/i;

const ADDRESS_TOPIC = /^0x0{24}([0-9a-f]{40})$/;
const WORD = /^0x[0-9a-f]{64}$/;
const HEX_QUANTITY = /^0x[0-9a-f]+$/;

/** A 20-byte address as a 32-byte indexed topic (lowercase), for eth_getLogs filters. */
export const addressTopic = (address: string): string =>
  `0x${'0'.repeat(24)}${address.slice(2).toLowerCase()}`;

export interface TokenTransfer {
  /** The emitting contract, lowercase. */
  contract: string;
  from: string;
  to: string;
  /** Token base units. */
  value: bigint;
  blockNumber: number;
  blockHash: string;
  txHash: string;
  /** Index of the log in its block (the deposit's `n`). */
  logIndex: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const str = (v: unknown): string | null => (typeof v === 'string' ? v.toLowerCase() : null);

const quantity = (v: unknown): number | null => {
  const s = str(v);
  if (s === null || !HEX_QUANTITY.test(s)) return null;
  const n = Number(BigInt(s));
  return Number.isSafeInteger(n) ? n : null;
};

/**
 * The ERC-20 Transfer a raw log carries, or null when the log is anything else: another event, an
 * ERC-721 Transfer (tokenId indexed: 4 topics, no data), a malformed one, or one a reorg removed.
 */
export function decodeTransferLog(log: unknown): TokenTransfer | null {
  if (!isObject(log) || log.removed === true) return null;
  const topics = log.topics;
  if (!Array.isArray(topics) || topics.length !== 3) return null;
  const [t0, t1, t2] = topics.map(str);
  if (t0 !== TRANSFER_TOPIC) return null;
  const from = t1 === null ? null : ADDRESS_TOPIC.exec(t1);
  const to = t2 === null ? null : ADDRESS_TOPIC.exec(t2);
  const data = str(log.data);
  const contract = str(log.address);
  const blockHash = str(log.blockHash);
  const txHash = str(log.transactionHash);
  const blockNumber = quantity(log.blockNumber);
  const logIndex = quantity(log.logIndex);
  if (from === null || to === null || data === null || !WORD.test(data)) return null;
  if (
    contract === null ||
    blockHash === null ||
    txHash === null ||
    blockNumber === null ||
    logIndex === null
  ) {
    return null;
  }
  return {
    contract,
    from: `0x${from[1]}`,
    to: `0x${to[1]}`,
    value: BigInt(data),
    blockNumber,
    blockHash,
    txHash,
    logIndex,
  };
}

/** A token in `[[eth_tokens]]` that does not match its contract on the node. */
export class TokenConfigError extends TellerError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('eth_token_config', message, false, options);
  }
}

/** `decimals()` of `contract` at the latest block; a missing contract or odd answer is a TokenConfigError. */
export async function readTokenDecimals(client: EthRpcClient, contract: string): Promise<number> {
  let result: unknown;
  try {
    result = await client.send('eth_call', [
      { to: contract.toLowerCase(), data: DECIMALS_SELECTOR },
      'latest',
    ]);
  } catch (err) {
    const e = classifyEthError(err, 'eth_call decimals()');
    if (e.retryable) throw e;
    throw new TokenConfigError(`contract ${contract}: decimals() failed: ${e.detail}`, { cause: err });
  }
  if (result === '0x') throw new TokenConfigError(`contract ${contract}: no contract code at this address`);
  const word = str(result);
  if (word === null || !WORD.test(word)) {
    throw new TokenConfigError(`contract ${contract}: decimals() returned ${JSON.stringify(result)}`);
  }
  const decimals = BigInt(word);
  if (decimals > 255n) throw new TokenConfigError(`contract ${contract}: decimals() returned ${decimals}`);
  return Number(decimals);
}

/** True when a node refused an eth_getLogs range as too big: split it, do not retry it. */
export const isLogsTooLarge = (err: unknown): boolean =>
  LOGS_TOO_LARGE.test(classifyEthError(err, '').detail);

/** A JSON-RPC call with the caller's retry policy; `retryable` overrides which failures it retries. */
export type RpcCall = (
  method: string,
  params: unknown[],
  retryable?: (err: unknown) => boolean,
) => Promise<unknown>;

export interface TransferQuery {
  /** Token contracts, lowercase. */
  contracts: string[];
  /** Recipients as padded topics, or null for every Transfer (a huge watch list: filter locally). */
  toTopics: string[] | null;
  onSplit?: (from: number, to: number) => void;
}

const hexQuantity = (n: number): string => `0x${n.toString(16)}`;

/**
 * Transfer logs of `query.contracts` in blocks `from..to` (one eth_getLogs), halving the range
 * while the node answers that it holds too many results. Logs that are not ERC-20 Transfers, were
 * removed, or lie outside the range are dropped.
 */
export async function getTransferLogs(
  call: RpcCall,
  from: number,
  to: number,
  query: TransferQuery,
): Promise<TokenTransfer[]> {
  const topics = query.toTopics === null ? [TRANSFER_TOPIC] : [TRANSFER_TOPIC, null, query.toTopics];
  const filter = { fromBlock: hexQuantity(from), toBlock: hexQuantity(to), address: query.contracts, topics };
  let logs: unknown;
  try {
    logs = await call(
      'eth_getLogs',
      [filter],
      (err) => !isLogsTooLarge(err) && classifyEthError(err, '').retryable,
    );
  } catch (err) {
    if (from === to || !isLogsTooLarge(err)) throw err;
    const mid = Math.floor((from + to) / 2);
    query.onSplit?.(from, to);
    return [
      ...(await getTransferLogs(call, from, mid, query)),
      ...(await getTransferLogs(call, mid + 1, to, query)),
    ];
  }
  if (!Array.isArray(logs)) throw new EthBadDataError(`eth_getLogs ${from}..${to}: not an array`);
  const out: TokenTransfer[] = [];
  for (const raw of logs) {
    const t = decodeTransferLog(raw);
    if (t !== null && t.blockNumber >= from && t.blockNumber <= to) out.push(t);
  }
  return out;
}

import { FetchRequest, JsonRpcProvider, WebSocketProvider, type JsonRpcApiProvider } from 'ethers';
import { backoffDelayMs } from '../../util/backoff';
import { TellerError, type TellerErrorOptions, errorMessage } from '../../util/errors';

/**
 * Ethereum JSON-RPC access: the node URL from teller's `eth_rpc` keys, an ethers provider with its
 * response cache off, the chain-id check made at startup, and the split between failures worth
 * retrying (node down, overloaded, rate-limited) and those that are not (bad request, auth).
 */

/** What the scanner needs from a node: raw JSON-RPC. An ethers provider is one; tests pass fakes. */
export interface EthRpcClient {
  send(method: string, params: unknown[]): Promise<unknown>;
}

export interface EthRpcSettings {
  url: string;
  /** Expected chain id; 0 = whatever the node reports (checked by `checkChain`, not here). */
  chainId: number;
  /** Per-request timeout over HTTP (default 30 s; teller used 5 s, too short for eth_getLogs). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** A node failure. `retryable`: the same request may work later (refused, timeout, 5xx, 429). */
export class EthRpcError extends TellerError {
  constructor(
    readonly method: string,
    /** What went wrong, without the method prefix. */
    readonly detail: string,
    retryable: boolean,
    /** The node's JSON-RPC error code, when it answered with one. */
    readonly rpcCode?: number,
    options?: TellerErrorOptions,
  ) {
    super(
      retryable ? 'eth_rpc_unavailable' : 'eth_rpc_error',
      `eth_rpc ${method}: ${detail}`,
      retryable,
      options,
    );
  }
}

/** The node is on another chain than `eth_scanner.chain_id`, or cannot be reached at startup. */
export class EthChainError extends TellerError {
  constructor(message: string, retryable = false, options?: TellerErrorOptions) {
    super('eth_chain', message, retryable, options);
  }
}

/**
 * teller's `eth_rpc.server` + `eth_rpc.port` → `http://server:port`. A full URL in `server`
 * (http, https, ws, wss: a hosted node's endpoint with its key in the path) is used as is.
 */
export function ethRpcUrl(rpc: { server: string; port: string }): string {
  const server = rpc.server.trim();
  if (/^(https?|wss?):\/\//i.test(server)) return server;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(server)) {
    const what = `eth_rpc.server ${JSON.stringify(server)}`;
    throw new TellerError('eth_rpc_config', `${what}: only http, https, ws and wss are supported`);
  }
  const port = String(rpc.port).trim();
  const colons = server.split(':').length - 1;
  // "host:port" in server alone is accepted as such; a bare IPv6 address needs brackets.
  if (colons === 1) return `http://${server}`;
  const host = colons > 1 && !server.startsWith('[') ? `[${server}]` : server;
  return port === '' ? `http://${host}` : `http://${host}:${port}`;
}

/**
 * An ethers provider for `url`. ethers caches identical calls for 250 ms by default: that served
 * stale block hashes and receipts after a reorg, so the cache is off. The network is static (no
 * eth_chainId on every call, and no endless "failed to detect network" loop when the node is
 * down); chain id 0 means unknown, which is fine for raw `send` (`checkChain` validates it).
 */
export function makeEthProvider(settings: EthRpcSettings): JsonRpcApiProvider {
  const options = { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 } as const;
  if (/^wss?:\/\//i.test(settings.url)) return new WebSocketProvider(settings.url, settings.chainId, options);
  const request = new FetchRequest(settings.url);
  request.timeout = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // One attempt: 429s come back as errors, and withRetry (which honours shutdown) retries them.
  request.setThrottleParams({ maxAttempts: 1 });
  // No JSON-RPC batching: not every node or gateway accepts it, and one request per call keeps
  // timeouts and errors per call. Callers bound their own concurrency.
  return new JsonRpcProvider(request, settings.chainId, { ...options, batchMaxCount: 1 });
}

/** The URL without credentials (user:pass@ or an API key in the path), for logs and errors. */
export function redactRpcUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname.length > 1 ? '/…' : '';
    return `${u.protocol}//${u.host}${path}`;
  } catch {
    return '<invalid url>';
  }
}

/** Checks the node answers and is on `expectedChainId` (0 = any); returns the node's chain id. */
export async function checkChain(client: EthRpcClient, expectedChainId: number, url = ''): Promise<number> {
  let reported: unknown;
  try {
    reported = await client.send('eth_chainId', []);
  } catch (err) {
    const e = classifyEthError(err, 'eth_chainId');
    throw new EthChainError(
      `eth_rpc: cannot reach ${url ? redactRpcUrl(url) : 'the node'}: ${e.detail}`,
      e.retryable,
      { cause: err },
    );
  }
  if (typeof reported !== 'string' || !/^0x[0-9a-f]+$/i.test(reported)) {
    throw new EthChainError(`eth_rpc: eth_chainId returned ${JSON.stringify(reported)}, not a hex quantity`);
  }
  const chainId = Number(BigInt(reported));
  if (expectedChainId !== 0 && chainId !== expectedChainId) {
    throw new EthChainError(
      `eth_rpc: node reports chain id ${chainId}, config eth_scanner.chain_id is ${expectedChainId}`,
    );
  }
  return chainId;
}

const TRANSIENT_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TRANSIENT_ETHERS = new Set(['TIMEOUT', 'NETWORK_ERROR']);
/** JSON-RPC codes of overload: 429 (gateways), -32005 (limit exceeded, EIP-1474), -32603 internal. */
const TRANSIENT_RPC_CODES = new Set([429, -32005, -32603]);
const TRANSIENT_RPC_TEXT =
  /rate.?limit|too many requests|capacity|exceeded .*(quota|limit)|limit exceeded|timed? ?out|timeout|header not found|try again|temporar|unavailable|busy|overloaded/i;

const field = (v: unknown, key: string): unknown =>
  typeof v === 'object' && v !== null && key in v ? (v as Record<string, unknown>)[key] : undefined;

/** The `{code, message}` a node answered with, as ethers attaches it (`error`, or `info.error`). */
function rpcErrorOf(err: unknown): { code: number; message: string } | null {
  const inner = field(err, 'error') ?? field(field(err, 'info'), 'error');
  const code = field(inner, 'code');
  const message = field(inner, 'message');
  if (typeof code !== 'number' || typeof message !== 'string') return null;
  return { code, message };
}

/** "503 Service Unavailable" → 503; ethers escalates a 429 it gave up on to "599 … (429 …)". */
function httpStatusOf(err: unknown): number | null {
  const status = field(field(err, 'info'), 'responseStatus');
  if (typeof status !== 'string') return null;
  const inner = /\((\d{3}) /.exec(status);
  const m = inner ?? /^(\d{3})/.exec(status);
  return m ? Number(m[1]) : null;
}

/** Maps anything a call threw to an EthRpcError that says whether to retry. */
export function classifyEthError(err: unknown, method: string): EthRpcError {
  if (err instanceof EthRpcError) return err;
  const cause = { cause: err };
  if (err instanceof TellerError)
    return new EthRpcError(method, err.message, err.retryable, undefined, cause);
  const code = field(err, 'code');
  const rpc = rpcErrorOf(err);
  if (rpc) {
    const retryable = TRANSIENT_RPC_CODES.has(rpc.code) || TRANSIENT_RPC_TEXT.test(rpc.message);
    return new EthRpcError(method, `${rpc.message} (code ${rpc.code})`, retryable, rpc.code, cause);
  }
  const status = httpStatusOf(err);
  if (status !== null) {
    const body = field(field(err, 'info'), 'responseBody');
    const detail = typeof body === 'string' && body !== '' ? `: ${body.slice(0, 200)}` : '';
    const retryable = status >= 500 || status === 429 || status === 408;
    return new EthRpcError(method, `HTTP ${status}${detail}`, retryable, undefined, cause);
  }
  // Read `message` as a field: errors from another realm (node's net under jest's vm) fail instanceof.
  const short = field(err, 'shortMessage') ?? field(err, 'message');
  const text = typeof short === 'string' ? short : errorMessage(err);
  const retryable = typeof code === 'string' && (TRANSIENT_ERRNO.has(code) || TRANSIENT_ETHERS.has(code));
  return new EthRpcError(method, text, retryable, undefined, cause);
}

/** A node answer of the wrong shape: permanent (asking again gives the same answer). */
export class EthBadDataError extends TellerError {
  constructor(message: string) {
    super('eth_bad_data', message);
  }
}

const QUANTITY = /^0x[0-9a-f]+$/;
const HASH = /^0x[0-9a-f]{64}$/;

export const isRpcObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A hex quantity from a JSON-RPC answer; `what` names it in the error. */
export function rpcQuantity(v: unknown, what: string): bigint {
  if (typeof v !== 'string' || !QUANTITY.test(v.toLowerCase())) {
    throw new EthBadDataError(`${what}: ${JSON.stringify(v)} is not a hex quantity`);
  }
  return BigInt(v);
}

/** A hex quantity that must fit a JS number exactly (heights, indexes). */
export function rpcSafeInt(v: unknown, what: string): number {
  const n = Number(rpcQuantity(v, what));
  if (!Number.isSafeInteger(n)) throw new EthBadDataError(`${what}: ${String(v)} is too large`);
  return n;
}

/** A 32-byte hash, lowercase. */
export function rpcHash(v: unknown, what: string): string {
  const s = typeof v === 'string' ? v.toLowerCase() : '';
  if (!HASH.test(s)) throw new EthBadDataError(`${what}: ${JSON.stringify(v)} is not a 32-byte hash`);
  return s;
}

export interface RetryOptions {
  signal?: AbortSignal;
  /** Tries, the first included (default 5). */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Which errors to retry (default: `classifyEthError(err).retryable`). */
  isRetryable?: (err: unknown) => boolean;
  /** Called before each wait (for a warn log). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new TellerError('aborted', 'aborted');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      if (signal) reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `fn`, retrying retryable failures with back-off; stops at once when `signal` aborts. The
 * last error is thrown as is (callers classify it), so a permanent error surfaces unchanged.
 */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, opts.attempts ?? 5);
  const isRetryable = opts.isRetryable ?? ((err: unknown) => classifyEthError(err, 'call').retryable);
  for (let attempt = 0; ; attempt++) {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    try {
      return await fn();
    } catch (err) {
      if (attempt + 1 >= attempts || !isRetryable(err) || opts.signal?.aborted) throw err;
      const delay = backoffDelayMs(attempt, opts.baseDelayMs ?? 250, opts.maxDelayMs ?? 10_000);
      opts.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, opts.signal);
    }
  }
}

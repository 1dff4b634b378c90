import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { backoffDelayMs, sleep } from '../../util/backoff';
import type { Logger } from '../../util/logger';
import { TellerError, type TellerErrorOptions, errorMessage } from '../../util/errors';
import type { HexSpan } from './block-parser';
import { hexReply, hexSpan, isHexSpan } from './hex-reply';

/**
 * Bitcoin Core JSON-RPC over HTTP(S), with keep-alive, a per-call timeout and retries of transient
 * failures. Also speaks to bcoin, which answers JSON-RPC errors with HTTP 200 (Core uses 500/404
 * with the same body) and numbers some errors differently (`Block not found` is -1, Core's -5).
 *
 * `btc_rpc` settings:
 * - `server`: "host:port" or a full URL ("http://host:port/", "https://host:port/wallet/w").
 *   A bare "host:port" is http, or https when `cert` is set (btcd, teller's node, always speaks TLS).
 * - `user`/`pass`: basic auth. Cookie auth: leave `pass` empty and set `user` to the path of Core's
 *   `.cookie` file; it holds `__cookie__:<secret>` and is re-read when the node answers 401 (Core
 *   writes a new cookie at every start).
 * - `cert`: a PEM CA file trusted for https (self-signed node certificates).
 */

export interface BtcRpcOptions {
  server: string;
  user: string;
  pass: string;
  cert: string;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Tries per call for transient failures, the first included (default 4). */
  attempts?: number;
  log?: Logger;
}

/** The node answered with a JSON-RPC error object. `rpcCode` is the node's number (-8, -5, ...). */
export class RpcError extends TellerError {
  constructor(
    readonly method: string,
    readonly rpcCode: number,
    readonly rpcMessage: string,
  ) {
    // -28: the node is still loading (Core's warm-up): trying again later will work.
    super('btc_rpc_error', `btc rpc ${method}: ${rpcMessage} (code ${rpcCode})`, rpcCode === -28);
  }
}

/** The node could not be reached or gave no JSON-RPC answer (refused, reset, timeout, 5xx). */
export class BtcRpcUnavailableError extends TellerError {
  constructor(message: string, retryable = true, options?: TellerErrorOptions) {
    super('btc_rpc_unavailable', message, retryable, options);
  }
}

export class BtcRpcAuthError extends TellerError {
  constructor(url: string, status: number) {
    super(
      'btc_rpc_auth',
      `wrong btc_rpc credentials: ${url} answered HTTP ${status} (check btc_rpc.user/pass)`,
    );
  }
}

export class BtcRpcConfigError extends TellerError {
  constructor(message: string, options?: TellerErrorOptions) {
    super('btc_rpc_config', message, false, options);
  }
}

export interface RpcCall {
  method: string;
  params: unknown[];
}

/** One answer of a batch: each call succeeds or fails on its own. */
export type BatchResult = { ok: true; result: unknown } | { ok: false; error: RpcError };

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

const BASE_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;
const DEFAULT_TIMEOUT_MS = 10_000;

/** Parses `btc_rpc.server` into a URL. */
export function btcRpcUrl(server: string, cert: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(server)
    ? server
    : `${cert ? 'https' : 'http'}://${server}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new BtcRpcConfigError(`btc_rpc.server ${JSON.stringify(server)} is not host:port or a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BtcRpcConfigError(
      `btc_rpc.server ${JSON.stringify(server)}: only http and https are supported`,
    );
  }
  return url;
}

interface JsonRpcReply {
  id?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown } | null;
}

const isReply = (v: unknown): v is JsonRpcReply => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An HTTP answer: its status and body bytes. */
export interface RpcReply {
  status: number;
  body: Buffer;
}

/** Decodes a reply body to JSON-RPC's shape, or gives `undefined` to have it parsed as plain JSON. */
type ReplyDecoder = (body: Buffer) => unknown;

export class BtcRpcClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly ca: string | undefined;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private auth: string;
  private nextId = 1;

  constructor(private readonly opts: BtcRpcOptions) {
    this.url = btcRpcUrl(opts.server, opts.cert);
    if (opts.cert) {
      try {
        this.ca = readFileSync(opts.cert, 'utf8');
      } catch (err) {
        throw new BtcRpcConfigError(`btc_rpc.cert ${opts.cert}: ${errorMessage(err)}`, { cause: err });
      }
    }
    const agentOpts = { keepAlive: true, maxSockets: 8 };
    this.agent =
      this.url.protocol === 'https:'
        ? new https.Agent({ ...agentOpts, ca: this.ca })
        : new http.Agent(agentOpts);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.attempts = Math.max(1, opts.attempts ?? 4);
    this.auth = this.credentials();
  }

  /** The server URL without credentials, for logs and errors. */
  get endpoint(): string {
    return `${this.url.protocol}//${this.url.host}${this.url.pathname}`;
  }

  private cookieFile(): string | null {
    const { user, pass } = this.opts;
    if (pass !== '' || user === '' || !existsSync(user)) return null;
    return statSync(user).isFile() ? user : null;
  }

  private credentials(): string {
    const cookie = this.cookieFile();
    const pair = cookie ? readFileSync(cookie, 'utf8').trim() : `${this.opts.user}:${this.opts.pass}`;
    if (cookie && !pair.includes(':')) {
      throw new BtcRpcConfigError(`btc_rpc.user cookie file ${cookie} has no user:pass`);
    }
    return 'Basic ' + Buffer.from(pair).toString('base64');
  }

  /** One JSON-RPC call; the result is unchecked (callers validate its shape). */
  async call(method: string, params: unknown[] = [], decode?: ReplyDecoder): Promise<unknown> {
    const reply = await this.send(method, { jsonrpc: '1.0', id: this.nextId++, method, params }, decode);
    if (!isReply(reply)) throw new BtcRpcUnavailableError(`btc rpc ${method}: malformed reply`, false);
    if (reply.error) throw toRpcError(method, reply.error);
    return reply.result ?? null;
  }

  /** One HTTP request carrying `calls` as a JSON-RPC batch; results in call order, errors in place. */
  async batch(calls: RpcCall[]): Promise<BatchResult[]> {
    if (calls.length === 0) return [];
    const first = this.nextId;
    this.nextId += calls.length;
    const body = calls.map((c, i) => ({ jsonrpc: '1.0', id: first + i, method: c.method, params: c.params }));
    const label = `batch of ${calls.length} ${calls[0].method}`;
    const reply = await this.send(label, body);
    if (!Array.isArray(reply)) {
      // Some servers answer a whole batch with one error object (e.g. batch not supported).
      if (isReply(reply) && reply.error) throw toRpcError(label, reply.error);
      throw new BtcRpcUnavailableError(`btc rpc ${label}: malformed reply`, false);
    }
    const byId = new Map<unknown, JsonRpcReply>();
    for (const r of reply) if (isReply(r)) byId.set(r.id, r);
    return calls.map((c, i): BatchResult => {
      const r = byId.get(first + i);
      if (r === undefined) {
        return { ok: false, error: new RpcError(c.method, -32603, 'missing from batch reply') };
      }
      return r.error
        ? { ok: false, error: toRpcError(c.method, r.error) }
        : { ok: true, result: r.result ?? null };
    });
  }

  /** Sends with retries of transient failures; returns the parsed JSON body. */
  private async send(label: string, body: unknown, decode?: ReplyDecoder): Promise<unknown> {
    const payload = JSON.stringify(body);
    let reauthed = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return this.interpret(await this.transport(payload), decode);
      } catch (err) {
        if (err instanceof BtcRpcAuthError && !reauthed && this.cookieFile()) {
          reauthed = true;
          this.auth = this.credentials();
          continue;
        }
        if (!(err instanceof BtcRpcUnavailableError) || !err.retryable || attempt >= this.attempts) {
          if (err instanceof BtcRpcUnavailableError) {
            throw new BtcRpcUnavailableError(`btc rpc ${label}: ${err.message}`, err.retryable, {
              cause: err,
            });
          }
          throw err;
        }
        const delay = backoffDelayMs(attempt - 1, BASE_RETRY_MS, MAX_RETRY_MS);
        this.opts.log?.debug({ method: label, attempt, delayMs: Math.round(delay), err }, 'btc rpc retry');
        await sleep(delay);
      }
    }
  }

  /** One HTTP POST to the node. */
  private transport(payload: string): Promise<RpcReply> {
    const mod = this.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: this.auth,
        },
      });
      const timer = setTimeout(() => {
        req.destroy(
          new BtcRpcUnavailableError(`no answer from ${this.endpoint} within ${this.timeoutMs} ms`),
        );
      }, this.timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(transportError(err, this.endpoint));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(transportError(err, this.endpoint));
        });
        // A connection cut mid-body may end with neither 'end' nor 'error'.
        res.on('close', () => {
          clearTimeout(timer);
          if (!res.complete) {
            reject(new BtcRpcUnavailableError(`${this.endpoint}: connection closed mid-reply`));
          }
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
        });
      });
      req.end(payload);
    });
  }

  private interpret({ status, body }: RpcReply, decode?: ReplyDecoder): unknown {
    if (status === 401 || status === 403) throw new BtcRpcAuthError(this.endpoint, status);
    const decoded = decode?.(body);
    if (decoded !== undefined) return decoded;
    const text = body.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON-RPC: a 5xx is the node (or a proxy) in trouble, anything else is a wrong URL.
      const snippet = text.slice(0, 120).replace(/\s+/g, ' ');
      throw new BtcRpcUnavailableError(`HTTP ${status} from ${this.endpoint}: ${snippet}`, status >= 500);
    }
    // Core sends JSON-RPC errors as 500/404 with a JSON body: those are answers, not outages.
    return json;
  }

  async getBlockCount(): Promise<number> {
    return expectInt('getblockcount', await this.call('getblockcount'));
  }

  /** Hash of the main-chain block at `height`, or null above the tip (RPC error -8). */
  async getBlockHash(height: number): Promise<string | null> {
    if (height < 0) return null;
    try {
      return expectHash('getblockhash', await this.call('getblockhash', [height]));
    } catch (err) {
      if (err instanceof RpcError && err.rpcCode === -8) return null;
      throw err;
    }
  }

  /** Hashes of `from`..`to` in one batch request; throws if any height is missing. */
  async getBlockHashes(from: number, to: number): Promise<string[]> {
    const calls: RpcCall[] = [];
    for (let h = from; h <= to; h++) calls.push({ method: 'getblockhash', params: [h] });
    const results = await this.batch(calls);
    return results.map((r) => {
      if (!r.ok) throw r.error;
      return expectHash('getblockhash', r.result);
    });
  }

  /** The serialized block (`getblock <hash> 0`) as hex, in place in the reply (hex-reply.ts). */
  async getBlockHex(hash: string): Promise<HexSpan> {
    const result = await this.call('getblock', [hash, 0], hexReply);
    if (typeof result === 'string') return hexSpan(result);
    if (!isHexSpan(result)) throw malformed('getblock', result);
    return result;
  }

  async getBlockchainInfo(): Promise<{ chain: string; blocks: number; bestblockhash: string }> {
    const info = await this.call('getblockchaininfo');
    if (!isReply(info)) throw malformed('getblockchaininfo', info);
    const { chain, blocks, bestblockhash } = info as Record<string, unknown>;
    if (typeof chain !== 'string' || typeof blocks !== 'number' || typeof bestblockhash !== 'string') {
      throw malformed('getblockchaininfo', info);
    }
    return { chain, blocks, bestblockhash };
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}

const malformed = (method: string, v: unknown): BtcRpcUnavailableError =>
  new BtcRpcUnavailableError(
    `btc rpc ${method}: unexpected result ${JSON.stringify(v)?.slice(0, 80)}`,
    false,
  );

function expectInt(method: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw malformed(method, v);
  return v;
}

function expectHash(method: string, v: unknown): string {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw malformed(method, v);
  return v;
}

function toRpcError(method: string, e: { code?: unknown; message?: unknown }): RpcError {
  const code = typeof e.code === 'number' ? e.code : -32603;
  const message = typeof e.message === 'string' ? e.message : JSON.stringify(e);
  return new RpcError(method, code, message);
}

function transportError(err: unknown, endpoint: string): BtcRpcUnavailableError {
  if (err instanceof BtcRpcUnavailableError) return err;
  const code = (err as { code?: unknown }).code;
  const transient = typeof code === 'string' ? TRANSIENT_CODES.has(code) : false;
  const msg = errorMessage(err);
  const detail = typeof code === 'string' && !msg.includes(code) ? `${code} ${msg}` : msg;
  // TLS and other local failures (bad certificate) will not heal by retrying.
  return new BtcRpcUnavailableError(`${endpoint}: ${detail}`, transient || /socket hang up/.test(detail), {
    cause: err,
  });
}

import { createHash } from 'node:crypto';
import { InsufficientBalanceError, SenderError, type SenderErrorCode } from '../errors';
import { errorMessage, type TellerErrorOptions } from '../../util/errors';
import { Mutex } from '../../util/mutex';
import { encodeBase58 } from './address';

/**
 * A small typed client for a Skycoin node's REST API (skycoin v0.25+, `src/api/README.md`).
 * Teller used the JSON-RPC "webrpc", removed from later nodes (spec §6.1, §9.18). Endpoints used:
 *
 *   GET  /api/v1/health               reachability; wallet_api_enabled, max_decimals, version
 *   GET  /api/v1/csrf                 {csrf_token}; 404 when the node runs with CSRF disabled
 *   GET  /api/v1/wallet?id=           {meta: {filename, encrypted}, entries}; 404 if not loaded
 *   GET  /api/v1/wallet/balance?id=   {confirmed: {coins, hours}, predicted: {...}} (droplets, hours)
 *   POST /api/v1/wallet/transaction   builds and signs from the node-side wallet, does NOT broadcast:
 *                                     {transaction: {txid, ...}, encoded_transaction}
 *   POST /api/v1/injectTransaction    {rawtx} → "txid"; the same transaction again is a no-op
 *   GET  /api/v1/transaction?txid=    {status: {confirmed, unconfirmed, height}, txn}, or 404
 *
 * POSTs carry a fresh CSRF token (X-CSRF-Token): a token lives 30 s and fetching one invalidates
 * the previous, so POSTs are serialised. v1 errors are text (`400 Bad Request - balance is not
 * sufficient`), v2 errors JSON ({error: {message, code}}); both are read.
 */

const DEFAULT_TIMEOUT_MS = 30_000;
const CSRF_HEADER = 'X-CSRF-Token';

/** The hot wallet cannot pay: coins short, or no coin hours left for the fee ("sold out"). */
const INSUFFICIENT = /balance is not sufficient|zero coinhour fee|insufficient coinhours/i;
/** A spend blocked behind the wallet's own unconfirmed transactions (temporary). */
const UNCONFIRMED_SPEND = /pending transaction is confirmed/i;
const CSRF_REJECTED = /csrf/i;

/** A call to the node failed. `status` is 0 when the node did not answer (connection, timeout). */
export class SkycoinNodeError extends SenderError {
  constructor(
    message: string,
    retryable: boolean,
    code: SenderErrorCode,
    readonly status: number,
    /** The node's own error text ('' when it did not answer). */
    readonly nodeMessage: string,
    options?: TellerErrorOptions,
  ) {
    super(message, retryable, code, options);
  }
}

export interface SkyHealth {
  version: string;
  walletApiEnabled: boolean | null;
  /** `user_verify_transaction.max_decimals` (3 on mainnet), null if the node does not say. */
  maxDecimals: number | null;
}

export interface SkyWalletInfo {
  id: string;
  encrypted: boolean;
}

export interface SkyAmounts {
  /** Droplets. */
  coins: bigint;
  hours: bigint;
}

export interface SkyBalancePair {
  confirmed: SkyAmounts;
  /** Confirmed minus unconfirmed spends plus unconfirmed receipts. */
  predicted: SkyAmounts;
}

export interface CreateTransactionParams {
  walletId: string;
  password?: string;
  /** `coins` as a decimal SKY string ("61.728"). */
  to: { address: string; coins: string }[];
}

export interface CreatedTransaction {
  txid: string;
  /** Hex of the serialized, signed transaction. */
  encoded: string;
}

export interface SkyTxStatus {
  confirmed: boolean;
  height: number;
}

export interface SkycoinRestClientOptions {
  /** Base URL, e.g. http://127.0.0.1:6420; `user:pass@` becomes HTTP basic auth. */
  baseUrl: string;
  timeoutMs?: number;
}

interface RawResponse {
  status: number;
  text: string;
}

export class SkycoinRestClient {
  /** The base URL without credentials, safe to log. */
  readonly origin: string;
  private readonly auth: string | null;
  private readonly timeoutMs: number;
  private readonly posts = new Mutex();

  constructor(opts: SkycoinRestClientOptions) {
    const url = new URL(opts.baseUrl);
    this.auth =
      url.username || url.password
        ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
        : null;
    url.username = '';
    url.password = '';
    this.origin = url.toString().replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async health(): Promise<SkyHealth> {
    const h = obj(await this.get('/api/v1/health'), 'health');
    const verify = optObj(h.user_verify_transaction);
    const version = optObj(h.version);
    return {
      version: typeof version?.version === 'string' ? version.version : '',
      walletApiEnabled: typeof h.wallet_api_enabled === 'boolean' ? h.wallet_api_enabled : null,
      maxDecimals: typeof verify?.max_decimals === 'number' ? verify.max_decimals : null,
    };
  }

  async wallet(id: string): Promise<SkyWalletInfo> {
    const w = obj(await this.get(`/api/v1/wallet?id=${encodeURIComponent(id)}`), 'wallet');
    const meta = obj(w.meta, 'wallet.meta');
    return { id: typeof meta.filename === 'string' ? meta.filename : id, encrypted: meta.encrypted === true };
  }

  async walletBalance(id: string): Promise<SkyBalancePair> {
    const b = obj(await this.get(`/api/v1/wallet/balance?id=${encodeURIComponent(id)}`), 'wallet balance');
    return { confirmed: amounts(b.confirmed, 'confirmed'), predicted: amounts(b.predicted, 'predicted') };
  }

  /** Builds and signs a transaction from the node-side wallet. Nothing is broadcast or reserved. */
  async createTransaction(p: CreateTransactionParams): Promise<CreatedTransaction> {
    const body = {
      hours_selection: { type: 'auto', mode: 'share', share_factor: '0.5' },
      // v0.26+ read wallet_id/password; v0.24–v0.25 read the `wallet` object. Each ignores the other.
      wallet_id: p.walletId,
      password: p.password,
      wallet: { id: p.walletId, password: p.password },
      to: p.to,
      // Outputs already spent by our own unconfirmed payouts are skipped instead of refusing to build.
      ignore_unconfirmed: true,
    };
    const r = obj(await this.post('/api/v1/wallet/transaction', body), 'create transaction');
    return {
      txid: str(obj(r.transaction, 'transaction').txid, 'transaction.txid'),
      encoded: str(r.encoded_transaction, 'encoded_transaction'),
    };
  }

  /** Injects and broadcasts; returns the txid the node computed. */
  async injectTransaction(rawtx: string): Promise<string> {
    return str(await this.post('/api/v1/injectTransaction', { rawtx }), 'injectTransaction answer');
  }

  /** The transaction's status, or null when the node does not know the txid. */
  async transaction(txid: string): Promise<SkyTxStatus | null> {
    const r = await this.request('GET', `/api/v1/transaction?txid=${encodeURIComponent(txid)}`);
    if (r.status === 404) return null;
    const status = obj(
      obj(this.json(r, 'GET /api/v1/transaction'), 'transaction').status,
      'transaction.status',
    );
    if (status.unknown === true) return null;
    return {
      confirmed: status.confirmed === true,
      height: typeof status.height === 'number' ? status.height : 0,
    };
  }

  private async get(path: string): Promise<unknown> {
    return this.json(await this.request('GET', path), `GET ${path}`);
  }

  private post(path: string, body: unknown): Promise<unknown> {
    return this.posts.run(async () => {
      let r = await this.request('POST', path, body, await this.csrfToken());
      // A token another client fetched in between, or one that expired: one fresh try.
      if (r.status === 403 && CSRF_REJECTED.test(r.text)) {
        r = await this.request('POST', path, body, await this.csrfToken());
      }
      return this.json(r, `POST ${path}`);
    });
  }

  /** A fresh token, or null when the node has CSRF disabled. */
  private async csrfToken(): Promise<string | null> {
    const r = await this.request('GET', '/api/v1/csrf');
    if (r.status === 404) return null;
    return str(obj(this.json(r, 'GET /api/v1/csrf'), 'csrf').csrf_token, 'csrf_token');
  }

  /** The parsed JSON body of a 2xx answer; anything else becomes a classified error. */
  private json(r: RawResponse, what: string): unknown {
    if (r.status < 200 || r.status > 299) throw classify(r, what);
    const value = parseJsonOrUndefined(r.text);
    if (value === undefined) throw badShape(`JSON for ${what}`);
    return value;
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    csrf?: string | null,
  ): Promise<RawResponse> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.auth) headers.Authorization = this.auth;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (csrf) headers[CSRF_HEADER] = csrf;
    try {
      const res = await fetch(`${this.origin}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      const cause = err instanceof Error && err.cause !== undefined ? `: ${errorMessage(err.cause)}` : '';
      throw new SkycoinNodeError(
        `Skycoin node ${this.origin} unreachable (${method} ${path.split('?')[0]}): ${errorMessage(err)}${cause}`,
        true,
        'sky_node_unreachable',
        0,
        '',
        { cause: err },
      );
    }
  }
}

/** The node's message from a text (`400 Bad Request - msg`) or v2 JSON ({error: {message}}) body. */
export function nodeMessage(text: string): string {
  const message = optObj(optObj(parseJsonOrUndefined(text))?.error)?.message;
  if (typeof message === 'string') return message;
  const t = text.trim();
  const m = /^\d{3} [^-]*? - (.*)$/s.exec(t);
  return m?.[1] ?? t;
}

/**
 * Connection failures and 5xx are retryable; a wallet that cannot pay is InsufficientBalanceError
 * (retryable: "sold out" until refilled); 401/403 (auth, CSRF, API set disabled) and a missing
 * wallet are node configuration, retryable once an operator fixes the node; other 4xx are permanent.
 */
function classify(r: RawResponse, what: string): SenderError {
  const msg = nodeMessage(r.text) || `HTTP ${r.status}`;
  if (INSUFFICIENT.test(msg)) return new InsufficientBalanceError(msg);
  const text = `Skycoin node refused ${what.split('?')[0]}: ${msg}`;
  const error = (retryable: boolean, code: SenderErrorCode) =>
    new SkycoinNodeError(text, retryable, code, r.status, msg);
  if (r.status >= 500) return error(true, 'sky_node_error');
  if (UNCONFIRMED_SPEND.test(msg)) return error(true, 'sky_unconfirmed_spend');
  if (r.status === 401 || r.status === 403) return error(true, 'sky_node_forbidden');
  if (r.status === 404 && what.includes('/wallet')) return error(true, 'sky_wallet_missing');
  if (r.status === 429) return error(true, 'sky_node_busy');
  return error(false, 'sky_request_rejected');
}

type Json = Record<string, unknown>;

/** v1 error bodies are plain text: not being JSON is an expected answer here, not a failure. */
function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const optObj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;

function badShape(what: string): SkycoinNodeError {
  return new SkycoinNodeError(`Skycoin node answer has no valid ${what}`, true, 'sky_bad_response', 200, '');
}

function obj(v: unknown, what: string): Json {
  const o = optObj(v);
  if (!o) throw badShape(what);
  return o;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw badShape(what);
  return v;
}

/** A droplet or hour count: a JSON integer (v1) or a decimal-integer string (some v2 fields). */
function count(v: unknown, what: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  throw badShape(what);
}

function amounts(v: unknown, what: string): SkyAmounts {
  const o = obj(v, what);
  return { coins: count(o.coins, `${what}.coins`), hours: count(o.hours, `${what}.hours`) };
}

// ---- The transaction wire format (skycoin `coin.Transaction` through its `encoder`) ----

export interface DecodedSkyTransaction {
  /** sha256 of the serialized bytes: what the node reports as txid. */
  txid: string;
  inputs: string[];
  /** `coins` in droplets. */
  outputs: { address: string; coins: bigint; hours: bigint }[];
}

/**
 * Decodes a serialized transaction: length u32 ‖ type u8 ‖ inner hash [32] ‖ sigs (u32 n, n×65) ‖
 * inputs (u32 n, n×32) ‖ outputs (u32 n, n × (version u8 ‖ key [20] ‖ coins u64 ‖ hours u64)),
 * little-endian. The sender checks the bytes it stores and broadcasts, not the node's JSON preview.
 */
export function decodeSkycoinTransaction(hex: string): DecodedSkyTransaction {
  const fail = (why: string) =>
    new SenderError(`invalid Skycoin transaction: ${why}`, false, 'sky_tx_invalid');
  if (!/^([0-9a-f]{2})+$/i.test(hex)) throw fail('not hex');
  const b = Buffer.from(hex, 'hex');
  let at = 0;
  const take = (n: number): Buffer => {
    if (at + n > b.length) throw fail('truncated');
    const part = b.subarray(at, at + n);
    at += n;
    return part;
  };
  const u32 = () => take(4).readUInt32LE(0);
  const list = <T>(size: number, read: () => T): T[] => {
    const n = u32();
    if (n * size > b.length - at) throw fail('truncated');
    return Array.from({ length: n }, read);
  };
  if (u32() !== b.length) throw fail('length field does not match the byte length');
  take(1 + 32);
  list(65, () => take(65));
  const inputs = list(32, () => take(32).toString('hex'));
  const outputs = list(37, () => {
    const [version, key] = [take(1), take(20)];
    return {
      address: addressOf(key, version),
      coins: take(8).readBigUInt64LE(0),
      hours: take(8).readBigUInt64LE(0),
    };
  });
  if (at !== b.length) throw fail('trailing bytes');
  return { txid: createHash('sha256').update(b).digest('hex'), inputs, outputs };
}

/** base58(key ‖ version ‖ first 4 bytes of sha256(key ‖ version)). */
function addressOf(key: Uint8Array, version: Uint8Array): string {
  const body = Buffer.concat([key, version]);
  return encodeBase58(Buffer.concat([body, createHash('sha256').update(body).digest().subarray(0, 4)]));
}

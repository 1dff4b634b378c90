import { TellerError } from '../util/errors';

/**
 * The HTTP layer's one table of error codes → status and teller's wire text. Handlers throw an
 * HttpError; the final error handler (middleware/text-error.ts) renders it as Go's `http.Error`
 * would: the text plus a newline, `text/plain; charset=utf-8`, nosniff.
 */

interface ErrorEntry {
  status: number;
  /** The body without the trailing newline; a function for texts that carry a detail. */
  text: string | ((detail: string) => string);
  /** Written without the trailing newline (Go writes these bodies by hand, not via http.Error). */
  raw?: true;
}

const HTTP_ERRORS = {
  // Go's server and mux.
  malformed_request: { status: 400, text: '400 Bad Request', raw: true },
  bad_request: { status: 400, text: 'Bad Request' },
  page_not_found: { status: 404, text: '404 page not found' },
  method_not_allowed: { status: 405, text: 'Method Not Allowed' },
  body_too_large: { status: 413, text: 'Request body too large' },
  internal: { status: 500, text: 'Internal Server Error' },
  // Public API (teller/http.go, unrolled/secure, tollbooth).
  bad_host: { status: 500, text: 'Bad Host' },
  throttled: { status: 429, text: 'You have reached maximum request limit.', raw: true },
  invalid_method: { status: 405, text: 'Invalid request method' },
  invalid_content_type: { status: 415, text: 'Invalid content type' },
  invalid_json: {
    status: 400,
    text: (d: string) => (d ? `Invalid json request body: ${d}` : 'Invalid json request body'),
  },
  missing_skyaddr: { status: 400, text: 'Missing skyaddr' },
  missing_coin_type: { status: 400, text: 'Missing coin_type' },
  invalid_coin_type: { status: 400, text: 'Invalid coin_type' },
  coin_not_enabled: { status: 400, text: (coin: string) => `${coin} not enabled` },
  invalid_skycoin_address: { status: 400, text: (reason: string) => `Invalid skycoin address: ${reason}` },
  // Beyond teller: ETH and ERC-20 payouts go to a 0x address, and the error says so.
  invalid_evm_payout_address: {
    status: 400,
    text: (detail: string) => `Invalid Ethereum address: ${detail}`,
  },
  bind_disabled: { status: 403, text: 'Address binding is disabled' },
  // Beyond teller: a market rate's guard tripped (no fresh price, sources apart, a sharp move).
  rate_paused: { status: 503, text: (reason: string) => `Address binding is paused: ${reason}` },
  max_bound: {
    status: 500,
    text: 'The maximum number of addresses have been assigned to this SKY address',
  },
  pool_empty: { status: 500, text: 'Deposit address pool is empty' },
  // Admin and dummy listeners (middleware/local-only.ts).
  host_not_allowed: {
    status: 403,
    text: (key: string) => `Forbidden: Host not allowed (loopback only, or list it in ${key})`,
  },
  cross_site: { status: 403, text: 'Forbidden: cross-site request' },
  json_body_required: { status: 415, text: 'Unsupported Media Type: the body must be application/json' },
  // Admin API.
  unauthorized: { status: 401, text: 'Unauthorized' },
  invalid_status: { status: 400, text: 'Invalid status' },
  deposit_not_found: { status: 404, text: 'Deposit not found' },
  not_retryable: { status: 409, text: (message: string) => message },
  backup_failed: { status: 500, text: (message: string) => message },
  // Dummy API.
  invalid_coin: { status: 400, text: 'invalid coin' },
  addr_required: { status: 400, text: 'addr required' },
  invalid_addr: { status: 400, text: 'invalid addr' },
  value_required: { status: 400, text: 'value required' },
  invalid_value: { status: 400, text: 'invalid value' },
  height_required: { status: 400, text: 'height required' },
  invalid_height: { status: 400, text: 'invalid height' },
  tx_required: { status: 400, text: 'tx required' },
  invalid_n: { status: 400, text: 'invalid n' },
  n_too_large: { status: 400, text: 'n too large' },
  channel_full: { status: 503, text: 'deposits channel is full' },
  txid_or_seq_required: { status: 400, text: 'txid or seq required' },
  invalid_seq: { status: 400, text: 'invalid seq' },
  txn_not_found: { status: 404, text: 'txn not found' },
  coins_required: { status: 400, text: 'coins required' },
  invalid_coins: { status: 400, text: 'invalid coins' },
  mode_required: { status: 400, text: 'mode required' },
  invalid_mode: { status: 400, text: 'invalid mode: permanent or off' },
} satisfies Record<string, ErrorEntry>;

export type HttpErrorCode = keyof typeof HTTP_ERRORS;

/** An error response decided by the HTTP layer; `headers` go out with it (e.g. `Allow`). */
export class HttpError extends TellerError<HttpErrorCode> {
  readonly status: number;
  readonly body: string;

  constructor(
    code: HttpErrorCode,
    detail = '',
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    const entry: ErrorEntry = HTTP_ERRORS[code];
    const text = typeof entry.text === 'function' ? entry.text(detail) : entry.text;
    super(code, text);
    this.status = entry.status;
    this.body = entry.raw ? text : `${text}\n`;
  }
}

/** A client error raised by express or one of its helpers (body readers, send, URI decoding). */
function clientErrorStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status: unknown = Reflect.get(err, 'status') ?? Reflect.get(err, 'statusCode');
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/**
 * What a request that failed with `err` gets: HttpErrors as tabled; express's own client errors
 * as a 400 (413 for a body limit); anything else a 500 that the caller must log (`expected` false).
 */
export function toHttpError(err: unknown): { error: HttpError; expected: boolean } {
  if (err instanceof HttpError) return { error: err, expected: true };
  const status = clientErrorStatus(err);
  if (status !== undefined)
    return { error: new HttpError(status === 413 ? 'body_too_large' : 'bad_request'), expected: true };
  return { error: new HttpError('internal'), expected: false };
}

/**
 * Maps a service's TellerError to the HTTP error its route documents (`codes`: service code →
 * table code); any other error is returned unchanged and ends as a logged 500.
 */
export function fromServiceError(
  err: unknown,
  codes: Readonly<Partial<Record<string, HttpErrorCode>>>,
): unknown {
  if (!(err instanceof TellerError) || err instanceof HttpError) return err;
  const code = codes[err.code];
  return code === undefined ? err : new HttpError(code, err.message);
}

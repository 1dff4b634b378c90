import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { limitConnections, type ConnectionLimitOptions } from './connection-limit';

/**
 * Listeners for the three apps, with teller's server timeouts and a graceful close. Addresses are
 * teller's `host:port` strings (`:7071` = every interface, `[::1]:7071`, port 0 = ephemeral).
 */

/** Go ReadTimeout: the whole request (headers and body) must arrive within this. */
const READ_TIMEOUT_MS = 10_000;
/** Go WriteTimeout, approximated by Node's per-socket inactivity timeout while a request runs. */
const WRITE_TIMEOUT_MS = 60_000;
/**
 * How long a keep-alive connection may wait for its next request (teller: Go's 120 s). Shorter, so
 * that idle sockets do not pile up towards the file limit (see connection-limit.ts for the cap).
 */
const IDLE_TIMEOUT_MS = 15_000;
/** teller's graceful shutdown limit: in-flight requests get this long, then sockets are cut. */
const SHUTDOWN_TIMEOUT_MS = 5_000;
/** Go's DefaultMaxHeaderBytes (1 MB): Node's own 16 KB limit would cut long query strings. */
const MAX_HEADER_BYTES = 1 << 20;
/** How often Node checks request/header timeouts (its default of 30 s would blur READ_TIMEOUT_MS). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export interface RunningServer {
  /** The bound address; `port` is the real one when 0 was asked for. */
  address: { host: string; port: number };
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), then cuts the rest. */
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Serve HTTPS with these PEM files (web.tls_cert / web.tls_key). */
  tls?: { cert: string; key: string };
  shutdownTimeoutMs?: number;
  /** Cap on open connections (web.max_connections), with what to do when it bites. */
  limit?: ConnectionLimitOptions;
}

/** net.SplitHostPort for a listen address; '' host = all interfaces. */
export function parseListenAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) throw new Error(`invalid listen address "${addr}" (want host:port)`);
  return { host: m[1] ?? m[2] ?? '', port };
}

type Listener = http.RequestListener<typeof http.IncomingMessage, typeof http.ServerResponse>;

export async function startServer(
  app: Listener,
  addr: string,
  opts: ServerOptions = {},
): Promise<RunningServer> {
  const { host, port } = parseListenAddr(addr);
  const base: http.ServerOptions = {
    requestTimeout: READ_TIMEOUT_MS,
    headersTimeout: READ_TIMEOUT_MS,
    keepAliveTimeout: IDLE_TIMEOUT_MS,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    maxHeaderSize: MAX_HEADER_BYTES,
  };
  const server: http.Server = opts.tls
    ? https.createServer({ ...base, cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key) }, app)
    : http.createServer(base, app);
  server.setTimeout(WRITE_TIMEOUT_MS);
  server.keepAliveTimeout = IDLE_TIMEOUT_MS;
  if (opts.limit) limitConnections(server, opts.limit);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: host === '' ? undefined : host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS;
  let closing: Promise<void> | undefined;

  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      // Keep-alive connections go as soon as their request is done; the rest are cut at the deadline.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const deadline = setTimeout(() => server.closeAllConnections(), shutdownTimeoutMs);
      server.close((err) => {
        clearInterval(sweep);
        clearTimeout(deadline);
        if (err) reject(err);
        else resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  return { address: { host: bound.address, port: bound.port }, close };
}

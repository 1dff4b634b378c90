import type http from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../util/logger';

/**
 * A cap on a listener's open connections that idle clients cannot use to lock others out: at the
 * cap, a new connection takes the place of the connection idle the longest (a keep-alive one
 * between requests, or one that has sent no complete request for a while); only when every
 * connection has a request in flight is the new one refused. Without this, a client holding
 * ~1,000 idle keep-alive sockets exhausts the process's file descriptors and every new client
 * hangs, with nothing logged.
 */

/** A connection that has not completed a request this long after connecting counts as idle. */
export const NEW_CONNECTION_GRACE_MS = 2_000;

export interface ConnectionLimitOptions {
  max: number;
  /** A connection was refused: every one of the `max` has a request in flight. */
  onRefused(): void;
  /** An idle connection was closed to make room for a new one. */
  onEvicted?(): void;
  /** For tests. */
  now?: () => number;
}

interface Tracked {
  connectedAt: number;
  /** When its last request finished (0: none yet). */
  lastDoneAt: number;
  inFlight: number;
}

export function limitConnections(server: http.Server, opts: ConnectionLimitOptions): void {
  const now = opts.now ?? Date.now;
  const open = new Map<Socket, Tracked>();

  /** The idle connection to close first: the one whose last activity is oldest. */
  const idlest = (): Socket | undefined => {
    let best: Socket | undefined;
    let bestAt = Infinity;
    const t = now();
    for (const [socket, c] of open) {
      if (c.inFlight > 0 || socket.destroyed) continue;
      const idleSince = c.lastDoneAt > 0 ? c.lastDoneAt : c.connectedAt;
      if (c.lastDoneAt === 0 && t - c.connectedAt < NEW_CONNECTION_GRACE_MS) continue;
      if (idleSince < bestAt) {
        best = socket;
        bestAt = idleSince;
      }
    }
    return best;
  };

  const onSocket = (socket: Socket): void => {
    if (open.size >= opts.max) {
      const victim = idlest();
      if (victim === undefined) {
        socket.destroy();
        opts.onRefused();
        return;
      }
      open.delete(victim);
      victim.destroy();
      opts.onEvicted?.();
    }
    open.set(socket, { connectedAt: now(), lastDoneAt: 0, inFlight: 0 });
    socket.once('close', () => open.delete(socket));
  };
  // Over TLS the HTTP requests arrive on the TLS socket: track that one, once the handshake is done.
  const tls = 'setSecureContext' in server;
  server.on(tls ? 'secureConnection' : 'connection', onSocket);

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const c = open.get(req.socket);
    if (c === undefined) return;
    c.inFlight++;
    res.once('close', () => {
      c.inFlight--;
      c.lastDoneAt = now();
    });
  });
}

/** At most one warning per listener this often; the counts in between go into the next one. */
export const LIMIT_WARN_INTERVAL_MS = 10_000;

/**
 * The cap for listener `listener`: every refusal and eviction counted (`count`, the metric), and a
 * warning at most every LIMIT_WARN_INTERVAL_MS with how many there were since the last one.
 */
export function reportedLimit(o: {
  listener: string;
  max: number;
  log: Pick<Logger, 'warn'>;
  count: (action: 'refused' | 'evicted') => void;
  now?: () => number;
}): ConnectionLimitOptions {
  const now = o.now ?? Date.now;
  let lastWarnAt = -Infinity;
  const since = { refused: 0, evicted: 0 };
  const note = (action: 'refused' | 'evicted'): void => {
    o.count(action);
    since[action]++;
    const t = now();
    if (t - lastWarnAt < LIMIT_WARN_INTERVAL_MS) return;
    lastWarnAt = t;
    o.log.warn(
      { listener: o.listener, max: o.max, refused: since.refused, idleClosed: since.evicted },
      'connection limit reached (web.max_connections): connections refused or idle ones closed',
    );
    since.refused = 0;
    since.evicted = 0;
  };
  return { max: o.max, onRefused: () => note('refused'), onEvicted: () => note('evicted'), now };
}

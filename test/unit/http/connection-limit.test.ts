import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import {
  LIMIT_WARN_INTERVAL_MS,
  NEW_CONNECTION_GRACE_MS,
  limitConnections,
  reportedLimit,
} from '../../../src/http/connection-limit';

/**
 * The per-listener connection cap on a real server: which connection makes room (the one idle the
 * longest; never one with a request in flight; a fresh one only after its grace period), when a
 * connection is refused, and the rate-limited warning.
 */

let server: http.Server;
const sockets: net.Socket[] = [];
let clock = 1_000_000;
const events: string[] = [];
/** Requests held open until released. */
const held: http.ServerResponse[] = [];

async function start(max: number): Promise<number> {
  server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    if (req.url === '/hold') held.push(res);
    else res.end('ok');
  });
  limitConnections(server, {
    max,
    now: () => clock,
    onRefused: () => events.push('refused'),
    onEvicted: () => events.push('evicted'),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  for (const r of held.splice(0)) r.end();
  for (const s of sockets.splice(0)) s.destroy();
  events.length = 0;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A connection; with `path`, one request sent on it (its answer awaited unless it is held). */
function connect(port: number, path?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    sockets.push(s);
    s.setEncoding('utf8');
    s.once('error', reject);
    s.once('connect', () => {
      if (path === undefined) return resolve(s);
      s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      if (path === '/hold') {
        const wait = setInterval(() => {
          if (held.length > 0 && held.at(-1)?.req.socket.remotePort === s.localPort) {
            clearInterval(wait);
            resolve(s);
          }
        }, 5);
      } else s.once('data', () => resolve(s));
    });
  });
}

const closed = (s: net.Socket): Promise<void> =>
  new Promise((resolve) => (s.destroyed || s.readyState === 'closed' ? resolve() : s.once('close', resolve)));

describe('limitConnections', () => {
  it('at the cap, the connection idle the longest makes room', async () => {
    const port = await start(3);
    const first = await connect(port, '/');
    clock += 10;
    const second = await connect(port, '/');
    clock += 10;
    const third = await connect(port, '/');
    const fourth = await connect(port, '/');
    await closed(first);
    expect(events).toEqual(['evicted']);
    expect([second, third, fourth].map((s) => s.readyState)).toEqual(['open', 'open', 'open']);
  });

  it('never closes a connection with a request in flight; refuses when all are busy', async () => {
    const port = await start(2);
    await connect(port, '/hold');
    await connect(port, '/hold');
    const refused = await connect(port);
    await closed(refused);
    expect(events).toEqual(['refused']);
    expect(held.every((r) => !r.socket?.destroyed)).toBe(true);
  });

  it('a connection that sent no request is idle only after its grace period', async () => {
    const port = await start(1);
    const silent = await connect(port);
    const early = await connect(port);
    await closed(early);
    expect(events).toEqual(['refused']);
    clock += NEW_CONNECTION_GRACE_MS;
    const late = await connect(port, '/');
    await closed(silent);
    expect(events).toEqual(['refused', 'evicted']);
    expect(late.readyState).toBe('open');
  });
});

describe('reportedLimit', () => {
  it('counts every event and warns at most once per interval, with the counts since the last warning', () => {
    let t = 0;
    const warnings: object[] = [];
    const counted: string[] = [];
    const limit = reportedLimit({
      listener: 'public',
      max: 7,
      log: { warn: (fields: object) => void warnings.push(fields) } as never,
      count: (action) => counted.push(action),
      now: () => t,
    });
    limit.onRefused();
    limit.onEvicted?.();
    limit.onEvicted?.();
    t += LIMIT_WARN_INTERVAL_MS - 1;
    limit.onRefused();
    t += 1;
    limit.onEvicted?.();
    expect(counted).toEqual(['refused', 'evicted', 'evicted', 'refused', 'evicted']);
    expect(warnings).toEqual([
      { listener: 'public', max: 7, refused: 1, idleClosed: 0 },
      { listener: 'public', max: 7, refused: 1, idleClosed: 3 },
    ]);
  });
});

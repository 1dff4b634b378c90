import net from 'node:net';
import { request, startDaemon, waitFor, type Daemon } from '../helpers/daemon';
import { DEADLINE_MS } from '../helpers/until';

/**
 * Connections (issue 15 item 5): a client holding ~1,000 idle keep-alive sockets against a daemon
 * under systemd's default file limit (1,024) must not lock out new clients; when every connection
 * of a listener is busy the new one is refused with a warning and a metric; a client that aborts
 * its request is logged without a stack.
 */

jest.setTimeout(90_000);

const ATTACK_SOCKETS = 1000;
const portOf = (url: string): number => Number(new URL(url).port);

/** The address the daemon logged for listener `name`. */
function listenerUrl(d: Daemon, name: string): string {
  for (const line of d.logs().split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; listener?: string; address?: string };
    if (entry.msg === 'listening' && entry.listener === name) return `http://${entry.address}`;
  }
  throw new Error(`no ${name} listener in the logs`);
}

/**
 * Opens a connection, sends one keep-alive GET and waits for its answer; the socket then stays
 * open and idle. Resolves to the socket, or undefined if the server cut it first.
 */
function idleKeepAlive(port: number): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    socket.setEncoding('utf8');
    socket.once('connect', () =>
      socket.write(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`),
    );
    socket.on('data', (s: string) => {
      got += s;
      if (/\r\n\r\n[\s\S]*\}$/.test(got)) resolve(socket);
    });
    socket.once('error', () => resolve(undefined));
    socket.once('close', () => resolve(undefined));
  });
}

/** A request that has started (headers sent, body promised) and is still in flight. */
function busyRequest(port: number, path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
          'Content-Length: 100\r\n\r\n{"sky',
        () => resolve(socket),
      );
    });
    socket.once('error', reject);
  });
}

const logLines = (d: Daemon): Record<string, unknown>[] =>
  d
    .logs()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const metric = async (d: Daemon, labels: string): Promise<number> => {
  const body = (await request(`${listenerUrl(d, 'metrics')}/metrics`)).body;
  const m = new RegExp(`^teller_http_connections_limited_total\\{${labels}\\} (\\d+)$`, 'm').exec(body);
  return m === null ? 0 : Number(m[1]);
};

describe('a client holding 1,000 idle keep-alive sockets (file limit 1,024)', () => {
  let d: Daemon;
  const held: net.Socket[] = [];
  beforeAll(async () => {
    d = await startDaemon({ metrics: { http_addr: '127.0.0.1:0' } }, { fileLimit: 1024 });
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    await d?.dispose();
  });

  it('does not lock out a new client, and says so in the log and the metrics', async () => {
    const port = portOf(d.publicUrl);
    for (let i = 0; i < ATTACK_SOCKETS; i += 100) {
      const batch = await Promise.all(Array.from({ length: 100 }, () => idleKeepAlive(port)));
      for (const s of batch) if (s !== undefined) held.push(s);
    }
    // A new client is served at once, on the public listener and on the others.
    const res = await request(`${d.publicUrl}/api/config`, { timeoutMs: 5_000 });
    expect(res.status).toBe(200);
    expect((await request(`${d.adminUrl}/api/deposits`, { timeoutMs: 5_000 })).status).toBe(200);
    // The daemon holds at most web.max_connections (default 256) of them; it closed the rest.
    await waitFor(
      async () => held.filter((s) => !s.destroyed && s.readyState === 'open').length,
      (open) => open <= 256,
      DEADLINE_MS,
      'the idle sockets beyond the cap closed',
    );
    await waitFor(
      async () => logLines(d).filter((l) => l.level === 40 && l.listener === 'public'),
      (lines) => lines.length > 0 && lines.every((l) => String(l.msg).startsWith('connection limit reached')),
      DEADLINE_MS,
      'a connection-limit warning',
    );
    expect(await metric(d, 'listener="public",action="evicted"')).toBeGreaterThan(0);
    // Rate-limited: one warning for hundreds of closed connections.
    expect(logLines(d).filter((l) => l.level === 40 && l.listener === 'public').length).toBeLessThan(5);
  });
});

it('closes a keep-alive connection idle for 15 s (teller: 120 s)', async () => {
  const d = await startDaemon();
  try {
    const socket = await idleKeepAlive(portOf(d.publicUrl));
    if (socket === undefined) throw new Error('the keep-alive connection was cut at once');
    const idleFrom = Date.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('still open after 30 s')), 30_000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(Date.now() - idleFrom);
      });
    });
    expect(closedAfter).toBeGreaterThanOrEqual(14_000);
    expect(closedAfter).toBeLessThan(20_000);
  } finally {
    await d.dispose();
  }
});

describe('a listener whose connections are all busy', () => {
  let d: Daemon;
  const busy: net.Socket[] = [];
  beforeAll(async () => {
    d = await startDaemon({ web: { max_connections: 5 }, metrics: { http_addr: '127.0.0.1:0' } });
  });
  afterAll(async () => {
    for (const s of busy) s.destroy();
    await d?.dispose();
  });

  it('refuses the next connection with a warning and a metric; other listeners still answer', async () => {
    const port = portOf(d.publicUrl);
    for (let i = 0; i < 5; i++) busy.push(await busyRequest(port, '/api/bind'));
    await expect(request(`${d.publicUrl}/api/config`, { timeoutMs: 5_000 })).rejects.toThrow(
      /ECONNRESET|socket hang up/,
    );
    await waitFor(
      async () => logLines(d).find((l) => l.level === 40 && l.listener === 'public'),
      (l) => l !== undefined && l.refused === 1 && l.max === 5,
      DEADLINE_MS,
      'the refusal warning',
    );
    expect(await metric(d, 'listener="public",action="refused"')).toBe(1);
    expect((await request(`${d.adminUrl}/api/deposits`)).status).toBe(200);
    // Once a busy one ends, there is room again.
    busy.pop()?.destroy();
    await waitFor(
      () => request(`${d.publicUrl}/api/config`, { timeoutMs: 5_000 }).catch(() => undefined),
      (r) => r?.status === 200,
      DEADLINE_MS,
      'room on the public listener',
    );
  });

  it('a client aborting its request is logged at info, without a stack', async () => {
    const routes: [string, string][] = [
      [d.adminUrl, '/api/recheck'],
      [d.dummyUrl, '/dummy/scanner/deposit'],
      [d.adminUrl, '/api/deposits/x:0/approve'],
    ];
    for (const [url, path] of routes) (await busyRequest(portOf(url), path)).destroy();
    for (const s of busy.splice(0)) s.destroy(); // the public /api/bind ones too
    await waitFor(
      async () => logLines(d).filter((l) => l.aborted === true),
      (lines) => lines.length >= routes.length + 4,
      DEADLINE_MS,
      'the aborted requests in the request log',
    );
    const aborted = logLines(d).filter((l) => l.aborted === true);
    expect(aborted.every((l) => l.level === 30)).toBe(true);
    const errors = logLines(d).filter((l) => Number(l.level) >= 50);
    expect(errors).toEqual([]);
    expect(d.logs()).not.toContain('"stack"');
  });
});

import net from 'node:net';

/**
 * A loopback TCP proxy between the daemon and a node, for tests of a node that goes away: `close()`
 * refuses new connections and cuts open ones (the node is "down"), `open()` listens again on the
 * same port. `delayMs` holds every chunk from the node that long (a slow node: a catch-up that
 * lasts long enough to be interrupted). `calls(method)` counts the JSON-RPC requests naming `method`
 * that went through: a scanner poll starts with one tip request, so a test can wait for whole polls.
 */
export interface TcpProxy {
  /** "127.0.0.1:<port>". */
  address: string;
  port: number;
  delayMs: number;
  calls(method: string): number;
  open(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  let server: net.Server | null = null;
  let port = 0;
  const counts = new Map<string, number>();
  const count = (chunk: Buffer): void => {
    for (const m of chunk.toString('latin1').matchAll(/"method"\s*:\s*"([^"]+)"/g)) {
      counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
    }
  };
  const proxy: TcpProxy = {
    address: '',
    port: 0,
    delayMs: 0,
    calls: (method) => counts.get(method) ?? 0,
    open: async () => {
      if (server) return;
      const srv = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        track(client);
        track(upstream);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.on('data', (c: Buffer) => {
          count(c);
          upstream.write(c);
        });
        upstream.on('data', (c: Buffer) => {
          if (proxy.delayMs <= 0) client.write(c);
          else setTimeout(() => client.destroyed || client.write(c), proxy.delayMs);
        });
      });
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, '127.0.0.1', () => resolve());
      });
      const addr = srv.address();
      port = typeof addr === 'object' && addr ? addr.port : 0;
      proxy.port = port;
      proxy.address = `127.0.0.1:${port}`;
      server = srv;
    },
    close: async () => {
      const srv = server;
      server = null;
      if (!srv) return;
      const closed = new Promise<void>((r) => srv.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
  await proxy.open();
  return proxy;
}

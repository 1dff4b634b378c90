import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SynthBlock } from './btc-block';

/**
 * A Bitcoin node for the scan benchmark: a local HTTP server answering the JSON-RPC calls the
 * scanner makes (`getblockhash`, batched or not; `getblock <hash> 0|2`) from memory, with the reply
 * bytes a node sends, so the scanner's own HTTP client and reply decoding are what is measured.
 */

interface Call {
  id?: unknown;
  method?: string;
  params?: unknown[];
}

export interface BtcNode {
  url: string;
  close(): Promise<void>;
  /** POSTs a JSON-RPC call and returns the reply bytes (the baselines' own minimal client). */
  post(method: string, params: unknown[]): Promise<Buffer>;
}

export async function startBtcNode(blocks: readonly SynthBlock[]): Promise<BtcNode> {
  const byHeight = new Map(blocks.map((b) => [b.height, b.hash]));
  const raw = new Map(blocks.map((b) => [b.hash, Buffer.from(b.rawReply)]));
  const verbose = new Map(blocks.map((b) => [b.hash, Buffer.from(b.verboseReply)]));
  const answer = (c: Call): { result: unknown; error: unknown; id: unknown } => {
    const [first] = c.params ?? [];
    const hash = c.method === 'getblockhash' ? byHeight.get(Number(first)) : undefined;
    return hash === undefined
      ? { result: null, error: { code: -32601, message: `unexpected ${c.method}` }, id: c.id ?? null }
      : { result: hash, error: null, id: c.id ?? null };
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Call | Call[];
      let body: Buffer | undefined;
      if (Array.isArray(call)) {
        body = Buffer.from(JSON.stringify(call.map(answer)));
      } else if (call.method === 'getblock') {
        const [hash, verbosity] = call.params ?? [];
        // The stored replies carry id 1; the client does not check a single call's id.
        body = (verbosity === 0 ? raw : verbose).get(String(hash));
      } else {
        body = Buffer.from(JSON.stringify(answer(call)));
      }
      if (body === undefined) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ result: null, error: { code: -5, message: 'Block not found' }, id: null }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true });
  return {
    url: `127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    post: (method, params) =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(JSON.stringify({ jsonrpc: '1.0', id: 1, method, params }));
      }),
  };
}

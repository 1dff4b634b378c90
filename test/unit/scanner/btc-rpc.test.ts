import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BtcRpcAuthError,
  BtcRpcClient,
  BtcRpcConfigError,
  BtcRpcUnavailableError,
  RpcError,
  btcRpcUrl,
  type BtcRpcOptions,
} from '../../../src/chains/bitcoin/rpc';
import { TEST_TLS, closedPort, err, mockNode, ok, type MockNode } from './mock-rpc';

const HASH = 'ab'.repeat(32);
const basic = (pair: string) => 'Basic ' + Buffer.from(pair).toString('base64');

describe('btcRpcUrl', () => {
  it.each([
    ['127.0.0.1:8332', '', 'http://127.0.0.1:8332/'],
    ['127.0.0.1:8334', '/etc/btcd/rpc.cert', 'https://127.0.0.1:8334/'],
    ['http://node:8332', '', 'http://node:8332/'],
    ['https://node:443/wallet/hot', '', 'https://node/wallet/hot'],
  ])('%s (cert %j) -> %s', (server, cert, url) => {
    expect(btcRpcUrl(server, cert).href).toBe(url);
  });

  it.each([['ftp://node:21'], ['a b:c']])('rejects %s', (server) => {
    expect(() => btcRpcUrl(server, '')).toThrow(BtcRpcConfigError);
  });
});

describe('BtcRpcClient', () => {
  let node: MockNode;
  const clients: BtcRpcClient[] = [];
  const client = (over: Partial<BtcRpcOptions> = {}) => {
    const c = new BtcRpcClient({
      server: node.server,
      user: 'u',
      pass: 'p',
      cert: '',
      timeoutMs: 2_000,
      ...over,
    });
    clients.push(c);
    return c;
  };
  let tmp: string;

  beforeEach(async () => {
    node = await mockNode((body) => ({ body: ok(body, 42) }));
    tmp = mkdtempSync(path.join(os.tmpdir(), 'teller-rpc-'));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await node.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('sends authenticated JSON-RPC and returns the result', async () => {
    expect(await client().getBlockCount()).toBe(42);
    expect(node.requests[0]).toMatchObject({
      auth: basic('u:p'),
      body: { method: 'getblockcount', params: [] },
    });
  });

  it("turns bcoin's HTTP 200 error object into an RpcError, and -8 into null for getblockhash", async () => {
    node.respond = (body) => ({ body: err(body, -8, 'Block height out of range.') });
    const e = await client()
      .call('getblockhash', [999])
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RpcError);
    expect(e).toMatchObject({
      rpcCode: -8,
      retryable: false,
      message: 'btc rpc getblockhash: Block height out of range. (code -8)',
    });
    expect(await client().getBlockHash(999)).toBeNull();
  });

  it("reads Core's HTTP 500/404 error bodies as RpcErrors, without retrying", async () => {
    node.respond = (body) => ({ status: 500, body: err(body, -5, 'Block not found') });
    await expect(client().getBlockHex(HASH)).rejects.toMatchObject({ rpcCode: -5 });
    node.respond = (body) => ({ status: 404, body: err(body, -32601, 'Method not found') });
    await expect(client().call('nosuch')).rejects.toMatchObject({ rpcCode: -32601 });
    expect(node.requests).toHaveLength(2);
  });

  it('says "wrong btc_rpc credentials" on 401 and does not retry', async () => {
    node.respond = () => ({ status: 401, body: '' });
    await expect(client().getBlockCount()).rejects.toThrow(BtcRpcAuthError);
    await expect(client().getBlockCount()).rejects.toThrow(
      /^wrong btc_rpc credentials: http:\/\/127\.0\.0\.1:\d+\/ answered HTTP 401/,
    );
    expect(node.requests).toHaveLength(2);
  });

  it('retries a 5xx that is not JSON-RPC, then succeeds', async () => {
    let n = 0;
    node.respond = (body) => (++n < 3 ? { status: 503, body: '<html>busy</html>' } : { body: ok(body, 7) });
    expect(await client().getBlockCount()).toBe(7);
    expect(node.requests).toHaveLength(3);
  });

  it('gives up on a refused connection after its attempts with a retryable error', async () => {
    const port = await closedPort();
    const e = await client({ server: `127.0.0.1:${port}`, attempts: 2 })
      .getBlockCount()
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BtcRpcUnavailableError);
    expect(e).toMatchObject({ retryable: true, message: expect.stringContaining('ECONNREFUSED') });
  });

  it('times out a silent node', async () => {
    node.respond = (body) => ({ body: ok(body, 1), delayMs: 500 });
    const e = await client({ timeoutMs: 100, attempts: 1 })
      .getBlockCount()
      .catch((x: unknown) => x);
    expect(e).toMatchObject({
      retryable: true,
      message: expect.stringMatching(/no answer from .* within 100 ms/),
    });
  });

  it('batches getblockhash over a range, in order whatever the reply order', async () => {
    node.respond = (body) => ({
      body: (body as { id: number; params: number[] }[])
        .map((c) => ok(c, c.params[0].toString(16).padStart(64, '0')))
        .reverse(),
    });
    const hashes = await client().getBlockHashes(10, 14);
    expect(hashes).toEqual([10, 11, 12, 13, 14].map((h) => h.toString(16).padStart(64, '0')));
    expect(node.requests).toHaveLength(1);
    node.respond = (body) => ({
      body: (body as { id: number; params: number[] }[]).map((c) =>
        c.params[0] > 12 ? err(c, -8, 'Block height out of range.') : ok(c, HASH),
      ),
    });
    await expect(client().getBlockHashes(10, 14)).rejects.toMatchObject({ rpcCode: -8 });
  });

  it('getBlockHex finds the hex result whatever the key order or spacing, and reads error and shape', async () => {
    const hex = '0100000000ff7a';
    const id = (body: unknown) => (body as { id: number }).id;
    const replies: ((body: unknown) => unknown)[] = [
      (body) => ok(body, hex), // id, result, error
      (body) => `{"result":"${hex}","error":null,"id":${id(body)}}`, // Core's order
      (body) => `{ "result" : "${hex}", "id": ${id(body)} }`, // the ordinary JSON path
    ];
    for (const reply of replies) {
      node.respond = (body) => ({ body: reply(body) });
      const span = await client().getBlockHex(HASH);
      expect(Buffer.from(span.text.subarray(span.start, span.end)).toString()).toBe(hex);
    }
    node.respond = (body) => ({
      body: `{"result":"","error":{"code":-5,"message":"Block not found"},"id":${id(body)}}`,
    });
    await expect(client().getBlockHex(HASH)).rejects.toMatchObject({ rpcCode: -5 });
    node.respond = (body) => ({ body: ok(body, 42) });
    await expect(client().getBlockHex(HASH)).rejects.toThrow('btc rpc getblock: unexpected result 42');
  });

  it('rejects results of the wrong shape', async () => {
    node.respond = (body) => ({ body: ok(body, 'not a number') });
    await expect(client().getBlockCount()).rejects.toThrow(/unexpected result "not a number"/);
  });

  it('reads a cookie file named by user (empty pass) and re-reads it after a 401', async () => {
    const cookie = path.join(tmp, '.cookie');
    writeFileSync(cookie, '__cookie__:first\n');
    node.respond = (body, req) =>
      req.auth === basic('__cookie__:second') ? { body: ok(body, 5) } : { status: 401, body: '' };
    const c = client({ user: cookie, pass: '' });
    writeFileSync(cookie, '__cookie__:second'); // the node restarted and wrote a new cookie
    expect(await c.getBlockCount()).toBe(5);
    expect(node.requests.map((r) => r.auth)).toEqual([basic('__cookie__:first'), basic('__cookie__:second')]);
  });

  it('speaks https with btc_rpc.cert as the trusted CA, and refuses an unknown certificate', async () => {
    const tlsNode = await mockNode((body) => ({ body: ok(body, 9) }), true);
    const ca = path.join(tmp, 'rpc.cert');
    writeFileSync(ca, TEST_TLS.cert);
    try {
      expect(await client({ server: tlsNode.server, cert: ca }).getBlockCount()).toBe(9);
      const e = await client({ server: `https://${tlsNode.server}`, attempts: 1 })
        .getBlockCount()
        .catch((x: unknown) => x);
      expect(e).toMatchObject({
        retryable: false,
        message: expect.stringMatching(/self-signed|certificate/i),
      });
    } finally {
      await tlsNode.close();
    }
  });

  it('fails clearly on an unreadable cert file', () => {
    expect(() => client({ cert: path.join(tmp, 'missing.pem') })).toThrow(
      /btc_rpc.cert .*missing.pem: .*ENOENT/,
    );
  });
});

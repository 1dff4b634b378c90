import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  EthChainError,
  EthRpcError,
  checkChain,
  classifyEthError,
  ethRpcUrl,
  makeEthProvider,
  redactRpcUrl,
  withRetry,
  type EthRpcClient,
} from '../../../src/chains/ethereum/provider';
import { TellerError } from '../../../src/util/errors';

describe('ethRpcUrl', () => {
  const valid: [string, string, string][] = [
    ['127.0.0.1', '8545', 'http://127.0.0.1:8545'],
    ['localhost', '8545', 'http://localhost:8545'],
    ['geth.internal', '', 'http://geth.internal'],
    ['::1', '8545', 'http://[::1]:8545'],
    ['[::1]', '8545', 'http://[::1]:8545'],
    ['localhost:8545', '', 'http://localhost:8545'],
    [' node ', ' 8545 ', 'http://node:8545'],
    ['http://10.0.0.2:8545', '9999', 'http://10.0.0.2:8545'],
    ['https://mainnet.infura.io/v3/abc', '', 'https://mainnet.infura.io/v3/abc'],
    ['HTTPS://node.example/rpc', '443', 'HTTPS://node.example/rpc'],
    ['ws://127.0.0.1:8546', '', 'ws://127.0.0.1:8546'],
    ['wss://node.example/ws', '', 'wss://node.example/ws'],
  ];
  it.each(valid)('server %j port %j -> %s', (server, port, url) => {
    expect(ethRpcUrl({ server, port })).toBe(url);
  });

  it('rejects other schemes', () => {
    expect(() => ethRpcUrl({ server: 'ipc:///tmp/geth.ipc', port: '' })).toThrow(
      /only http, https, ws and wss/,
    );
  });
});

describe('redactRpcUrl', () => {
  it.each([
    ['http://127.0.0.1:8545', 'http://127.0.0.1:8545'],
    ['http://127.0.0.1:8545/', 'http://127.0.0.1:8545'],
    ['https://mainnet.infura.io/v3/SECRETKEY', 'https://mainnet.infura.io/…'],
    ['https://user:pass@node.example:8545', 'https://node.example:8545'],
    ['not a url', '<invalid url>'],
  ])('%s -> %s', (url, shown) => expect(redactRpcUrl(url)).toBe(shown));
});

/** Errors shaped as ethers 6.17 throws them (checked against a live server below). */
const ethersError = (code: string, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(`${code} (details)`), { code, ...extra });
const httpError = (status: string, body = ''): Error =>
  ethersError('SERVER_ERROR', {
    shortMessage: 'server response',
    info: { responseStatus: status, responseBody: body },
  });
const rpcError = (code: number, message: string): Error =>
  ethersError('UNKNOWN_ERROR', { shortMessage: 'could not coalesce error', error: { code, message } });

describe('classifyEthError', () => {
  const table: [string, unknown, boolean, RegExp][] = [
    ['connection refused', ethersError('ECONNREFUSED'), true, /ECONNREFUSED/],
    ['connection reset', ethersError('ECONNRESET'), true, /ECONNRESET/],
    ['dns hiccup', ethersError('EAI_AGAIN'), true, /EAI_AGAIN/],
    ['ethers timeout', ethersError('TIMEOUT', { shortMessage: 'request timeout' }), true, /request timeout/],
    ['HTTP 500', httpError('500 Internal Server Error', 'boom'), true, /HTTP 500: boom/],
    ['HTTP 502', httpError('502 Bad Gateway'), true, /HTTP 502$/],
    ['HTTP 503', httpError('503 Service Unavailable'), true, /HTTP 503/],
    [
      'HTTP 429 given up by ethers',
      httpError('599 CLIENT ESCALATED SERVER ERROR (429 Too Many Requests; …)'),
      true,
      /HTTP 429/,
    ],
    ['HTTP 401', httpError('401 Unauthorized'), false, /HTTP 401/],
    ['HTTP 404', httpError('404 Not Found'), false, /HTTP 404/],
    ['rpc 429', rpcError(429, 'Too Many Requests'), true, /Too Many Requests \(code 429\)/],
    [
      'rpc -32005 limit',
      rpcError(-32005, 'daily request count exceeded, request rate limited'),
      true,
      /-32005/,
    ],
    ['rpc internal error', rpcError(-32603, 'internal error'), true, /internal error/],
    ['rpc header not found', rpcError(-32000, 'header not found'), true, /header not found/],
    ['rpc method not found', rpcError(-32601, 'the method foo does not exist'), false, /-32601/],
    ['rpc invalid params', rpcError(-32602, 'invalid argument 0'), false, /invalid argument/],
    [
      'eth_call revert (info.error)',
      ethersError('CALL_EXCEPTION', { info: { error: { code: 3, message: 'execution reverted' } } }),
      false,
      /execution reverted/,
    ],
    [
      'bad JSON body',
      ethersError('UNSUPPORTED_OPERATION', { shortMessage: 'response body is not valid JSON' }),
      false,
      /not valid JSON/,
    ],
    ['plain error', new Error('weird'), false, /weird/],
    ['a string', 'weird', false, /weird/],
    ['retryable TellerError', new TellerError('x', 'later', true), true, /later/],
    ['permanent TellerError', new TellerError('x', 'never'), false, /never/],
  ];
  it.each(table)('%s', (_name, err, retryable, message) => {
    const e = classifyEthError(err, 'eth_blockNumber');
    expect(e).toBeInstanceOf(EthRpcError);
    expect(e.retryable).toBe(retryable);
    expect(e.code).toBe(retryable ? 'eth_rpc_unavailable' : 'eth_rpc_error');
    expect(e.message).toMatch(/^eth_rpc eth_blockNumber: /);
    expect(e.detail).toMatch(message);
  });

  it('keeps the JSON-RPC code', () => {
    expect(
      classifyEthError(rpcError(-32005, 'query returned more than 10000 results'), 'eth_getLogs').rpcCode,
    ).toBe(-32005);
  });
});

describe('makeEthProvider against a live HTTP server (real ethers errors)', () => {
  let mode = 'ok';
  let server: http.Server;
  let url = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (mode === 'hang') return;
        if (mode === 'reset') return req.socket.destroy();
        if (/^\d{3}$/.test(mode)) {
          res.statusCode = Number(mode);
          return res.end('nope');
        }
        const { id } = JSON.parse(body) as { id: number };
        res.setHeader('content-type', 'application/json');
        const reply =
          mode === 'rpc-missing'
            ? {
                jsonrpc: '2.0',
                id,
                error: { code: -32601, message: 'the method x does not exist/is not available' },
              }
            : { jsonrpc: '2.0', id, result: mode === 'chain-5' ? '0x5' : '0x539' };
        res.end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const outcome = async (m: string): Promise<EthRpcError | string> => {
    mode = m;
    const p = makeEthProvider({ url, chainId: 1337, timeoutMs: 300 });
    try {
      return String(await p.send('eth_blockNumber', []));
    } catch (err) {
      return classifyEthError(err, 'eth_blockNumber');
    } finally {
      p.destroy();
    }
  };

  it.each([
    ['503', true],
    ['500', true],
    ['429', true],
    ['401', false],
    ['hang', true],
    ['reset', true],
    ['rpc-missing', false],
  ])('%s -> retryable %s', async (m, retryable) => {
    const e = await outcome(m);
    expect(e).toBeInstanceOf(EthRpcError);
    expect((e as EthRpcError).retryable).toBe(retryable);
  });

  it('serves fresh answers (no call cache)', async () => {
    mode = 'ok';
    const p = makeEthProvider({ url, chainId: 0 });
    expect(await p.send('eth_chainId', [])).toBe('0x539');
    mode = 'chain-5';
    expect(await p.send('eth_chainId', [])).toBe('0x5');
    p.destroy();
  });

  it('checkChain: accepts the configured id or 0, rejects another with a clear message', async () => {
    mode = 'ok';
    const p = makeEthProvider({ url, chainId: 0 });
    await expect(checkChain(p, 1337, url)).resolves.toBe(1337);
    await expect(checkChain(p, 0, url)).resolves.toBe(1337);
    await expect(checkChain(p, 1, url)).rejects.toThrow(
      'eth_rpc: node reports chain id 1337, config eth_scanner.chain_id is 1',
    );
    p.destroy();
  });

  it('checkChain: an unreachable node says so, with the URL', async () => {
    const p = makeEthProvider({ url: 'http://127.0.0.1:1', chainId: 1 });
    const err = await checkChain(p, 1, 'http://127.0.0.1:1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EthChainError);
    expect((err as Error).message).toMatch(
      /^eth_rpc: cannot reach http:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/,
    );
    expect((err as EthChainError).retryable).toBe(true);
    p.destroy();
  });
});

describe('checkChain with odd answers', () => {
  const client = (result: unknown): EthRpcClient => ({ send: async () => result });
  it('rejects a non-hex chain id', async () => {
    await expect(checkChain(client(1337), 0)).rejects.toThrow(
      /eth_chainId returned 1337, not a hex quantity/,
    );
  });
});

describe('withRetry', () => {
  const transient = (): Error => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const fast = { baseDelayMs: 1, maxDelayMs: 2 };

  it('retries transient failures, then succeeds', async () => {
    let calls = 0;
    const retries: number[] = [];
    const result = await withRetry(
      async () => {
        if (++calls < 3) throw transient();
        return 'ok';
      },
      { ...fast, onRetry: (_e, attempt) => retries.push(attempt) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it('does not retry a permanent failure', async () => {
    let calls = 0;
    const err = new Error('invalid params');
    await expect(
      withRetry(async () => {
        calls++;
        throw err;
      }, fast),
    ).rejects.toBe(err);
    expect(calls).toBe(1);
  });

  it('gives up after `attempts`, throwing the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw transient();
        },
        { ...fast, attempts: 4 },
      ),
    ).rejects.toThrow('ECONNREFUSED');
    expect(calls).toBe(4);
  });

  it('stops waiting as soon as the signal aborts', async () => {
    const ac = new AbortController();
    const run = withRetry(
      async () => {
        throw transient();
      },
      { signal: ac.signal, baseDelayMs: 10_000, maxDelayMs: 10_000 },
    );
    setTimeout(() => ac.abort(new Error('shutting down')), 20);
    // Waiting instead would end with the transient error, not the abort's.
    await expect(run).rejects.toThrow('shutting down');
  });

  it('does not start when already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    let calls = 0;
    await expect(withRetry(async () => ++calls, { signal: ac.signal })).rejects.toBeDefined();
    expect(calls).toBe(0);
  });
});

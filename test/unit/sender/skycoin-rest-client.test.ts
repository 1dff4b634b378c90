import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SkycoinNodeError,
  SkycoinRestClient,
  decodeSkycoinTransaction,
  nodeMessage,
} from '../../../src/chains/skycoin/rest-client';
import { verifyCreatedTransaction } from '../../../src/sender/skycoin-sender';
import { InsufficientBalanceError, SenderError } from '../../../src/chains/errors';
import { encodeTransaction, skyAddress } from '../../helpers/fake-skycoin-node';

// Examples from skycoin's REST API README: POST /api/v1/wallet/transaction and GET /api/v1/rawtx.
const CREATED_EXAMPLE = {
  txid: '5f060918d2da468a784ff440fbba80674c829caca355a27ae067f465d0a5e43e',
  encoded:
    '010100000097dd062820314c46da0fc18c8c6c10bfab1d5da80c30adc79bbe72e90bfab11d010000006120acebfa61ba4d3970dec5665c3c952374f5d9bbf327674a0b240de62b202b319f61182e2a262b2ca5ef5a592084299504689db5448cd64c04b1f26eb01d9100010000007068bfd0f0f914ea3682d0e5cb3231b75cb9f0776bf9013d79b998d96c93ce2b0300000000ba2a4ac4a5ce4e03a82d2240ae3661419f7081b140420f0000000000ed5600000000000000ba2a4ac4a5ce4e03a82d2240ae3661419f7081b1302d8900000000006e0d0300000000000083874350e65e84aa6e06192408951d7aaac7809e10270000000000005c64030000000000',
};
const RAWTX_EXAMPLE = {
  txid: 'a6446654829a4a844add9f181949d12f8291fdd2c0fcb22200361e90e814e2d3',
  encoded:
    'b700000000075f255d42ddd2fb228fe488b8b468526810db7a144aeed1fd091e3fd404626e010000009b6fae9a70a42464dda089c943fafbf7bae8b8402e6bf4e4077553206eebc2ed4f7630bb1bd92505131cca5bf8bd82a44477ef53058e1995411bdbf1f5dfad1f00010000005287f390628909dd8c25fad0feb37859c0c1ddcf90da0c040c837c89fefd9191010000000010722f061aa262381dce35193d43eceb112373c300127a0000000000a303000000000000',
};
const DOC_DEST = '2Huip6Eizrq1uWYqfQEh4ymibLysJmXnWXS';

describe('decodeSkycoinTransaction', () => {
  it('decodes the README create-transaction example: txid, input and outputs', () => {
    const tx = decodeSkycoinTransaction(CREATED_EXAMPLE.encoded);
    expect(tx.txid).toBe(CREATED_EXAMPLE.txid);
    expect(tx.inputs).toEqual(['7068bfd0f0f914ea3682d0e5cb3231b75cb9f0776bf9013d79b998d96c93ce2b']);
    expect(tx.outputs).toEqual([
      { address: DOC_DEST, coins: 1_000_000n, hours: 22253n },
      { address: DOC_DEST, coins: 8_990_000n, hours: 200046n },
      { address: 'uvcDrKc8rHTjxLrU4mPN56Hyh2tR6RvCvw', coins: 10_000n, hours: 222300n },
    ]);
  });

  it('decodes the README rawtx example', () => {
    const tx = decodeSkycoinTransaction(RAWTX_EXAMPLE.encoded);
    expect(tx.txid).toBe(RAWTX_EXAMPLE.txid);
    expect(tx.outputs).toEqual([
      { address: '7cpQ7t3PZZXvjTst8G7Uvs7XH4LeM8fBPD', coins: 8_000_000n, hours: 931n },
    ]);
  });

  it('reads back what the fake node encodes', () => {
    const outs = [
      { address: skyAddress('a'), coins: 61_728_000n, hours: 7n },
      { address: skyAddress('b'), coins: 1n, hours: 2n ** 64n - 1n },
    ];
    const hex = encodeTransaction(1, outs);
    expect(decodeSkycoinTransaction(hex)).toEqual({
      txid: createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex'),
      inputs: [expect.stringMatching(/^[0-9a-f]{64}$/)],
      outputs: outs,
    });
  });

  it.each([
    ['not hex', 'zz'],
    ['odd length', 'abc'],
    ['truncated', RAWTX_EXAMPLE.encoded.slice(0, -2)],
    ['trailing bytes', RAWTX_EXAMPLE.encoded.replace(/^b7/, 'b8') + '00'],
    ['length field wrong', RAWTX_EXAMPLE.encoded.replace(/^b7/, 'b6')],
    ['absurd output count', encodeTransaction(1, []).replace(/00000000$/, 'ffffffff')],
  ])('refuses %s (permanent)', (_name, hex) => {
    expect(() => decodeSkycoinTransaction(hex)).toThrow(SenderError);
    expect(() => decodeSkycoinTransaction(hex)).toThrow(/^invalid Skycoin transaction/);
  });
});

describe('verifyCreatedTransaction on real node bytes', () => {
  it('finds two outputs to the README destination: teller refused those', () => {
    expect(() => verifyCreatedTransaction(CREATED_EXAMPLE, DOC_DEST, 1_000_000n)).toThrow(
      `CreateTransaction transaction has multiple outputs to address ${DOC_DEST}`,
    );
  });

  it('accepts one exact output, and refuses a txid that is not the hash of the bytes', () => {
    const dest = '7cpQ7t3PZZXvjTst8G7Uvs7XH4LeM8fBPD';
    expect(() => verifyCreatedTransaction(RAWTX_EXAMPLE, dest, 8_000_000n)).not.toThrow();
    expect(() =>
      verifyCreatedTransaction({ ...RAWTX_EXAMPLE, txid: CREATED_EXAMPLE.txid }, dest, 8_000_000n),
    ).toThrow(/is not the hash of its bytes/);
  });
});

describe('nodeMessage', () => {
  it.each([
    ['400 Bad Request - balance is not sufficient', 'balance is not sufficient'],
    ['400 Bad Request - Transaction has zero coinhour fee\n', 'Transaction has zero coinhour fee'],
    ['403 Forbidden - invalid CSRF token', 'invalid CSRF token'],
    ['404 Not Found', '404 Not Found'],
    ['{"error":{"message":"Invalid checksum","code":422}}', 'Invalid checksum'],
    ['plain words', 'plain words'],
  ])('%j → %j', (body, message) => {
    expect(nodeMessage(body)).toBe(message);
  });
});

describe('SkycoinRestClient against canned answers', () => {
  let server: http.Server;
  let reply: { status: number; body: string } = { status: 200, body: '{}' };
  const seen: http.IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      if (req.url === '/api/v1/csrf') return void res.writeHead(404).end('404 Not Found');
      res.writeHead(reply.status).end(reply.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const client = (auth = '') =>
    new SkycoinRestClient({
      baseUrl: `http://${auth}127.0.0.1:${(server.address() as AddressInfo).port}/`,
      timeoutMs: 2000,
    });

  it.each([
    [
      400,
      '400 Bad Request - balance is not sufficient. Balance will be sufficient after unconfirmed transactions confirm',
      'insufficient_balance',
    ],
    [400, '400 Bad Request - Insufficient coinhours for transaction outputs', 'insufficient_balance'],
    [400, '{"error":{"message":"balance is not sufficient","code":400}}', 'insufficient_balance'],
    [404, '404 Not Found - wallet does not exist', 'sky_wallet_missing'],
    [502, 'Bad Gateway', 'sky_node_error'],
    [422, '{"error":{"message":"bad","code":422}}', 'sky_request_rejected'],
  ])('create answering %p %j → %s', async (status, body, code) => {
    reply = { status, body };
    const err = await client()
      .createTransaction({ walletId: 'w', to: [{ address: 'x', coins: '1' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SenderError);
    expect((err as SenderError).code).toBe(code);
    expect((err as SenderError).retryable).toBe(code !== 'sky_request_rejected');
    if (code === 'insufficient_balance') expect(err).toBeInstanceOf(InsufficientBalanceError);
  });

  it('treats a 2xx answer that is not the documented shape as a retryable bad response', async () => {
    reply = { status: 200, body: '<html>proxy</html>' };
    const err = await client()
      .walletBalance('w')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkycoinNodeError);
    expect((err as SkycoinNodeError).code).toBe('sky_bad_response');
    reply = { status: 200, body: '{"confirmed":{"coins":1.5,"hours":1},"predicted":{"coins":1,"hours":1}}' };
    expect(
      (
        (await client()
          .walletBalance('w')
          .catch((e: unknown) => e)) as SenderError
      ).code,
    ).toBe('sky_bad_response');
  });

  it('answers null for an unknown txid, and sends basic auth from the URL without logging it', async () => {
    reply = { status: 404, body: '404 Not Found' };
    const c = client('teller:s3cret@');
    expect(c.origin).not.toContain('s3cret');
    expect(await c.transaction('ab')).toBeNull();
    expect(seen.at(-1)?.authorization).toBe(`Basic ${Buffer.from('teller:s3cret').toString('base64')}`);
  });
});

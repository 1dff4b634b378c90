import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/** A self-signed certificate for 127.0.0.1, valid 2000-2100 (test only). */
export const TEST_TLS = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgnTjBwEYURePNGJ29
tn0QMtEWFjpKQgYM4xEdau1nb3ahRANCAAQeV+AY6Sqabc/yfosM/W0iNSE+zCWj
QYWtZiUCt2tT/ROwJl4aI/GPHGJ4InErfZYy279hBfmlYJoiCJePOeSL
-----END PRIVATE KEY-----
`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBXTCCAQKgAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAkxMjcuMC4w
LjEwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM
CTEyNy4wLjAuMTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABB5X4BjpKpptz/J+
iwz9bSI1IT7MJaNBha1mJQK3a1P9E7AmXhoj8Y8cYngicSt9ljLbv2EF+aVgmiII
l4855IujQzBBMA8GA1UdEwEB/wQFMAMBAf8wDwYDVR0RBAgwBocEfwAAATAdBgNV
HQ4EFgQUsiIcHvDINw14bkmUzgXw5BFr6QcwCgYIKoZIzj0EAwIDSQAwRgIhAJjF
XTGDcGNpjZ54rot4L8gyfZwi+lEfmYOmTBtNN7w+AiEAyciwvlT461YCQPgczeGs
eXaNlSSdKLWu0Zg/P/SZ24A=
-----END CERTIFICATE-----
`,
};

export interface SeenRequest {
  auth: string | undefined;
  body: unknown;
}

export interface Reply {
  status?: number;
  /** A string is sent as is; anything else as JSON. */
  body: unknown;
  /** Delay before answering. */
  delayMs?: number;
}

export type Responder = (body: unknown, req: SeenRequest) => Reply;

export interface MockNode {
  server: string;
  requests: SeenRequest[];
  respond: Responder;
  close(): Promise<void>;
}

/** An HTTP(S) server answering JSON-RPC posts through a swappable `respond`. */
export async function mockNode(respond: Responder, tls = false): Promise<MockNode> {
  const node: MockNode = { server: '', requests: [], respond, close: async () => undefined };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const seen = { auth: req.headers.authorization, body };
      node.requests.push(seen);
      const reply = node.respond(body, seen);
      const send = () => {
        const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
        res.end(text);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  };
  const srv = tls ? https.createServer(TEST_TLS, handler) : http.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  node.server = `127.0.0.1:${(srv.address() as AddressInfo).port}`;
  node.close = () =>
    new Promise<void>((r) => {
      srv.closeAllConnections();
      srv.close(() => r());
    });
  return node;
}

/** A JSON-RPC result (or error) for one call, by id. */
export const ok = (body: unknown, result: unknown) => ({
  id: (body as { id: unknown }).id,
  result,
  error: null,
});
export const err = (body: unknown, code: number, message: string) => ({
  id: (body as { id: unknown }).id,
  result: null,
  error: { code, message },
});

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const srv = http.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

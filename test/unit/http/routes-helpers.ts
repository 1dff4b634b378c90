import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { defaultConfig } from '../../../src/config/load';
import type { Config } from '../../../src/config/types';
import { startServer, type RunningServer } from '../../../src/http/server';
import type { PublicService, StatusEntry } from '../../../src/http/services';
import { TellerError } from '../../../src/util/errors';
import type { Logger } from '../../../src/util/logger';

/** Shared fixtures of the routes-*.test.ts files: config, fake services, raw HTTP requests. */

export const VALID_SKY = '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X';
export const VALID_SKY_2 = 't5apgjk4LvV9PQareTPzWkE88o1G5A55FW';
export const BAD_VERSION_SKY = 'Z8LagGxLssTjL6RhK7TQx54vJUBDyWkKkp';

export function testConfig(patch: (c: Config) => void = () => undefined): Config {
  const c = defaultConfig();
  c.web.http_addr = '127.0.0.1:0';
  c.web.https_addr = '';
  c.web.auto_tls_host = '';
  c.web.tls_cert = '';
  c.web.tls_key = '';
  c.web.cors_allowed = [];
  c.web.behind_proxy = false;
  c.web.throttle_max = 60;
  c.web.throttle_duration_ms = 0;
  c.web.max_body_bytes = 4096;
  c.web.static_dir = makeStaticDir();
  c.admin_panel.token = '';
  c.dummy.scanner = true;
  c.dummy.sender = true;
  c.eth_tokens = [];
  patch(c);
  return c;
}

export const BIG_JS = `/* bundle */\n${'console.log("teller");\n'.repeat(300)}`;

/** A static dir with the buyer UI's index, a script, a directory without index and the admin UI. */
export function makeStaticDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'teller-static-'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Teller</title>');
  writeFileSync(path.join(dir, 'app.js'), BIG_JS);
  writeFileSync(path.join(dir, 'small.css'), 'body{}');
  mkdirSync(path.join(dir, 'static', 'css'), { recursive: true });
  writeFileSync(path.join(dir, 'static', 'css', 'x.css'), 'a{}');
  mkdirSync(path.join(dir, 'admin'));
  writeFileSync(path.join(dir, 'admin', 'index.html'), '<!doctype html><title>Teller admin</title>');
  writeFileSync(path.join(dir, 'admin', 'admin.js'), 'void 0;');
  return dir;
}

export interface Calls {
  bind: [string, string][];
  statuses: string[];
  validated: string[];
}

export function fakePublic(
  config: Config,
  over: Partial<PublicService> = {},
): PublicService & { calls: Calls } {
  const calls: Calls = { bind: [], statuses: [], validated: [] };
  // The fakes' views may change at any call: a stamp that never repeats keeps the routes from reusing a body.
  let stamps = 0;
  const svc: PublicService = {
    config,
    coinState: (coin) =>
      coin === 'BTC' ? 'enabled' : coin === 'ETH' || coin === 'SKY' ? 'disabled' : 'unknown',
    validatePayoutAddress: (addr) => {
      calls.validated.push(addr);
      if (addr === VALID_SKY || addr === VALID_SKY_2) return null;
      if (addr === BAD_VERSION_SKY) return 'Invalid version';
      return /^[1-9A-HJ-NP-Za-km-z]+$/.test(addr) ? 'Invalid address length' : 'Invalid base58 character';
    },
    bind: async (addr, coin) => {
      calls.bind.push([addr, coin]);
      return { deposit_address: '1PZ63K3G4gZP6A6E2TTbBwxT5bFQGL2TLB', coin_type: coin, buy_method: 'direct' };
    },
    statuses: async (addr) => {
      calls.statuses.push(addr);
      return [];
    },
    statusDetail: async (addr) => ({
      deposits: [{ status: 'waiting_deposit', sky_address: addr, confirmations: 0 }],
    }),
    statusStamp: () => ++stamps,
    publicConfig: () => ({ enabled: true, buy_method: 'direct' }),
    health: async () => ({ status: 'OK', application: 'teller', uptime: '1s' }),
    ...over,
  };
  return Object.assign(svc, { calls });
}

export const STATUS_ENTRIES: StatusEntry[] = [
  { seq: 0, updated_at: 1795315313, status: 'done', coin_type: 'BTC' },
  { seq: 1, updated_at: 1795315318, status: 'waiting_deposit', coin_type: 'BTC' },
];

export const tellerError = (code: string, message = code): TellerError => new TellerError(code, message);

const running: RunningServer[] = [];

/** Starts `app` on an ephemeral loopback port; every server is closed by closeAll(). */
export async function serve(
  app: Parameters<typeof startServer>[0],
  opts?: Parameters<typeof startServer>[2],
): Promise<number> {
  const s = await startServer(app, '127.0.0.1:0', opts);
  running.push(s);
  return s.address.port;
}

export async function closeAll(): Promise<void> {
  await Promise.all(running.splice(0).map((s) => s.close()));
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  text: string;
}

export interface RawOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  tls?: boolean;
}

/** A request with the path sent byte for byte (fetch would normalise `//`, `/./`, `%zz`). */
export function request(port: number, target: string, opts: RawOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const lib = opts.tls ? https : http;
    const headers: Record<string, string | string[]> = { connection: 'close', ...opts.headers };
    // Node's client sends a GET/DELETE body without framing unless told its length.
    if (
      opts.body !== undefined &&
      headers['transfer-encoding'] === undefined &&
      headers['content-length'] === undefined
    ) {
      headers['content-length'] = String(Buffer.byteLength(opts.body));
    }
    const req = lib.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: target,
        headers,
        agent: false,
        rejectUnauthorized: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body,
            text: body.toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export const json = (body: unknown): RawOptions => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Header names exactly as they went out on the wire (lower-cased). */
export const headerNames = (r: RawResponse): string[] =>
  r.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase());

/** A logger at `level` whose JSON lines are kept, parsed, in `lines`. */
export function capturingLogger(level: string): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level }, sink), lines };
}

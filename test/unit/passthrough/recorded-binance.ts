import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ccxt from 'ccxt';

/**
 * Binance's HTTP API, played back from recordings (test/fixtures/ccxt/binance) behind ccxt's
 * own `binance` class: its `fetchImplementation` is replaced, so ccxt builds, signs and parses
 * every request as it would against the real exchange, and nothing reaches the network.
 */

const FIXTURES = path.join(__dirname, '../../fixtures/ccxt/binance');
/** The example key pair of Binance's API documentation. */
export const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

interface Recording {
  request: string;
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface Call {
  method: string;
  path: string;
  params: Record<string, string>;
  apiKey: string | undefined;
}

export const recording = (name: string): Recording =>
  JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Recording;

export class RecordedBinance {
  readonly calls: Call[] = [];
  /** "METHOD /path" → recordings to answer with, in order; the last one repeats. */
  private readonly routes = new Map<string, (string | Error)[]>();

  /** Answers the recording's request with it (after any answers queued before). */
  serve(...names: string[]): this {
    for (const name of names) this.queue(recording(name).request, name);
    return this;
  }

  /** Makes `request` fail at the transport level (no HTTP response at all). */
  fail(request: string, err: Error): this {
    return this.queue(request, err);
  }

  private queue(request: string, answer: string | Error): this {
    this.routes.set(request, [...(this.routes.get(request) ?? []), answer]);
    return this;
  }

  /** ccxt's binance with this recorder as its HTTP layer. */
  exchange(): ccxt.Exchange {
    // No throttling: the recordings answer at once, and the limiter is ccxt's, not ours to test.
    const ex = new ccxt.binance({ apiKey: API_KEY, secret: SECRET, enableRateLimit: false });
    ex.fetchImplementation = (
      url: string,
      init: { method: string; headers: Record<string, string>; body?: string },
    ) => this.fetch(url, init);
    return ex;
  }

  requests(): string[] {
    return this.calls.map((c) => `${c.method} ${c.path}`);
  }

  private async fetch(
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string },
  ): Promise<Response> {
    const u = new URL(url);
    if (u.origin !== 'https://api.binance.com') throw new Error(`request to ${u.origin} has no recording`);
    const signed = init.body ?? u.search.slice(1);
    const params = Object.fromEntries(new URLSearchParams(signed));
    if (params['signature'] !== undefined) {
      const payload = signed.slice(0, signed.lastIndexOf('&signature='));
      const expected = createHmac('sha256', SECRET).update(payload).digest('hex');
      if (params['signature'] !== expected) throw new Error(`bad signature on ${init.method} ${u.pathname}`);
    }
    this.calls.push({ method: init.method, path: u.pathname, params, apiKey: init.headers['X-MBX-APIKEY'] });
    const key = `${init.method} ${u.pathname}`;
    const queue = this.routes.get(key);
    if (!queue || queue.length === 0) throw new Error(`no recording for ${key}`);
    const answer = queue.length > 1 ? queue.shift() : queue[0];
    if (answer instanceof Error) throw answer;
    const rec = recording(answer ?? '');
    return new Response(JSON.stringify(rec.body), {
      status: rec.status,
      headers: { 'Content-Type': 'application/json;charset=UTF-8', ...rec.headers },
    });
  }
}

import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeBase58,
  skycoinAddressError,
  skycoinAddressFromPubKey,
} from '../../src/chains/skycoin/address';

/**
 * A Skycoin node's REST API (v0.25+, the endpoints SkycoinSender uses) over node:http, with one
 * in-memory wallet. It follows the documented behaviour: `wallet/transaction` builds and signs but
 * spends nothing; `injectTransaction` spends, and the same transaction again is a no-op answering
 * the same txid; txid = sha256 of the serialized bytes (real Skycoin wire format); errors are
 * v1 text bodies (`400 Bad Request - balance is not sufficient`); CSRF on POSTs when enabled.
 *
 * Balance model: confirmed coins/hours; a pending (injected) transaction removes its amount, fee
 * and destination hours from what the wallet can spend until it confirms (then from confirmed) or
 * is dropped. Test controls: confirm, drop, setBalance, failNext, dropNext, tamperNext, expireCsrf,
 * down/up.
 */

export const droplets = (sky: number): bigint => BigInt(Math.round(sky * 1e6));

/** A valid Skycoin address derived from `seed` (a fake public key). */
export function skyAddress(seed: string): string {
  const pub = Buffer.concat([Buffer.from([2]), createHash('sha256').update(seed).digest()]);
  return skycoinAddressFromPubKey(pub);
}

export interface FakeOutput {
  address: string;
  coins: bigint;
  hours: bigint;
}

export interface FakeSkyTx {
  txid: string;
  encoded: string;
  outputs: FakeOutput[];
  /** Coins leaving the wallet (outputs not to the change address). */
  amount: bigint;
  /** Hours leaving the wallet: burned fee plus hours sent. */
  hoursOut: bigint;
  status: 'created' | 'pending' | 'confirmed';
  /** Successful injectTransaction calls for these bytes. */
  injects: number;
  height: number;
}

export interface FakeRequest {
  method: string;
  path: string;
  csrf: string | undefined;
  body: unknown;
}

interface Failure {
  path: string | undefined;
  status: number;
  body: string;
}

interface Reply {
  status: number;
  body: string;
  json: boolean;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
const text = (status: number, message = ''): Reply => ({
  status,
  body: `${status} ${STATUS_TEXT[status] ?? ''}${message ? ` - ${message}` : ''}`,
  json: false,
});
const json = (value: unknown): Reply => ({
  status: 200,
  body: JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)),
  json: true,
});
const skyText = (d: bigint): string => `${d / 1_000_000n}.${(d % 1_000_000n).toString().padStart(6, '0')}`;

export interface FakeSkycoinNodeOptions {
  walletId?: string;
  coins?: bigint;
  hours?: bigint;
  csrf?: boolean;
  password?: string;
}

export class FakeSkycoinNode {
  readonly walletId: string;
  readonly addresses = [skyAddress('hot-wallet-0'), skyAddress('hot-wallet-1')];
  readonly requests: FakeRequest[] = [];
  readonly txs = new Map<string, FakeSkyTx>();
  csrfEnabled: boolean;
  coins: bigint;
  hours: bigint;
  height = 100;
  private csrfToken = '';
  private readonly failures: Failure[] = [];
  private readonly drops: { path: string; when: 'before' | 'after' }[] = [];
  private tamper: ((outs: FakeOutput[]) => FakeOutput[]) | null = null;
  private server: http.Server;
  private port = 0;
  private counter = 0;

  private constructor(private readonly opts: FakeSkycoinNodeOptions) {
    this.walletId = opts.walletId ?? 'hot.wlt';
    this.coins = opts.coins ?? droplets(1000);
    this.hours = opts.hours ?? 10_000n;
    this.csrfEnabled = opts.csrf ?? true;
    this.server = this.makeServer();
  }

  static async start(opts: FakeSkycoinNodeOptions = {}): Promise<FakeSkycoinNode> {
    const node = new FakeSkycoinNode(opts);
    await node.up();
    return node;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Transactions the wallet has spent (injected, pending or confirmed), each once. */
  spends(): FakeSkyTx[] {
    return [...this.txs.values()].filter((t) => t.status !== 'created');
  }

  callsTo(path: string): FakeRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Coins and hours the wallet can still spend (confirmed minus pending spends). */
  spendable(): { coins: bigint; hours: bigint } {
    const pending = [...this.txs.values()].filter((t) => t.status === 'pending');
    return {
      coins: pending.reduce((c, t) => c - t.amount, this.coins),
      hours: pending.reduce((h, t) => h - t.hoursOut, this.hours),
    };
  }

  confirm(txid: string): void {
    const tx = this.txs.get(txid);
    if (tx?.status !== 'pending') throw new Error(`fake node: ${txid} is not pending`);
    tx.status = 'confirmed';
    tx.height = ++this.height;
    this.coins -= tx.amount;
    this.hours -= tx.hoursOut;
  }

  /** Forgets a pending transaction, as if it fell out of the mempool. */
  drop(txid: string): void {
    const tx = this.txs.get(txid);
    if (tx?.status !== 'pending') throw new Error(`fake node: ${txid} is not pending`);
    tx.status = 'created';
  }

  setBalance(coins: bigint, hours: bigint = this.hours): void {
    this.coins = coins;
    this.hours = hours;
  }

  /** The next request (to `path`, if given) answers `status` with `body` instead. */
  failNext(status: number, body: string, path?: string): void {
    this.failures.push({ status, body, path });
  }

  /** The next request to `path` loses its connection, before or after the node acted on it. */
  dropNext(path: string, when: 'before' | 'after'): void {
    this.drops.push({ path, when });
  }

  /** The next created transaction's outputs pass through `fn` (a misbehaving node). */
  tamperNext(fn: (outs: FakeOutput[]) => FakeOutput[]): void {
    this.tamper = fn;
  }

  /** The current CSRF token lapses (30 s on a real node). */
  expireCsrf(): void {
    this.csrfToken = '';
  }

  /** Stops accepting connections (refused) and cuts open ones. */
  async down(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Listens again, on the same port. */
  async up(): Promise<void> {
    if (this.server.listening) return;
    this.server = this.makeServer();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return this.down();
  }

  private makeServer(): http.Server {
    return http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const raw = Buffer.concat(chunks).toString('utf8');
        const entry: FakeRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          csrf: req.headers['x-csrf-token'] as string | undefined,
          body: raw ? (JSON.parse(raw) as unknown) : undefined,
        };
        this.requests.push(entry);
        const drop = this.takeDrop(url.pathname);
        if (drop === 'before') return req.socket.destroy();
        const reply = this.handle(entry, url.searchParams, req.headers['content-type']);
        if (drop === 'after') return req.socket.destroy();
        res.writeHead(reply.status, { 'Content-Type': reply.json ? 'application/json' : 'text/plain' });
        res.end(reply.body);
      });
    });
  }

  private takeDrop(path: string): 'before' | 'after' | null {
    const i = this.drops.findIndex((d) => d.path === path);
    if (i < 0) return null;
    const [d] = this.drops.splice(i, 1);
    return d?.when ?? null;
  }

  private handle(r: FakeRequest, q: URLSearchParams, contentType: string | undefined): Reply {
    const i = this.failures.findIndex((f) => f.path === undefined || f.path === r.path);
    if (i >= 0) {
      const [f] = this.failures.splice(i, 1);
      if (f) return { status: f.status, body: f.body, json: false };
    }
    if (r.method === 'POST') {
      if (this.csrfEnabled && (!this.csrfToken || r.csrf !== this.csrfToken))
        return text(403, 'invalid CSRF token');
      if (contentType !== 'application/json') return text(415);
    }
    const key = `${r.method} ${r.path}`;
    switch (key) {
      case 'GET /api/v1/health':
        return json({
          blockchain: { head: { seq: this.height } },
          version: { version: '0.25.1' },
          csrf_enabled: this.csrfEnabled,
          wallet_api_enabled: true,
          user_verify_transaction: { burn_factor: 10, max_transaction_size: 32768, max_decimals: 3 },
        });
      case 'GET /api/v1/csrf':
        if (!this.csrfEnabled) return text(404);
        this.csrfToken = randomBytes(16).toString('hex');
        return json({ csrf_token: this.csrfToken });
      case 'GET /api/v1/wallet':
        if (q.get('id') !== this.walletId) return text(404, 'wallet does not exist');
        return json({
          meta: { coin: 'skycoin', filename: this.walletId, encrypted: this.opts.password !== undefined },
          entries: this.addresses.map((address) => ({ address })),
        });
      case 'GET /api/v1/wallet/balance': {
        if (q.get('id') !== this.walletId) return text(404, 'wallet does not exist');
        const s = this.spendable();
        return json({ confirmed: { coins: this.coins, hours: this.hours }, predicted: s, addresses: {} });
      }
      case 'POST /api/v1/wallet/transaction':
        return this.createTransaction(r.body);
      case 'POST /api/v1/injectTransaction':
        return this.inject(r.body);
      case 'GET /api/v1/transaction': {
        const tx = this.txs.get(q.get('txid') ?? '');
        if (!tx || tx.status === 'created') return text(404);
        const confirmed = tx.status === 'confirmed';
        return json({
          status: {
            confirmed,
            unconfirmed: !confirmed,
            height: confirmed ? tx.height : 0,
            block_seq: tx.height,
          },
          txn: {
            txid: tx.txid,
            outputs: tx.outputs.map((o) => ({ dst: o.address, coins: skyText(o.coins), hours: o.hours })),
          },
        });
      }
      default:
        return text(404);
    }
  }

  private createTransaction(body: unknown): Reply {
    const b = body as {
      wallet_id?: string;
      password?: string;
      to?: { address: string; coins: string }[];
      change_address?: string;
      ignore_unconfirmed?: boolean;
      hours_selection?: { type?: string };
    };
    if (b.wallet_id !== this.walletId) return text(404, 'wallet does not exist');
    if (this.opts.password !== undefined && b.password !== this.opts.password) {
      return text(400, b.password ? 'invalid password' : 'missing password');
    }
    if (b.hours_selection?.type !== 'auto') return text(400, 'invalid hours_selection.type');
    if (!b.to?.length) return text(400, 'to is empty');
    const to: FakeOutput[] = [];
    for (const [i, t] of b.to.entries()) {
      if (skycoinAddressError(t.address)) return text(400, `to[${i}].address: invalid address`);
      const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(t.coins);
      if (!m) return text(400, `to[${i}].coins: invalid value`);
      const coins = BigInt(m[1] ?? '0') * 1_000_000n + BigInt((m[2] ?? '').padEnd(6, '0'));
      if (coins === 0n) return text(400, `to[${i}].coins must not be zero`);
      if (coins % 1000n !== 0n) return text(400, `to[${i}].coins has too many decimal places`);
      to.push({ address: t.address, coins, hours: 0n });
    }
    const pending = [...this.txs.values()].some((t) => t.status === 'pending');
    if (pending && !b.ignore_unconfirmed)
      return text(400, 'please spend after your pending transaction is confirmed');
    const avail = this.spendable();
    const amount = to.reduce((s, o) => s + o.coins, 0n);
    if (amount > avail.coins) return text(400, 'balance is not sufficient');
    if (avail.hours <= 0n) return text(400, 'Transaction has zero coinhour fee');
    // burn factor 10: a tenth of the input hours (rounded up) is burned, half the rest is sent.
    const fee = (avail.hours + 9n) / 10n;
    const change = avail.coins - amount;
    const shared = change > 0n ? (avail.hours - fee) / 2n : avail.hours - fee;
    to.forEach((o) => (o.hours = (shared * o.coins) / amount));
    const changeAddress = b.change_address ?? this.addresses[0] ?? '';
    let outputs =
      change > 0n
        ? [...to, { address: changeAddress, coins: change, hours: avail.hours - fee - shared }]
        : to;
    if (this.tamper) {
      outputs = this.tamper(outputs);
      this.tamper = null;
    }
    const encoded = encodeTransaction(++this.counter, outputs);
    const txid = createHash('sha256').update(Buffer.from(encoded, 'hex')).digest('hex');
    const sent = outputs.filter((o) => o.address !== changeAddress);
    this.txs.set(txid, {
      txid,
      encoded,
      outputs,
      amount: sent.reduce((s, o) => s + o.coins, 0n),
      hoursOut: fee + sent.reduce((s, o) => s + o.hours, 0n),
      status: 'created',
      injects: 0,
      height: 0,
    });
    return json({
      transaction: {
        length: encoded.length / 2,
        type: 0,
        txid,
        fee: String(fee),
        outputs: outputs.map((o) => ({
          address: o.address,
          coins: skyText(o.coins),
          hours: String(o.hours),
        })),
      },
      encoded_transaction: encoded,
    });
  }

  private inject(body: unknown): Reply {
    const rawtx = (body as { rawtx?: unknown } | undefined)?.rawtx;
    if (typeof rawtx !== 'string' || !/^([0-9a-f]{2})+$/.test(rawtx)) return text(400, 'invalid rawtx');
    const txid = createHash('sha256').update(Buffer.from(rawtx, 'hex')).digest('hex');
    const tx = this.txs.get(txid);
    if (!tx) return text(400, 'Transaction violates hard constraint: unspent output does not exist');
    // Already in a block: its inputs are spent, as a real node answers.
    if (tx.status === 'confirmed') {
      return text(
        400,
        `Transaction violates hard constraint: unspent output of ${txid.slice(0, 16)} does not exist`,
      );
    }
    if (tx.status === 'created') {
      const avail = this.spendable();
      if (tx.amount > avail.coins || tx.hoursOut > avail.hours) {
        return text(400, 'Transaction violates hard constraint: unspent output does not exist');
      }
      tx.status = 'pending';
    }
    tx.injects++;
    return json(txid);
  }
}

/** Serializes a transaction as skycoin's encoder does (one fake signature and input per tx). */
export function encodeTransaction(seq: number, outputs: FakeOutput[]): string {
  const h = (s: string) => createHash('sha256').update(`${s}:${seq}`).digest();
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const u64 = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return b;
  };
  const outs = outputs.map((o) => {
    const a = decodeBase58(o.address);
    return Buffer.concat([a.subarray(20, 21), a.subarray(0, 20), u64(o.coins), u64(o.hours)]);
  });
  const body = Buffer.concat([
    Buffer.from([0]),
    h('inner'),
    u32(1),
    Buffer.concat([h('sig-r'), h('sig-s'), Buffer.from([0])]),
    u32(1),
    h('input'),
    u32(outs.length),
    ...outs,
  ]);
  return Buffer.concat([u32(body.length + 4), body]).toString('hex');
}

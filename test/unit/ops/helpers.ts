import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DepositStore } from '../../../src/exchange/deposit-store';
import type { StoredStatus } from '../../../src/core/deposit';
import type { DepositRecord } from '../../../src/exchange/types';
import type { OpsSource } from '../../../src/ops/source';
import type { ScannerStatus } from '../../../src/scanner/types';
import type { NonceGap } from '../../../src/sender/types';
import { Store } from '../../../src/store/store';
import { BTC_ADDR, SKY, depositRecord } from '../../helpers/deposit-record';
import { until as untilHolds, untilValue } from '../../helpers/until';

/** Shared fixtures of the ops tests: temp stores, deposit histories, a webhook receiver, fakes. */

export { BTC_ADDR, SKY, depositRecord as record };
export const BTC_ADDR_2 = '1Ak8PffB2meyfYnbXZR9EGfLfFZVpzJvQP';

export const tmpDir = (prefix = 'teller-ops-'): string => mkdtempSync(path.join(os.tmpdir(), prefix));

export async function openStore(
  dir = tmpDir(),
): Promise<{ store: Store; deposits: DepositStore; dir: string }> {
  const store = await Store.open(dir);
  const deposits = new DepositStore(store);
  await deposits.open();
  return { store, deposits, dir };
}

/**
 * A deposit taken through the pipeline's transitions up to `until`: decide, sign (payout stored),
 * confirm. Returns the final record.
 */
export async function walk(
  deposits: DepositStore,
  tx: string,
  n: number,
  until: StoredStatus,
): Promise<DepositRecord> {
  let rec = await deposits.create(depositRecord(tx, n), `deposit of ${tx}:${n}`);
  if (until === 'waiting_decide') return rec;
  rec = await deposits.transition(rec, { status: 'waiting_send' }, 'buy method direct');
  if (until === 'waiting_send') return rec;
  const payoutTx = `payout-${tx}-${n}`;
  rec = await deposits.transition(
    rec,
    { status: 'waiting_confirm', txid: payoutTx, sky_sent: 5_000_000n },
    `payout ${payoutTx} signed`,
    [
      {
        type: 'put',
        space: 'payouts',
        key: rec.deposit_id,
        value: {
          deposit_id: rec.deposit_id,
          txid: payoutTx,
          raw: '00',
          to: SKY,
          amount: 5_000_000n,
          prepared_at: 1,
          broadcast_at: 0,
          broadcasts: 0,
        },
      },
    ],
  );
  if (until === 'waiting_confirm') return rec;
  return deposits.transition(rec, { status: 'done' }, `payout ${payoutTx} confirmed`);
}

/** A local webhook receiver; `status(n)` answers the n-th request (1-based), default 200. */
export interface Receiver {
  url: string;
  /** `text` of every request answered 2xx, in order. */
  delivered: string[];
  /** Every request received (including the failed ones). */
  hits: number;
  close(): Promise<void>;
}

export async function startReceiver(status: (n: number) => number = () => 200): Promise<Receiver> {
  const r = { delivered: [] as string[], hits: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.hits++;
      const code = status(r.hits);
      if (code >= 200 && code < 300) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text: string };
        r.delivered.push(body.text);
      }
      res.statusCode = code;
      res.end(code < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get delivered() {
      return r.delivered;
    },
    get hits() {
      return r.hits;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `until` (test/helpers/until.ts) with the condition first. */
export const until = (cond: () => boolean, ms?: number, what = 'condition'): Promise<void> =>
  untilHolds(what, cond, ms, 10);

export async function waitForStatus(
  deposits: DepositStore,
  id: string,
  status: StoredStatus,
  ms?: number,
): Promise<void> {
  await untilValue(
    `${id} to reach ${status}`,
    async () => (await deposits.get(id))?.status,
    (s) => s === status,
    ms,
    10,
  );
}

export function scannerStatus(over: Partial<ScannerStatus> = {}): ScannerStatus {
  return {
    chain: 'BTC',
    enabled: true,
    height: 100,
    hash: 'h100',
    tip: 100,
    lag: 0,
    last_error: '',
    alert: '',
    ...over,
  };
}

/** A mutable fake of the daemon for metrics, monitors and readiness. */
export interface FakeSource extends OpsSource {
  balance: { coins: bigint; fail: boolean };
  poolLeft: Map<string, number>;
  statuses: ScannerStatus[];
  soldOut: boolean;
  /** The EVM sender's fee ceiling conditions, and its nonce gap ('fail': the node does not answer). */
  feeAlerts: Map<string, string>;
  gap: NonceGap | null | 'fail';
}

export function fakeSource(store: Store, deposits: DepositStore): FakeSource {
  const src: FakeSource = {
    balance: { coins: 100_000_000n, fail: false },
    poolLeft: new Map<string, number>([['BTC', 50]]),
    statuses: [scannerStatus()],
    soldOut: false,
    store,
    deposits,
    get pools() {
      return new Map(
        [...src.poolLeft].map(([coin, left]) => [coin, { total: () => 100, remaining: () => left }]),
      );
    },
    feeAlerts: new Map(),
    gap: null,
    sender: {
      coin: 'SKY',
      decimals: 6,
      balance: async () => {
        if (src.balance.fail) throw new Error('node down');
        return { coins: src.balance.coins, hours: 0n };
      },
      feeAlerts: () => src.feeAlerts,
      nonceGap: async () => {
        if (src.gap === 'fail') throw new Error('node down');
        return src.gap;
      },
    },
    get scanners() {
      return src.statuses.map((s) => ({ chain: s.chain, status: () => s }));
    },
    exchange: {
      get soldOut() {
        return src.soldOut;
      },
    },
  };
  return src;
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DepositStore } from '../../../src/exchange/deposit-store';
import { emptyPassthrough, type DepositRecord } from '../../../src/exchange/types';
import { clientOrderIdFor } from '../../../src/passthrough/client-order-id';
import {
  ExchangeAuthError,
  ExchangeUnavailableError,
  PassthroughStateError,
  RateLimitedError,
} from '../../../src/passthrough/errors';
import { createPassthroughProcessor } from '../../../src/passthrough/processor';
import type { ExchangeClient, ExchangeOrder, MarketInfo } from '../../../src/passthrough/types';
import { Store } from '../../../src/store/store';
import { silentLogger } from '../../../src/util/logger';
import { passthroughConfig } from './harness';

/** One processor step at a time, against a scripted client: outcomes, waits and refusals. */

const MARKET: MarketInfo = {
  symbol: 'SKY/BTC',
  base: 'SKY',
  quote: 'BTC',
  amountDecimals: 2,
  costDecimals: 8,
  minCost: '0.0001',
  minAmount: '0',
  fee: '0.001',
};

function scripted(over: Partial<ExchangeClient>): ExchangeClient {
  const fail = (): Promise<never> => Promise.reject(new Error('not scripted'));
  return {
    name: 'scripted',
    requestExpiryMs: 0,
    market: async () => MARKET,
    balance: async () => '100',
    marketBuy: fail,
    fetchOrderByClientId: fail,
    fetchOrder: fail,
    ...over,
  };
}

let dir: string;
let store: Store;
let deposits: DepositStore;
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'teller-pt-step-'));
  store = await Store.open(dir);
  deposits = new DepositStore(store);
  await deposits.open();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function record(changes: Partial<DepositRecord> = {}): Promise<DepositRecord> {
  const d = { coin_type: 'BTC', address: 'addr', value: 1_000_000n, height: 1, tx: 'aa', n: 0 };
  return deposits.create(
    {
      updated_at: 0,
      status: 'waiting_passthrough',
      coin_type: d.coin_type,
      sky_address: 'sky',
      buy_method: 'passthrough',
      deposit_address: d.address,
      deposit_id: 'aa:0',
      txid: '',
      conversion_rate: '500',
      max_decimals: 3,
      deposit_value: d.value,
      sky_sent: 0n,
      passthrough: emptyPassthrough(),
      error: '',
      deposit: { ...d, processed: true },
      last_error: '',
      attempts: 0,
      created_at: 0,
      ...changes,
    },
    'test deposit',
  );
}

const config = passthroughConfig((c) => {
  c.sky_exchanger.c2cx.request_failure_wait_ms = 1000;
  c.sky_exchanger.c2cx.ratelimit_wait_ms = 30_000;
});
const processor = (client: ExchangeClient) =>
  createPassthroughProcessor({ config, deposits, store, client, log: silentLogger() });

test('a rate limit waits ratelimit_wait and records last_error once', async () => {
  const p = processor(
    scripted({ market: () => Promise.reject(new RateLimitedError('429 Too Many Requests')) }),
  );
  const rec = await record();
  expect(await p.step(rec)).toEqual({ kind: 'wait', ms: 30_000 });
  expect(await p.step(rec)).toEqual({ kind: 'wait', ms: 30_000 });
  const after = await deposits.get(rec.deposit_id);
  expect(after).toMatchObject({
    last_error: '429 Too Many Requests',
    attempts: 1,
    error: '',
    status: 'waiting_passthrough',
  });
});

test('outages back off, capped at request_failure_wait', async () => {
  const p = processor(
    scripted({ market: () => Promise.reject(new ExchangeUnavailableError('503 Service Unavailable')) }),
  );
  const rec = await record();
  const waits: number[] = [];
  for (let i = 0; i < 8; i++) {
    const o = await p.step(rec);
    if (o.kind !== 'wait') throw new Error(`unexpected ${o.kind}`);
    waits.push(o.ms);
  }
  // The daemon's one back-off (util/backoff): 250 ms doubling, capped at request_failure_wait,
  // each wait 50-100 % of its step (the cap's too, so that deposits failing together spread out).
  expect(waits[0]).toBeGreaterThanOrEqual(125);
  expect(waits[0]).toBeLessThanOrEqual(250);
  expect(waits[2]).toBeGreaterThan(waits[0] ?? 0);
  for (const w of waits) expect(w).toBeLessThanOrEqual(1000);
  for (const w of waits.slice(2)) expect(w).toBeGreaterThanOrEqual(500);
});

test('a success resets the backoff', async () => {
  let down = true;
  const p = processor(
    scripted({
      market: async () => {
        if (down) throw new ExchangeUnavailableError('down');
        return MARKET;
      },
    }),
  );
  let rec = await record();
  for (let i = 0; i < 4; i++) await p.step(rec);
  down = false;
  expect(await p.step(rec)).toEqual({ kind: 'next' });
  rec = (await deposits.get(rec.deposit_id)) ?? rec;
  expect(rec.last_error).toBe('');
  down = true;
  const o = await p.step(rec);
  expect(o.kind === 'wait' && o.ms <= 300).toBe(true);
});

test('bad credentials are retried (the operator fixes the keys), not a deposit error', async () => {
  const p = processor(
    scripted({ market: () => Promise.reject(new ExchangeAuthError('binance {"code":-2015}')) }),
  );
  const rec = await record();
  expect((await p.step(rec)).kind).toBe('wait');
  expect((await deposits.get(rec.deposit_id))?.error).toBe('');
});

test('a deposit in another coin than the market spends is refused permanently', async () => {
  const p = processor(scripted({}));
  const rec = await record({ coin_type: 'ETH' });
  await expect(p.step(rec)).rejects.toThrow(
    new PassthroughStateError('unsupported coin type ETH: the passthrough market SKY/BTC spends BTC'),
  );
});

test('an exchange answer about another order is refused, never acted on', async () => {
  const other: ExchangeOrder = {
    id: '7',
    clientOrderId: 'someone-else',
    symbol: 'SKY/BTC',
    status: 'closed',
    filled: '5',
    cost: '0.01',
    average: '0.002',
    fees: [],
    timestamp: 0,
    raw: '{}',
  };
  const p = processor(scripted({ fetchOrder: async () => other }));
  const cid = clientOrderIdFor('aa:0');
  const rec = await record({
    status: 'waiting_passthrough_order_complete',
    passthrough: {
      ...emptyPassthrough(),
      requested_amount: '0.01',
      order: { ...emptyPassthrough().order, customer_id: cid, order_id: '7' },
    },
  });
  await expect(p.step(rec)).rejects.toMatchObject({ code: 'order_mismatch', retryable: false });
});

test('bugs are not retried as exchange trouble', async () => {
  const p = processor(scripted({ market: () => Promise.reject(new TypeError('x is undefined')) }));
  await expect(p.step(await record())).rejects.toThrow(TypeError);
});

test("/api/health's processor_error: the processor's last error, cleared by the next success (teller-core: Processor.Status)", async () => {
  let fail: Error | undefined = new ExchangeUnavailableError('503 Service Unavailable');
  const p = processor(
    scripted({
      market: async () => {
        if (fail) throw fail;
        return MARKET;
      },
    }),
  );
  expect(p.lastError()).toBe('');
  const rec = await record();
  await p.step(rec);
  expect(p.lastError()).toBe('503 Service Unavailable');
  fail = undefined;
  expect(await p.step((await deposits.get(rec.deposit_id)) ?? rec)).toEqual({ kind: 'next' });
  expect(p.lastError()).toBe('');
  // An error the processor does not retry goes to the exchange, and shows here too.
  const other = await record({ coin_type: 'ETH', deposit_id: 'bb:0' });
  await expect(p.step(other)).rejects.toThrow('unsupported coin type ETH');
  expect(p.lastError()).toMatch(/^unsupported coin type ETH/);
});

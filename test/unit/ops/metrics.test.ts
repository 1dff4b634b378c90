import type { DepositStore } from '../../../src/exchange/deposit-store';
import { EventTally } from '../../../src/ops/event-tally';
import { TellerMetrics } from '../../../src/ops/metrics';
import type { Store } from '../../../src/store/store';
import { silentLogger } from '../../../src/util/logger';
import { fakeSource, openStore, scannerStatus, walk, type FakeSource } from './helpers';

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('TellerMetrics', () => {
  let store: Store;
  let deposits: DepositStore;
  let src: FakeSource;
  let metrics: TellerMetrics;
  beforeEach(async () => {
    ({ store, deposits } = await openStore());
    src = fakeSource(store, deposits);
    src.statuses = [
      scannerStatus({ height: 95, tip: 100, lag: 5 }),
      scannerStatus({ chain: 'ETH', height: 2000, tip: 2003, lag: 3 }),
    ];
    src.poolLeft.set('ETH', 7);
    metrics = new TellerMetrics({
      source: src,
      log: silentLogger(),
      version: 'abc123',
      processMetrics: false,
    });
  });
  afterEach(() => store.close());

  it('exposes every listed series with teller_ names', async () => {
    await walk(deposits, 'a', 0, 'done');
    await walk(deposits, 'b', 0, 'waiting_confirm');
    await walk(deposits, 'c', 0, 'waiting_send');
    const failed = await walk(deposits, 'd', 0, 'waiting_decide');
    await deposits.update(failed, { error: 'boom' }, 'error: boom');
    metrics.countHttp('public', '/api/health', 200);
    metrics.countHttp('public', '/api/health', 200);
    metrics.countHttp('admin', 'other', 404);
    metrics.countNotification('sent');

    const { contentType, body } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain/);
    const want: [string, number][] = [
      ['teller_build_info{version="abc123"}', 1],
      ['teller_scanner_height{chain="BTC"}', 95],
      ['teller_scanner_height{chain="ETH"}', 2000],
      ['teller_chain_tip{chain="BTC"}', 100],
      ['teller_scanner_lag_blocks{chain="ETH"}', 3],
      ['teller_scanner_error{chain="BTC"}', 0],
      ['teller_scanner_alert{chain="BTC"}', 0],
      ['teller_deposits{status="done"}', 1],
      ['teller_deposits{status="waiting_confirm"}', 1],
      ['teller_deposits{status="waiting_send"}', 1],
      ['teller_deposits{status="waiting_decide"}', 1],
      ['teller_deposits{status="waiting_passthrough"}', 0],
      ['teller_deposits_errored', 1],
      ['teller_payouts_sent_total', 2],
      ['teller_payouts_confirmed_total', 1],
      ['teller_hot_wallet_balance{coin="SKY"}', 100],
      ['teller_sold_out', 0],
      ['teller_payouts_at_fee_ceiling{kind="new"}', 0],
      ['teller_payouts_at_fee_ceiling{kind="stuck"}', 0],
      ['teller_pool_remaining{coin="BTC"}', 50],
      ['teller_pool_remaining{coin="ETH"}', 7],
      ['teller_pool_total{coin="BTC"}', 100],
      ['teller_http_requests_total{api="public",route="/api/health",status="200"}', 2],
      ['teller_http_requests_total{api="admin",route="other",status="404"}', 1],
      ['teller_notifications_total{result="sent"}', 1],
    ];
    for (const [series, value] of want) expect([series, sample(body, series)]).toEqual([series, value]);
  });

  it('follows the event log between scrapes', async () => {
    const rec = await walk(deposits, 'a', 0, 'waiting_confirm');
    let body = (await metrics.render()).body;
    expect(sample(body, 'teller_payouts_sent_total')).toBe(1);
    expect(sample(body, 'teller_payouts_confirmed_total')).toBe(0);
    await deposits.transition(rec, { status: 'done' }, 'confirmed');
    await walk(deposits, 'b', 0, 'waiting_send');
    body = (await metrics.render()).body;
    expect(sample(body, 'teller_payouts_confirmed_total')).toBe(1);
    expect(sample(body, 'teller_deposits{status="done"}')).toBe(1);
    expect(sample(body, 'teller_deposits{status="waiting_confirm"}')).toBe(0);
    expect(sample(body, 'teller_deposits{status="waiting_send"}')).toBe(1);
  });

  it('leaves the balance out while the node does not answer, and shows scanner trouble', async () => {
    src.balance.fail = true;
    src.soldOut = true;
    for (const key of ['fee_ceiling:a:0', 'fee_ceiling:b:1', 'fee_ceiling:new_payouts'])
      src.feeAlerts.set(key, 'at the ceiling');
    src.statuses = [scannerStatus({ last_error: 'ECONNREFUSED', alert: 'deep reorg' })];
    const { body } = await metrics.render();
    expect(body).not.toMatch(/^teller_hot_wallet_balance\{/m);
    expect(sample(body, 'teller_sold_out')).toBe(1);
    expect(sample(body, 'teller_payouts_at_fee_ceiling{kind="stuck"}')).toBe(2);
    expect(sample(body, 'teller_payouts_at_fee_ceiling{kind="new"}')).toBe(1);
    expect(sample(body, 'teller_scanner_error{chain="BTC"}')).toBe(1);
    expect(sample(body, 'teller_scanner_alert{chain="BTC"}')).toBe(1);
    // A scanner that is gone leaves no stale series.
    expect(body).not.toMatch(/chain="ETH"/);
  });

  it('keeps registries apart and adds process metrics on request', async () => {
    const other = new TellerMetrics({ source: src, log: silentLogger(), processMetrics: true });
    other.countHttp('public', '/api/bind', 200);
    const a = (await metrics.render()).body;
    const b = (await other.render()).body;
    expect(a).not.toMatch(/route="\/api\/bind"/);
    expect(b).toMatch(/teller_http_requests_total\{api="public",route="\/api\/bind",status="200"\} 1/);
    expect(b).toMatch(/^teller_process_cpu_user_seconds_total /m);
    expect(a).not.toMatch(/teller_process_cpu/);
  });

  it('counts events before the daemon is assembled; state gauges come with watch()', async () => {
    const early = new TellerMetrics({ log: silentLogger(), processMetrics: false });
    early.countHttp('public', '/api/health', 200);
    let body = (await early.render()).body;
    expect(sample(body, 'teller_http_requests_total{api="public",route="/api/health",status="200"}')).toBe(1);
    expect(body).not.toMatch(/teller_scanner_height/);
    early.watch(src);
    early.watch(src); // once only: a second registration would throw in prom-client
    body = (await early.render()).body;
    expect(sample(body, 'teller_scanner_height{chain="BTC"}')).toBe(95);
    expect(sample(body, 'teller_http_requests_total{api="public",route="/api/health",status="200"}')).toBe(1);
  });

  it('has no RPC latency or error series: no RPC client records them (issue 18)', async () => {
    expect((await metrics.render()).body).not.toMatch(/teller_rpc_/);
    expect('observeRpc' in metrics).toBe(false);
  });
});

describe('EventTally', () => {
  it('counts a history once, incrementally, with concurrent readers sharing a read', async () => {
    const { store, deposits } = await openStore();
    const tally = new EventTally(store);
    await walk(deposits, 'a', 0, 'done');
    await Promise.all([tally.catchUp(), tally.catchUp()]);
    expect([tally.byStatus('done'), tally.payoutsSent, tally.payoutsConfirmed]).toEqual([1, 1, 1]);
    const seq = tally.seq;
    await walk(deposits, 'b', 0, 'waiting_confirm');
    await tally.catchUp();
    expect(tally.seq).toBe(seq + 3);
    expect([tally.byStatus('done'), tally.byStatus('waiting_confirm'), tally.payoutsSent]).toEqual([1, 1, 2]);
    await store.close();
  });
});

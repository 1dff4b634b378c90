import { gunzipSync } from 'node:zlib';
import { createPublicApp } from '../../../src/http/public';
import type { PublicService, StatusEntry } from '../../../src/http/services';
import { silentLogger } from '../../../src/util/logger';
import { VALID_SKY, VALID_SKY_2, closeAll, fakePublic, request, serve, testConfig } from './routes-helpers';

/**
 * The status routes reuse an address's body while the service's status stamp for it stays the
 * same: a write (a new deposit, a status change) shows in the very next answer, a body that shows
 * the clock lasts its second, and a reused answer is the same bytes as a fresh one.
 */

afterEach(() => {
  jest.restoreAllMocks();
  return closeAll();
});

const done = (seq: number, at: number): StatusEntry => ({
  seq,
  updated_at: at,
  status: 'done',
  coin_type: 'BTC',
});

/** A service whose views and stamps the test sets; `stamp` counts the writes. */
function service(over: Partial<PublicService> = {}) {
  const state = { stamp: 1, entries: [done(0, 1795315313)] as StatusEntry[], detailCalls: 0 };
  const svc = fakePublic(testConfig(), {
    statusStamp: () => state.stamp,
    statuses: async (addr) => {
      svc.calls.statuses.push(addr);
      return addr === VALID_SKY || addr === VALID_SKY_2 ? state.entries : [];
    },
    statusDetail: async () => {
      state.detailCalls++;
      return { deposits: state.entries.map((e) => ({ ...e, payout_txid: 'ab'.repeat(32) })) };
    },
    ...over,
  });
  return { svc, state };
}

async function start(over: Partial<PublicService> = {}) {
  const { svc, state } = service(over);
  const port = await serve(createPublicApp(svc, silentLogger()));
  return { svc, state, port };
}

/** The headers as sent, but Date and the client's port. */
const comparable = (raw: string[]): string[] => {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (name === 'date') continue;
    out.push(
      name,
      name === 'x-rate-limit-request-remote-addr' ? raw[i + 1].replace(/:\d+$/, '') : raw[i + 1],
    );
  }
  return out;
};

describe('status routes: bodies reused per address while nothing changed', () => {
  it('a repeated query is answered from the cache, byte for byte, without validation or view', async () => {
    const { port, svc } = await start();
    const first = await request(port, `/api/status?skyaddr=${VALID_SKY}`);
    const second = await request(port, `/api/status?skyaddr=${VALID_SKY}`);
    expect(svc.calls.statuses).toEqual([VALID_SKY]);
    expect(svc.calls.validated).toEqual([VALID_SKY]);
    expect(second.text).toBe(first.text);
    expect(comparable(second.rawHeaders)).toEqual(comparable(first.rawHeaders));
    expect(JSON.parse(second.text)).toEqual({ statuses: [done(0, 1795315313)] });
  });

  it('a write (new stamp) shows in the very next answer', async () => {
    const { port, svc, state } = await start();
    await request(port, `/api/status?skyaddr=${VALID_SKY}`);
    state.entries = [done(0, 1795315313), { ...done(1, 1795315400), status: 'waiting_send' }];
    state.stamp++;
    const after = await request(port, `/api/status?skyaddr=${VALID_SKY}`);
    expect((JSON.parse(after.text) as { statuses: StatusEntry[] }).statuses.map((e) => e.status)).toEqual([
      'done',
      'waiting_send',
    ]);
    expect(svc.calls.statuses).toHaveLength(2);
  });

  it('each address has its own body', async () => {
    const { port, svc } = await start();
    for (const addr of [VALID_SKY, VALID_SKY_2, VALID_SKY, VALID_SKY_2]) {
      await request(port, `/api/status?skyaddr=${addr}`);
    }
    expect(svc.calls.statuses).toEqual([VALID_SKY, VALID_SKY_2]);
  });

  it('a body with a waiting_deposit row (it shows the clock) lasts only its second', async () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_795_315_313_200);
    const { port, svc, state } = await start();
    state.entries = [{ seq: 0, updated_at: 1795315313, status: 'waiting_deposit', coin_type: 'BTC' }];
    await request(port, `/api/status?skyaddr=${VALID_SKY}`);
    now.mockReturnValue(1_795_315_313_900);
    await request(port, `/api/status?skyaddr=${VALID_SKY}`);
    expect(svc.calls.statuses).toHaveLength(1);
    now.mockReturnValue(1_795_315_314_000);
    await request(port, `/api/status?skyaddr=${VALID_SKY}`);
    expect(svc.calls.statuses).toHaveLength(2);
  });

  it('an address without bindings is not kept; an invalid one is refused every time', async () => {
    const { port, svc, state } = await start();
    state.entries = [];
    for (let i = 0; i < 2; i++) {
      expect((await request(port, `/api/status?skyaddr=${VALID_SKY}`)).text).toBe('{}');
      expect((await request(port, '/api/status?skyaddr=abc0')).status).toBe(400);
    }
    expect(svc.calls.statuses).toEqual([VALID_SKY, VALID_SKY]);
  });

  it('/api/v2/status: asks for the detail stamp, reuses the body, gzipped the same for gzip clients', async () => {
    const asked: boolean[] = [];
    const stamp = { value: 1 };
    const { port, state } = await start({
      statusStamp: (_addr, detail) => {
        asked.push(detail);
        return stamp.value;
      },
    });
    // Over gziphandler's 1400 bytes.
    state.entries = Array.from({ length: 14 }, (_, i) => done(i, 1795315313 + i));
    const gz = { headers: { 'accept-encoding': 'gzip' } };
    const plain = await request(port, `/api/v2/status?skyaddr=${VALID_SKY}`);
    const zipped = await request(port, `/api/v2/status?skyaddr=${VALID_SKY}`, gz);
    const again = await request(port, `/api/v2/status?skyaddr=${VALID_SKY}`, gz);
    expect(state.detailCalls).toBe(1);
    expect(asked).toEqual([true, true, true]);
    expect([plain.headers['content-encoding'], zipped.headers['content-encoding']]).toEqual([
      undefined,
      'gzip',
    ]);
    expect(gunzipSync(zipped.body).toString()).toBe(plain.text);
    expect(again.body.equals(zipped.body)).toBe(true);
    stamp.value++;
    await request(port, `/api/v2/status?skyaddr=${VALID_SKY}`, gz);
    expect(state.detailCalls).toBe(2);
  });
});

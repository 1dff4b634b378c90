import {
  SKY,
  postJson,
  startDaemon,
  waitFor,
  waitForLog,
  type Daemon,
  type HttpResponse,
} from '../helpers/daemon';
import { DEADLINE_MS } from '../helpers/until';

/**
 * Drain protection (issue 19) through the built daemon: a client's binds per hour are capped
 * (429, teller's throttle text), and above the global rate binds pause for everyone, with an alert.
 */

/** tollbooth's 429, exactly as the request throttle answers it (no newline). */
function expectThrottled(res: HttpResponse): void {
  expect([res.status, res.body, res.headers['content-type']]).toEqual([
    429,
    'You have reached maximum request limit.',
    'text/plain; charset=utf-8',
  ]);
}

const bindReq = (d: Daemon, sky: string, coin = 'BTC') =>
  postJson(`${d.publicUrl}/api/bind`, JSON.stringify({ skyaddr: sky, coin_type: coin }));

describe('bind caps', () => {
  let daemon: Daemon | undefined;
  afterEach(async () => {
    await daemon?.dispose();
    daemon = undefined;
  });

  it('web.bind_max_per_hour: the client’s 4th bind in the hour is 429, whatever the coin or payout address', async () => {
    daemon = await startDaemon({ teller: { max_bound_addrs: 0 }, web: { bind_max_per_hour: 3 } });
    const codes = [];
    for (const [i, coin] of ['BTC', 'ETH', 'BTC'].entries())
      codes.push((await bindReq(daemon, SKY[i], coin)).status);
    expect(codes).toEqual([200, 200, 200]);
    expectThrottled(await bindReq(daemon, SKY[3], 'ETH'));
    expectThrottled(await bindReq(daemon, SKY[0]));
    // The daemon writes its log asynchronously: the line may follow the response.
    await waitForLog(daemon, 'bind refused: this client reached its bind cap', {
      setting: 'web.bind_max_per_hour',
      cap: 3,
    });
  });

  it('web.bind_pause_per_hour: binds pause for everyone, with one alert', async () => {
    daemon = await startDaemon({ teller: { max_bound_addrs: 0 }, web: { bind_pause_per_hour: 2 } });
    expect((await bindReq(daemon, SKY[0])).status).toBe(200);
    expect((await bindReq(daemon, SKY[1])).status).toBe(200);
    expectThrottled(await bindReq(daemon, SKY[2]));
    expectThrottled(await bindReq(daemon, SKY[3]));
    const d = daemon;
    await waitFor(
      async () => d.logs(),
      (l) => l.includes('binds paused: 2 binds in the last hour reached web.bind_pause_per_hour = 2'),
      DEADLINE_MS,
      'the pause alert in the log',
    );
    expect(daemon.logs().split('binds paused:').length - 1).toBe(1);
  });

  it('a negative cap is exit 2 naming the key', async () => {
    await expect(startDaemon({ web: { bind_max_per_day: -1 } })).rejects.toThrow(/web\.bind_max_per_day/);
  });
});

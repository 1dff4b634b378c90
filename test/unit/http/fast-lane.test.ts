import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../../src/config/types';
import { withFastLane } from '../../../src/http/fast-lane';
import { createPublicExpress } from '../../../src/http/public';
import type { PublicService } from '../../../src/http/services';
import { silentLogger, type Logger } from '../../../src/util/logger';
import {
  STATUS_ENTRIES,
  VALID_SKY,
  capturingLogger,
  closeAll,
  fakePublic,
  request,
  serve,
  testConfig,
  type RawOptions,
  type RawResponse,
} from './routes-helpers';

/**
 * The fast lane (src/http/fast-lane.ts) against the express stack alone: the same bytes for the
 * requests it takes, the express stack for everything else, one throttle count and one log line
 * per request whichever lane serves it.
 */

afterEach(closeAll);

interface Rig {
  port: number;
  /** Requests the fast lane handed to the express stack. */
  handedOn: string[];
}

/** The fast lane in front of a fresh express stack, with a spy between them. */
async function fastLane(svc: PublicService, log: Logger = silentLogger()): Promise<Rig> {
  const { app, statusThrottle } = createPublicExpress(svc, log);
  const handedOn: string[] = [];
  const express = (req: IncomingMessage, res: ServerResponse): void => {
    handedOn.push(`${req.method ?? ''} ${req.url ?? ''}`);
    app(req, res);
  };
  return { port: await serve(withFastLane({ svc, log, statusThrottle, express })), handedOn };
}

/** The express stack alone. */
async function expressOnly(svc: PublicService): Promise<number> {
  return serve(createPublicExpress(svc, silentLogger()).app);
}

/** Status, headers as sent (names' case kept; Date and the client's port left out) and body. */
const wire = (r: RawResponse): [number, string[], string] => {
  const headers: string[] = [];
  for (let i = 0; i < r.rawHeaders.length; i += 2) {
    const [name, value] = [r.rawHeaders[i], r.rawHeaders[i + 1]];
    if (name === 'X-Rate-Limit-Request-Remote-Addr')
      headers.push(`${name}: ${value.replace(/:\d+$/, ':port')}`);
    else if (name.toLowerCase() !== 'date') headers.push(`${name}: ${value}`);
  }
  return [r.status, headers, r.text];
};

/** The same requests, one at a time, to a fast-lane server and an express-only one, each on its own svc. */
async function both(
  makeSvc: () => PublicService,
  requests: [string, RawOptions?][],
): Promise<{ fast: RawResponse[]; slow: RawResponse[]; handedOn: string[] }> {
  const rig = await fastLane(makeSvc());
  const slowPort = await expressOnly(makeSvc());
  const fast: RawResponse[] = [];
  const slow: RawResponse[] = [];
  for (const [target, opts] of requests) {
    fast.push(await request(rig.port, target, opts));
    slow.push(await request(slowPort, target, opts));
  }
  return { fast, slow, handedOn: rig.handedOn };
}

const STATUS = `/api/status?skyaddr=${VALID_SKY}`;
const svcWith =
  (patch?: (c: Config) => void, over: Partial<PublicService> = {}) =>
  () =>
    fakePublic(testConfig(patch), over);

describe('fast lane', () => {
  it.each([
    ['/api/config', '/api/config', svcWith()],
    ['/api/status, no bindings', STATUS, svcWith()],
    ['/api/status, with deposits', STATUS, svcWith(undefined, { statuses: async () => STATUS_ENTRIES })],
  ])('answers GET %s itself, byte for byte as express does', async (_case, target, makeSvc) => {
    const { fast, slow, handedOn } = await both(makeSvc, [[target]]);
    expect(handedOn).toEqual([]);
    expect(fast[0].status).toBe(200);
    expect(wire(fast[0])).toEqual(wire(slow[0]));
  });

  it('sends the throttle headers, X-Forwarded-For included, as express does', async () => {
    const { fast, slow, handedOn } = await both(svcWith(), [
      [STATUS, { headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' } }],
    ]);
    expect(handedOn).toEqual([]);
    expect(fast[0].headers['x-rate-limit-request-forwarded-for']).toBe('203.0.113.9, 10.0.0.1');
    expect(wire(fast[0])).toEqual(wire(slow[0]));
  });

  // Every row has its options: with fewer items than parameters, jest would pass a `done` callback.
  it.each<[string, string, RawOptions]>([
    ['an Origin header', STATUS, { headers: { origin: 'https://shop.example' } }],
    ['gzip accepted', '/api/config', { headers: { 'accept-encoding': 'gzip' } }],
    ['HEAD', '/api/config', { method: 'HEAD' }],
    ['POST', STATUS, { method: 'POST' }],
    ['an invalid address', '/api/status?skyaddr=abc0', {}],
    ['a second parameter', `${STATUS}&x=1`, {}],
    ['an escape', `/api/status?skyaddr=%32${VALID_SKY.slice(1)}`, {}],
    ['a path to clean', '/api/../api/config', {}],
    ['another route', '/api/health', {}],
  ])('hands %s to express, which answers as always', async (_case, target, opts) => {
    const { fast, slow, handedOn } = await both(svcWith(), [[target, opts]]);
    expect(handedOn).toEqual([`${opts.method ?? 'GET'} ${target}`]);
    expect(wire(fast[0])).toEqual(wire(slow[0]));
  });

  it('stands aside for every request when an HTTPS redirect is configured', async () => {
    const { fast, slow, handedOn } = await both(
      svcWith((c) => {
        c.web.https_addr = '127.0.0.1:0';
      }),
      [['/api/config']],
    );
    expect(handedOn).toEqual(['GET /api/config']);
    expect(wire(fast[0])).toEqual(wire(slow[0]));
  });

  it('shares the throttle count with express: the same 429 at the same request', async () => {
    const throttled = svcWith((c) => {
      c.web.throttle_max = 3;
      c.web.throttle_duration_ms = 60_000;
    });
    const origin = { headers: { origin: 'https://shop.example' } };
    // Fast lane, express, fast lane (the third within the limit), then the fourth refused.
    const { fast, slow, handedOn } = await both(throttled, [[STATUS], [STATUS, origin], [STATUS], [STATUS]]);
    expect(fast.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(fast.map(wire)).toEqual(slow.map(wire));
    expect(handedOn).toEqual([`GET ${STATUS}`, `GET ${STATUS}`]);
  });

  it('logs each request once, whichever lane serves it, and hands on a failed lookup', async () => {
    const { log, lines } = capturingLogger('info');
    let calls = 0;
    const svc = fakePublic(testConfig(), {
      statuses: async () => {
        if (++calls === 1) throw new Error('store busy');
        return [];
      },
    });
    const rig = await fastLane(svc, log);
    const first = await request(rig.port, STATUS);
    expect([first.status, first.text]).toEqual([200, '{}']);
    expect(rig.handedOn).toEqual([`GET ${STATUS}`]);
    await request(rig.port, '/api/config');
    await request(rig.port, STATUS, { headers: { origin: 'https://shop.example' } });
    const logged = lines.filter((l) => l.msg === 'http request').map((l) => [l.path, l.status]);
    expect(logged).toEqual([
      ['/api/status', 200],
      ['/api/config', 200],
      ['/api/status', 200],
    ]);
    expect(lines.filter((l) => String(l.msg).includes('lookup failed'))).toHaveLength(1);
  });
});

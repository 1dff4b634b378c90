import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  REPO_ROOT,
  SKY,
  bind,
  broadcasts,
  deposit,
  request,
  runCli,
  startDaemon,
  waitFor,
  writeConfigFile,
  type Daemon,
  type HttpResponse,
} from '../helpers/daemon';
import { DEADLINE_MS } from '../helpers/until';

/**
 * The operator's listeners against a hostile web page in the operator's own browser (issue 15
 * item 1): DNS rebinding (a foreign `Host`), cross-site posts with no preflight (text/plain, a
 * foreign `Origin`, `Sec-Fetch-Site: cross-site`), listeners beyond loopback without a token,
 * and the dashboard on the public port.
 */

const TOKEN = 'safety-admin-token-0123456789';
const HELD = 'payout above payout.approval_above: awaiting admin approval';
const BUILD = path.join(REPO_ROOT, 'web', 'build');

/** What a hostile page's `fetch(url, {method: 'POST', mode: 'no-cors', body: 'x'})` sends. */
const CROSS_SITE = {
  Origin: 'http://evil.example',
  'Sec-Fetch-Site': 'cross-site',
  'Content-Type': 'text/plain;charset=UTF-8',
};

const portOf = (url: string): string => new URL(url).port;

/** The status line of a request written byte for byte (an HTTP/1.0 request may carry no Host). */
function rawStatusLine(url: string, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(portOf(url)), '127.0.0.1', () => socket.end(raw));
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (s: string) => (got += s));
    socket.on('error', reject);
    socket.on('close', () => resolve(got.split('\r\n')[0]));
  });
}
const withHost = (url: string, route: string, host: string): Promise<HttpResponse> =>
  request(`${url}${route}`, { headers: { Host: host } });

interface Detail {
  status: string;
  last_error: string;
}

let d: Daemon;
let tmp: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'teller-admin-safety-'));
  // The default admin config (no token), payouts above 1 SKY held for an approval.
  d = await startDaemon({ payout: { approval_above: '1' }, web: { static_dir: BUILD } });
});

afterAll(async () => {
  await d?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

async function heldDeposit(tx: string): Promise<string> {
  const addr = await bind(d, SKY[0]);
  await deposit(d, { addr, value: 1_000_000, tx }); // 0.01 BTC = 5 SKY
  const id = `${tx}:0`;
  await waitFor(
    // 404 until the dummy scanner's queue has handed the deposit on.
    async () => {
      const res = await request(`${d.adminUrl}/api/deposits/${id}`);
      return res.status === 200 ? (JSON.parse(res.body) as Detail) : undefined;
    },
    (x) => x?.last_error === HELD,
    DEADLINE_MS,
    `${id} held for approval`,
  );
  return id;
}

describe('admin listener without a token', () => {
  it('refuses a cross-site approve (text/plain, foreign Origin): nothing is paid', async () => {
    const id = await heldDeposit('hostile-approve');
    const res = await request(`${d.adminUrl}/api/deposits/${id}/approve`, {
      method: 'POST',
      headers: CROSS_SITE,
      body: 'x',
    });
    expect([res.status, res.body]).toEqual([403, 'Forbidden: cross-site request\n']);
    // Each check alone is enough: a foreign Origin, Sec-Fetch-Site, or a non-JSON body.
    const post = (headers: Record<string, string>, body?: string) =>
      request(`${d.adminUrl}/api/deposits/${id}/approve`, { method: 'POST', headers, body });
    expect((await post({ Origin: 'http://evil.example' })).status).toBe(403);
    expect((await post({ Origin: 'null' })).status).toBe(403);
    expect((await post({ 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await post({ 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
    expect((await post({ 'Content-Type': 'text/plain' }, 'x')).status).toBe(415);
    expect((await post({ 'Content-Type': 'application/x-www-form-urlencoded' }, 'a=b')).status).toBe(415);
    const detail = JSON.parse((await request(`${d.adminUrl}/api/deposits/${id}`)).body) as Detail;
    expect(detail).toMatchObject({ status: 'waiting_send', last_error: HELD });
    expect(await broadcasts(d)).toEqual([]);

    // The dashboard's own request (same origin, no body) goes through, and the payout with it.
    const own = await post({ Origin: d.adminUrl, 'Sec-Fetch-Site': 'same-origin' });
    expect(own.status).toBe(200);
    await waitFor(
      () => broadcasts(d),
      (b) => b.length === 1,
      DEADLINE_MS,
      'the approved payout',
    );
  });

  it('refuses cross-site retry, rescan and recheck', async () => {
    for (const route of ['/api/deposits/x:0/retry', '/api/rescan', '/api/recheck']) {
      const res = await request(`${d.adminUrl}${route}`, {
        method: 'POST',
        headers: CROSS_SITE,
        body: '{"chain":"BTC","from_height":0,"txid":"ab"}',
      });
      expect([route, res.status]).toEqual([route, 403]);
    }
    // A JSON body with no Origin (curl, scripts) is still taken.
    const res = await request(`${d.adminUrl}/api/recheck`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"txid":"ab"}',
    });
    expect(res.status).toBe(200);
  });

  it('answers only loopback Host names: DNS rebinding gets 403, not the store', async () => {
    const port = portOf(d.adminUrl);
    for (const route of ['/api/backup', '/api/deposits', '/', '/admin/']) {
      const res = await withHost(d.adminUrl, route, `evil.example:${port}`);
      expect([route, res.status]).toEqual([route, 403]);
      expect(res.body).toBe(
        'Forbidden: Host not allowed (loopback only, or list it in admin_panel.allowed_hosts)\n',
      );
    }
    expect(await rawStatusLine(d.adminUrl, 'GET /api/deposits HTTP/1.0\r\n\r\n')).toBe(
      'HTTP/1.1 403 Forbidden',
    );
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      'LOCALHOST',
      `127.8.9.10:${port}`,
      '[::1]',
    ]) {
      const res = await withHost(d.adminUrl, '/api/deposits', host);
      expect([host, res.status]).toEqual([host, 200]);
    }
  });

  it('the dashboard is on the admin listener only, and asks for no token when none is needed', async () => {
    expect((await request(`${d.adminUrl}/`)).status).toBe(200);
    expect((await request(`${d.adminUrl}/admin/`)).status).toBe(200);
    for (const route of ['/admin/', '/admin', '/admin/index.html']) {
      const res = await request(`${d.publicUrl}${route}`);
      expect([route, res.status]).toEqual([route, 404]);
    }
    expect((await request(`${d.publicUrl}/`)).status).toBe(200);
  });
});

describe('dummy listener', () => {
  it('answers only loopback Host names and no cross-site request, even a GET', async () => {
    const route = '/dummy/sender/broadcasts';
    expect((await withHost(d.dummyUrl, route, `evil.example:${portOf(d.dummyUrl)}`)).status).toBe(403);
    expect((await withHost(d.dummyUrl, route, `localhost:${portOf(d.dummyUrl)}`)).status).toBe(200);
    const addr = await bind(d, SKY[1]);
    const q = `addr=${addr}&value=1000&height=1&tx=hostile-dummy`;
    // <img src="http://127.0.0.1:4121/dummy/scanner/deposit?..."> on a hostile page.
    const img = await request(`${d.dummyUrl}/dummy/scanner/deposit?${q}`, {
      headers: { 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(img.status).toBe(403);
    const form = await request(`${d.dummyUrl}/dummy/scanner/deposit`, {
      method: 'POST',
      headers: { Origin: 'http://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: q,
    });
    expect(form.status).toBe(403);
  });
});

describe('allowed hosts and tokens', () => {
  let remote: Daemon;
  beforeAll(async () => {
    remote = await startDaemon({
      admin_panel: { token: TOKEN, allowed_hosts: ['teller-admin.internal', 'ops.example:8443'] },
      dummy: { token: TOKEN, allowed_hosts: ['teller-dummy.internal'] },
    });
  });
  afterAll(async () => {
    await remote?.dispose();
  });

  it('an allowed host gets in (with the token); other names still get 403', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const get = (url: string, route: string, host: string) =>
      request(`${url}${route}`, { headers: { ...auth, Host: host } });
    expect((await get(remote.adminUrl, '/api/deposits', 'teller-admin.internal:1234')).status).toBe(200);
    expect((await get(remote.adminUrl, '/api/deposits', 'Teller-Admin.Internal')).status).toBe(200);
    expect((await get(remote.adminUrl, '/api/deposits', 'ops.example:8443')).status).toBe(200);
    expect((await get(remote.adminUrl, '/api/deposits', 'ops.example:80')).status).toBe(403);
    expect((await get(remote.adminUrl, '/api/deposits', 'evil.example')).status).toBe(403);
    // A TLS proxy that rewrites Host: the page's Origin is an allowed host, so its POST is same-origin.
    const viaProxy = await request(`${remote.adminUrl}/api/recheck`, {
      method: 'POST',
      headers: { ...auth, Origin: 'https://ops.example:8443', 'Content-Type': 'application/json' },
      body: '{"txid":"ab"}',
    });
    expect(viaProxy.status).toBe(200);
    expect((await request(`${remote.adminUrl}/api/deposits`)).status).toBe(401);

    const dummy = `/dummy/sender/broadcasts`;
    expect((await get(remote.dummyUrl, dummy, 'teller-dummy.internal')).status).toBe(200);
    expect((await request(`${remote.dummyUrl}${dummy}`)).status).toBe(401);
    expect((await get(remote.dummyUrl, dummy, 'teller-admin.internal')).status).toBe(403);
  });
});

describe('config errors (exit 2, the key named)', () => {
  it.each<[string, object, string]>([
    ['admin on every interface without a token', { admin_panel: { host: ':0' } }, 'admin_panel.token'],
    ['admin on 0.0.0.0 without a token', { admin_panel: { host: '0.0.0.0:0' } }, 'admin_panel.token'],
    ['dummy beyond loopback without a token', { dummy: { http_addr: '0.0.0.0:0' } }, 'dummy.token'],
    [
      'allowed hosts without a token',
      { admin_panel: { allowed_hosts: ['teller-admin.internal'] } },
      'admin_panel.token',
    ],
    [
      'a URL as an allowed host',
      { dummy: { allowed_hosts: ['http://x/'], token: TOKEN } },
      'dummy.allowed_hosts',
    ],
  ])('%s', async (_name, over, key) => {
    const file = writeConfigFile(tmp, over as never);
    const { code, stderr } = await runCli(['-c', file, '-d', path.join(tmp, 'data')]);
    expect(code).toBe(2);
    expect(stderr).toContain(key);
  });

  it('a token makes a listener beyond loopback a valid config', async () => {
    const remote = await startDaemon({
      admin_panel: { host: '0.0.0.0:0', token: TOKEN },
      dummy: { http_addr: '0.0.0.0:0', token: TOKEN },
    });
    try {
      expect((await request(`${remote.adminUrl.replace('0.0.0.0', '127.0.0.1')}/api/deposits`)).status).toBe(
        401,
      );
    } finally {
      await remote.dispose();
    }
  });
});

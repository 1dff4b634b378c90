import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  CHROMIUM_PATH,
  hasChromium,
  launchBrowser,
  watchProblems,
  type PageProblems,
} from '../helpers/browser';
import {
  REPO_ROOT,
  SKY,
  bind,
  broadcasts,
  deposit,
  request,
  startDaemon,
  waitFor,
  type Daemon,
} from '../helpers/daemon';
import { DEADLINE_MS } from '../helpers/until';

/**
 * The admin dashboard and a hostile page in a real browser (issue 15 item 1): with no token
 * configured the dashboard shows no sign-in box and its own requests work; a page from another
 * origin cannot approve a held payout or drive the dummy API, whatever it sends without a preflight.
 */

const BUILD = path.join(REPO_ROOT, 'web', 'build');
const HELD = 'payout above payout.approval_above: awaiting admin approval';

const suite = hasChromium() ? describe : describe.skip;

suite(`admin dashboard and a hostile page, in Chromium (skipped when ${CHROMIUM_PATH} is missing)`, () => {
  let daemon: Daemon;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  /** The hostile site: a blank page on an origin of its own, without a CSP. */
  let hostile: http.Server;
  let hostileUrl: string;

  beforeAll(async () => {
    daemon = await startDaemon({ payout: { approval_above: '1' }, web: { static_dir: BUILD } });
    browser = await launchBrowser();
    hostile = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end('<!doctype html><title>cute cats</title>');
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await browser?.close();
    await daemon?.dispose();
    await new Promise((resolve) => hostile?.close(resolve));
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    // The browser logs each refusal (a 403) it gets on the hostile page's behalf.
    problems = await watchProblems(page, (msg) => msg.text().includes('status of 403 (Forbidden)'));
  });

  afterEach(async () => {
    await context?.close();
    expect(problems.list).toEqual([]);
  });

  it('no token configured: no sign-in box, the panels load', async () => {
    await page.goto(`${daemon.adminUrl}/`);
    await page.getByTestId('deposits-table').or(page.getByText('No deposits yet.')).first().waitFor();
    // The form and its input exist (a 401 would show them) but are not on screen.
    await expect(page.getByTestId('admin-token').count()).resolves.toBe(1);
    await expect(page.getByTestId('admin-token').isVisible()).resolves.toBe(false);
    await expect(page.getByTestId('admin-token-save').isVisible()).resolves.toBe(false);
    await expect(page.getByTestId('auth-error').isHidden()).resolves.toBe(true);
  });

  it('a page from another origin cannot approve a held payout or inject a dummy deposit', async () => {
    const addr = await bind(daemon, SKY[3]);
    await deposit(daemon, { addr, value: 1_000_000, tx: 'browser-held' });
    const detail = async () => {
      const res = await request(`${daemon.adminUrl}/api/deposits/browser-held:0`);
      return res.status === 200
        ? (JSON.parse(res.body) as { status: string; last_error: string })
        : undefined;
    };
    await waitFor(detail, (x) => x?.last_error === HELD, DEADLINE_MS, 'the payout held for approval');

    await page.goto(`${hostileUrl}/`);
    const statuses = await page.evaluate(
      async ({ admin, dummy, addr: a }) => {
        const out: string[] = [];
        const attempt = async (url: string, init: RequestInit) => {
          // no-cors: the response is opaque; what counts is what the server did.
          const res = await fetch(url, { ...init, mode: 'no-cors' });
          out.push(res.type);
        };
        await attempt(`${admin}/api/deposits/browser-held:0/approve`, { method: 'POST', body: 'x' });
        await attempt(`${admin}/api/deposits/browser-held:0/approve`, { method: 'POST' });
        await attempt(`${dummy}/dummy/scanner/deposit?addr=${a}&value=1&height=1&tx=browser-dummy`, {});
        return out;
      },
      { admin: daemon.adminUrl, dummy: daemon.dummyUrl, addr },
    );
    expect(statuses).toEqual(['opaque', 'opaque', 'opaque']);
    // The admin's request log shows the attempts refused; the deposit is still held.
    await waitFor(
      async () =>
        daemon.logs().match(/"path":"\/api\/deposits\/browser-held:0\/approve","status":403/g) ?? [],
      (m) => m.length === 2,
      DEADLINE_MS,
      'two refused approvals in the request log',
    );
    await waitFor(
      async () => daemon.logs().match(/"path":"\/dummy\/scanner\/deposit","status":403/g) ?? [],
      (m) => m.length === 1,
      DEADLINE_MS,
      'a refused dummy deposit in the request log',
    );
    expect(await detail()).toMatchObject({ status: 'waiting_send', last_error: HELD });
    expect(await broadcasts(daemon)).toEqual([]);
    const records = await request(`${daemon.adminUrl}/api/deposits`);
    expect(records.body).not.toContain('browser-dummy');
  });
});

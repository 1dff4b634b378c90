import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { ZERO_SEND_ERROR } from '../../src/exchange/errors';
import { DUMMY_BROADCAST_REJECTED } from '../../src/sender/dummy-sender';
import {
  CHROMIUM_PATH,
  hasChromium,
  launchBrowser,
  openPage,
  type PageProblems,
  textBecomes,
} from '../helpers/browser';
import {
  adminGet,
  bind,
  BTC_POOL,
  broadcasts,
  CLI,
  confirm,
  deposit,
  REPO_ROOT,
  request,
  setBalance,
  SKY,
  startDaemon,
  waitFor,
  type Broadcast,
  type Daemon,
  type DepositInfo,
} from '../helpers/daemon';

/**
 * The real web UI (web/build) served by the real daemon (`node dist/cli.js`) in dummy mode, in
 * Chromium: deposits are injected and payouts confirmed through the dummy API, and the page must
 * follow them on its own. Any console error, uncaught exception or CSP violation fails a test.
 * The screenshots linked from the README are written here. Needs `npm run build`.
 */

const BUILD = path.join(REPO_ROOT, 'web', 'build');
const SHOTS = path.join(__dirname, 'screenshots');
const ADMIN_TOKEN = 'e2e-correct-horse-battery-staple'; // the daemon wants >= 16 characters
const AUTH = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const CONFIRMATIONS = 3;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
/** Wide enough for the deposit tables, error column included, without scrolling. */
const DASHBOARD = { width: 1440, height: 900 };
/** Wider than the buyer page's 3 s status poll plus a payout step. */
const LIVE_MS = 10_000;
const BAD_CHECKSUM = 'Z8LagGxLssTjL6RhK7TQx54vJUBDvBtmtC';
const SKY_WALLET = 100_000_000n; // 100 SKY in droplets

const suite = hasChromium() ? describe : describe.skip;

suite(`web UI on the daemon in dummy mode, in Chromium (skipped when ${CHROMIUM_PATH} is missing)`, () => {
  let daemon: Daemon;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let page: Page;
  let problems: PageProblems;
  /** Paths whose HTTP error responses a test provokes on purpose (the browser logs each one). */
  let expectedErrorPaths: string[] = [];

  const expectedHttpError = (msg: ConsoleMessage): boolean =>
    msg.text().startsWith('Failed to load resource: the server responded with a status of') &&
    expectedErrorPaths.some((p) => URL.parse(msg.location().url)?.pathname.startsWith(p) === true);

  beforeAll(async () => {
    for (const built of [CLI, path.join(BUILD, 'index.html'), path.join(BUILD, 'admin', 'index.html')]) {
      if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build first`);
    }
    mkdirSync(SHOTS, { recursive: true });
    daemon = await startDaemon({
      btc_scanner: { confirmations_required: CONFIRMATIONS },
      web: { static_dir: BUILD },
      admin_panel: { token: ADMIN_TOKEN },
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await daemon?.dispose();
  });

  beforeEach(() => {
    expectedErrorPaths = [];
    problems = { list: [] };
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
    expect(problems.list).toEqual([]);
  });

  async function open(url: string, viewport = DESKTOP): Promise<void> {
    ({ context, page, problems } = await openPage(browser, url, viewport, expectedHttpError));
  }

  const byTestId = (id: string) => page.getByTestId(id);
  const text = (id: string) => byTestId(id).textContent();
  const rowIn = (status: string) => byTestId('status-row').and(page.locator(`[data-status="${status}"]`));
  const setMarker = () => page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  const marker = () => page.evaluate(() => (window as unknown as { marker?: number }).marker);

  const record = async (id: string): Promise<DepositInfo | undefined> =>
    (await adminGet<{ deposits: DepositInfo[] }>(daemon, '/api/deposits', AUTH)).deposits.find(
      (d) => d.deposit_id === id,
    );
  const waitForRecord = (id: string, done: (d: DepositInfo) => boolean) =>
    waitFor(
      () => record(id),
      (d) => d !== undefined && done(d),
      LIVE_MS,
      `deposit ${id}`,
    ) as Promise<DepositInfo>;
  /** The dummy sender's broadcast paying `skyAddr`, once it is there. */
  const broadcastTo = async (skyAddr: string): Promise<Broadcast> => {
    const paying = (list: Broadcast[]) => list.filter((b) => b.outputs[0]?.address === skyAddr);
    return paying(
      await waitFor(
        () => broadcasts(daemon),
        (l) => paying(l).length === 1,
        LIVE_MS,
      ),
    )[0];
  };
  const dummy = async (route: string): Promise<void> => {
    const res = await request(`${daemon.dummyUrl}${route}`);
    if (res.status !== 200) throw new Error(`${route}: ${res.status} ${res.body}`);
  };

  async function bindInPage(skyAddr: string): Promise<string> {
    await byTestId('address-input').fill(skyAddr);
    await byTestId('bind-button').click();
    await byTestId('deposit-address').waitFor();
    return (await text('deposit-address')) ?? '';
  }

  it('a buyer binds an address and sees the confirmations, then the payout, without a reload', async () => {
    await open(`${daemon.publicUrl}/`);
    await expect(textBecomes(byTestId('rate-forward'), '1 BTC = 500 SKY')).resolves.toBe('1 BTC = 500 SKY');
    await expect(text('confirmations-required')).resolves.toBe(String(CONFIRMATIONS));
    await expect(text('inventory')).resolves.toBe('100 SKY');
    await setMarker();

    const depositAddr = await bindInPage(SKY[0]);
    expect(BTC_POOL).toContain(depositAddr);
    await rowIn('waiting_deposit').waitFor();
    await expect(text('status-state')).resolves.toBe('Waiting for deposit');

    // 0.12345678 BTC at 500 SKY/BTC, truncated to 3 decimals.
    await deposit(daemon, { addr: depositAddr, value: 12_345_678, tx: 'buy1' });
    const row = rowIn('waiting_confirm');
    await row.waitFor({ timeout: LIVE_MS });
    await expect(row.getByTestId('status-state').textContent()).resolves.toBe('Payout sent');
    await expect(row.getByTestId('confirmations').textContent()).resolves.toBe(
      `${CONFIRMATIONS} of ${CONFIRMATIONS}`,
    );
    await expect(
      row.getByTestId('confirmations-bar').evaluate((p: HTMLProgressElement) => [p.value, p.max]),
    ).resolves.toEqual([CONFIRMATIONS, CONFIRMATIONS]);
    await expect(row.getByTestId('deposit-amount').textContent()).resolves.toBe('0.12345678 BTC');
    await expect(row.getByTestId('payout-amount').textContent()).resolves.toBe('61.728 SKY');

    const payout = await broadcastTo(SKY[0]);
    expect(payout.outputs[0].coins).toBe('61.728000');
    await confirm(daemon, payout.txid);
    const done = rowIn('done');
    await done.waitFor({ timeout: LIVE_MS });
    await expect(done.getByTestId('status-state').textContent()).resolves.toBe('Completed');
    await expect(done.getByTestId('status-message').textContent()).resolves.toBe(
      'Completed. Check your SKY wallet.',
    );
    await expect(done.getByTestId('payout-txid').textContent()).resolves.toBe(payout.txid);
    await expect(marker()).resolves.toBe(42);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, 'buyer-desktop.png'), fullPage: true });
  });

  it('fits a phone screen while a payout confirms', async () => {
    await open(`${daemon.publicUrl}/`, PHONE);
    const depositAddr = await bindInPage(SKY[1]);
    await deposit(daemon, { addr: depositAddr, value: 1_000_000, tx: 'phone1' });
    const row = rowIn('waiting_confirm');
    await row.waitFor({ timeout: LIVE_MS });
    await expect(row.getByTestId('payout-amount').textContent()).resolves.toBe('5 SKY');
    const payout = await broadcastTo(SKY[1]);
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await expect(overflow()).resolves.toBeLessThanOrEqual(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, 'buyer-phone.png'), fullPage: true });
    await confirm(daemon, payout.txid);
    await rowIn('done').waitFor({ timeout: LIVE_MS });
  });

  it('renders the messages of an invalid address and of a bind the daemon refuses', async () => {
    expectedErrorPaths = ['/api/bind'];
    for (let i = 0; i < 5; i++) await bind(daemon, SKY[3]); // teller.max_bound_addrs = 5
    await open(`${daemon.publicUrl}/`);
    await byTestId('address-input').fill(BAD_CHECKSUM);
    await byTestId('bind-button').click();
    await expect(text('address-error')).resolves.toBe(
      'The address checksum does not match. Check it for typos.',
    );
    await byTestId('address-input').fill(BTC_POOL[0]);
    await byTestId('status-button').click();
    await expect(text('address-error')).resolves.toBe(
      'This is not a SKY address (wrong version). Did you paste a Bitcoin address?',
    );
    await expect(byTestId('status-card').isHidden()).resolves.toBe(true);

    await byTestId('address-input').fill(SKY[3]);
    await expect(byTestId('address-error').isHidden()).resolves.toBe(true);
    await byTestId('bind-button').click();
    await byTestId('bind-message').waitFor();
    await expect(text('bind-message')).resolves.toBe(
      'Could not get a deposit address: The maximum number of addresses have been assigned to this SKY address',
    );
    await expect(byTestId('deposit-card').isHidden()).resolves.toBe(true);
  });

  it('shows sold out when the hot wallet is empty or cannot cover a payout, and recovers', async () => {
    // TODO: drop this precondition once a successful check() of another payout no longer clears
    // the sold-out flag (src/exchange/payout-steps.ts rpc(); reported): until then a pending
    // payout makes /api/health flap between sold out and not.
    expect((await broadcasts(daemon)).filter((b) => !b.confirmed)).toEqual([]);
    const banner = () => byTestId('availability-banner').and(page.locator('[data-kind="sold_out"]'));
    await setBalance(daemon, 0n);
    try {
      await open(`${daemon.publicUrl}/`);
      await banner().waitFor();
      await expect(text('inventory')).resolves.toBe('0 SKY');
      await expect(byTestId('bind-button').isDisabled()).resolves.toBe(true);

      // 1 SKY left; the deposit is worth 5 SKY, so its payout waits and the page says sold out.
      await setBalance(daemon, 1_000_000n);
      const depositAddr = await bind(daemon, SKY[4]);
      await deposit(daemon, { addr: depositAddr, value: 1_000_000, tx: 'sold1' });
      await waitForRecord('sold1:0', (d) => d.status === 'waiting_send');
      await waitFor(
        async () =>
          JSON.parse((await request(`${daemon.publicUrl}/api/health`)).body) as { sold_out: boolean },
        (h) => h.sold_out,
        LIVE_MS,
        'sold out',
      );

      await page.reload();
      await banner().waitFor();
      await expect(text('inventory')).resolves.toBe('1 SKY');
      await expect(banner().getByTestId('banner-title').textContent()).resolves.toBe(
        'SKY is sold out, check back later',
      );
      await expect(byTestId('bind-button').isDisabled()).resolves.toBe(true);
      // The buyer who already paid sees the payout queued, then sent once the wallet is refilled.
      await byTestId('address-input').fill(SKY[4]);
      await byTestId('status-button').click();
      await rowIn('waiting_send').waitFor();
      await expect(text('status-message')).resolves.toBe(
        'BTC deposit confirmed. SKY is sold out right now: your payout is sent automatically as soon as the operator refills.',
      );
      await setMarker();
      await setBalance(daemon, SKY_WALLET);
      await rowIn('waiting_confirm').waitFor({ timeout: LIVE_MS });
      await expect(marker()).resolves.toBe(42);
      await broadcastTo(SKY[4]);
    } finally {
      await setBalance(daemon, SKY_WALLET);
    }
    await page.reload();
    await byTestId('rate-forward').waitFor();
    await expect(byTestId('availability-banner').isHidden()).resolves.toBe(true);
    await expect(byTestId('bind-button').isDisabled()).resolves.toBe(false);
  });

  it('switches to 中文 and Русский without a reload; the daemon serves /cn/ and /ru/', async () => {
    await deposit(daemon, { addr: await bind(daemon, SKY[2]), value: 1_000_000, tx: 'lang1' });
    await confirm(daemon, (await broadcastTo(SKY[2])).txid);
    await waitForRecord('lang1:0', (d) => d.status === 'done');
    await open(`${daemon.publicUrl}/`);
    await byTestId('address-input').fill(SKY[2]);
    await byTestId('status-button').click();
    await rowIn('done').waitFor();
    await setMarker();

    await byTestId('lang-zh').click();
    await expect(text('hero-title')).resolves.toBe('购买 SKY');
    expect(new URL(page.url()).pathname).toBe('/cn/');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
    await expect(text('status-state')).resolves.toBe('已完成');
    await expect(text('status-message')).resolves.toBe('已完成，请查看您的 SKY 钱包。');
    await expect(text('confirmations')).resolves.toBe(`${CONFIRMATIONS} / ${CONFIRMATIONS}`);

    await byTestId('lang-ru').click();
    await expect(text('hero-title')).resolves.toBe('Купить SKY');
    expect(new URL(page.url()).pathname).toBe('/ru/');
    await expect(text('status-state')).resolves.toBe('Завершено');
    await expect(text('rate-inverse')).resolves.toBe('1 SKY = 0,002 BTC');
    await expect(marker()).resolves.toBe(42);

    // A direct visit of a language route is the page itself (index.html fallback), in that language.
    await page.goto(`${daemon.publicUrl}/cn/`);
    await expect(text('hero-title')).resolves.toBe('购买 SKY');
    await page.goto(`${daemon.publicUrl}/`);
    await expect(text('hero-title')).resolves.toBe('购买 SKY'); // the stored choice
    expect(new URL(page.url()).pathname).toBe('/cn/');
  });

  it('the admin dashboard lists the deposits and errored ones, and Retry works or says why not', async () => {
    expectedErrorPaths = ['/api/'];
    // A payout that rounds to nothing: done with teller's error, not retryable.
    await deposit(daemon, { addr: await bind(daemon, SKY[2]), value: 1, tx: 'zero1' });
    await waitForRecord('zero1:0', (d) => d.status === 'done' && d.error === ZERO_SEND_ERROR);
    // A payout whose broadcast is rejected for good: errored until an operator retries it.
    await dummy('/dummy/sender/fail?mode=permanent');
    await deposit(daemon, { addr: await bind(daemon, SKY[2]), value: 2_000_000, tx: 'fail1' });
    const failed = await waitForRecord('fail1:0', (d) => d.error !== '');
    expect([failed.status, failed.error]).toEqual(['waiting_confirm', DUMMY_BROADCAST_REJECTED]);
    expect((await broadcasts(daemon)).map((b) => b.txid)).not.toContain(failed.txid);
    const all = (await adminGet<{ deposits: DepositInfo[] }>(daemon, '/api/deposits', AUTH)).deposits;

    await open(`${daemon.adminUrl}/`, DASHBOARD);
    await byTestId('auth-error').waitFor();
    await byTestId('admin-token').fill(ADMIN_TOKEN);
    await byTestId('admin-token-save').click();
    await byTestId('deposits-table').waitFor();
    await expect(byTestId('auth-error').isHidden()).resolves.toBe(true);
    await expect(byTestId('deposit-row').count()).resolves.toBe(all.length);
    await expect(byTestId('errored-row').count()).resolves.toBe(2);
    await expect(text('errored-count')).resolves.toContain('2');
    const erroredRow = (id: string) => byTestId('errored-row').filter({ hasText: id });
    await expect(erroredRow('fail1:0').locator('.error-text').textContent()).resolves.toBe(
      DUMMY_BROADCAST_REJECTED,
    );
    await expect(erroredRow('zero1:0').locator('.error-text').textContent()).resolves.toBe(ZERO_SEND_ERROR);
    await expect(
      byTestId('deposits-table').locator('tr').filter({ hasText: 'fail1:0' }).locator('.badge').textContent(),
    ).resolves.toBe('waiting confirm');

    await erroredRow('zero1:0').getByTestId('retry-button').click();
    await expect(byTestId('retry-result').and(page.locator('.message-error')).textContent()).resolves.toBe(
      `Retry of zero1:0 failed: HTTP 409: deposit zero1:0 is done: ${ZERO_SEND_ERROR}`,
    );

    await erroredRow('fail1:0').getByTestId('retry-button').click();
    await expect(byTestId('retry-result').and(page.locator('.message-ok')).textContent()).resolves.toBe(
      'Retry of fail1:0 accepted: now waiting confirm.',
    );
    await erroredRow('fail1:0').waitFor({ state: 'detached' });
    await expect(byTestId('errored-row').count()).resolves.toBe(1);
    // The same stored payout goes out this time; once confirmed the deposit is done.
    await waitFor(
      () => broadcasts(daemon),
      (list) => list.some((b) => b.txid === failed.txid),
      LIVE_MS,
      `broadcast ${failed.txid}`,
    );
    await confirm(daemon, failed.txid);
    await waitForRecord('fail1:0', (d) => d.status === 'done' && d.error === '');
    // The dashboard refreshes itself every 5 s.
    await byTestId('deposits-table')
      .locator('tr')
      .filter({ hasText: 'fail1:0' })
      .locator('.badge.status-done')
      .waitFor({ timeout: LIVE_MS });
    await page.screenshot({ path: path.join(SHOTS, 'admin.png'), fullPage: true });
  });
});

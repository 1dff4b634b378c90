import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  CHROMIUM_PATH,
  hasChromium,
  launchBrowser,
  watchProblems,
  type PageProblems,
} from '../helpers/browser';
import { REPO_ROOT, request, startDaemon, type Daemon } from '../helpers/daemon';

/**
 * Live rates in the browser (issue 20): the buyer page, served by the built daemon with BTC priced
 * from two simulated sources, shows the market rate, when it was updated and that it is fixed at
 * first sighting; when the simulated market moves, the page shows the new rate without a reload
 * (within its config poll), and a guard pause with its reason. The dashboard's rates panel shows
 * the source, last price, guard and a chart. Screenshots in test/e2e/screenshots.
 */

const BUILD = path.join(REPO_ROOT, 'web', 'build');
const SHOTS = path.join(__dirname, 'screenshots');
const ADMIN_TOKEN = 'e2e-rates-horse-battery-staple';
/** The buyer page reads /api/config every 15 s. */
const CONFIG_POLL_DEADLINE_MS = 25_000;

const suite = hasChromium() ? describe : describe.skip;

suite(`live rates in Chromium (skipped when ${CHROMIUM_PATH} is missing)`, () => {
  let daemon: Daemon;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    if (!existsSync(path.join(BUILD, 'index.html')))
      throw new Error('web/build is missing: run npm run build');
    mkdirSync(SHOTS, { recursive: true });
    daemon = await startDaemon({
      web: { static_dir: BUILD },
      admin_panel: { token: ADMIN_TOKEN },
      market_rates: [
        {
          coin: 'BTC',
          sources: ['simulated', 'simulated-b'],
          spread_percent: '1',
          poll_interval: '100ms',
          max_age: '30s',
          max_disagreement_percent: '2',
          max_move_percent: '0',
        },
      ],
    });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await daemon?.dispose();
  });

  const setPrice = async (source: string, price: string): Promise<void> => {
    const res = await request(
      `${daemon.dummyUrl}/dummy/market/price?coin=BTC&source=${source}&price=${price}`,
    );
    expect(res.status).toBe(200);
  };

  it('the buyer page follows the market without a reload, and says when binds pause', async () => {
    context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    page = await context.newPage();
    problems = await watchProblems(page, () => false);
    await page.goto(daemon.publicUrl);
    const forward = page.getByTestId('rate-forward');
    await expect(forward.textContent()).resolves.toBeDefined();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="rate-forward"]')?.textContent === '1 BTC = 495 SKY',
      null,
      { timeout: CONFIG_POLL_DEADLINE_MS },
    );
    expect(await page.getByTestId('rate-market').textContent()).toBe(
      'Follows the market. Your rate is fixed when your deposit is first seen on the chain.',
    );
    expect(await page.getByTestId('rate-updated').textContent()).toMatch(/^Updated /);
    // Nothing on the page calls a market rate fixed by the operator.
    expect(await page.locator('.hero-lead').textContent()).toBe(
      'Send coins to your personal deposit address and receive SKY automatically at the market rate.',
    );
    expect(await page.locator('.footer-text').textContent()).toMatch(
      /^Rates follow the market: exchange prices less the operator's spread\. /,
    );
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    await setPrice('simulated', '612.5');
    await setPrice('simulated-b', '612.5');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="rate-forward"]')?.textContent === '1 BTC = 606.375 SKY',
      null,
      { timeout: CONFIG_POLL_DEADLINE_MS },
    );
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await page.screenshot({ path: path.join(SHOTS, 'buyer-market-rate.png'), fullPage: true });

    await setPrice('simulated-b', '700');
    await page.getByTestId('rate-paused').waitFor({ timeout: CONFIG_POLL_DEADLINE_MS });
    expect(await page.getByTestId('rate-paused').textContent()).toBe(
      'New deposit addresses for BTC are paused: BTC price sources disagree by 13.33% (limit 2%). Deposits already sent are paid as usual.',
    );
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await page.screenshot({ path: path.join(SHOTS, 'buyer-market-paused.png'), fullPage: true });
    expect(problems.list).toEqual([]);
    await context.close();
  }, 90_000);

  it('the dashboard shows the source, last price, guard and a chart of the rate changes', async () => {
    context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    page = await context.newPage();
    // Before the token is entered, the panels' requests are refused (401), as the page expects.
    problems = await watchProblems(page, (msg) => msg.text().includes('status of 401 (Unauthorized)'));
    await page.goto(`${daemon.adminUrl}/`);
    await page.getByTestId('admin-token').fill(ADMIN_TOKEN);
    await page.getByTestId('admin-token').press('Enter');
    await page.getByTestId('market-BTC').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('market-BTC-guard').textContent()).toBe(
      'disagree: BTC price sources disagree by 13.33% (limit 2%)',
    );
    expect(await page.getByTestId('market-BTC-price').textContent()).toBe('656.25');
    // The history holds the rate's changes (495, then 606.375; the pause adds none), time on x.
    const chart = page.getByTestId('market-BTC-chart');
    expect(await chart.locator('polyline').count()).toBe(1);
    expect(await page.getByTestId('market-BTC-chart-max').textContent()).toBe('606.375');
    expect(await page.getByTestId('market-BTC-chart-min').textContent()).toBe('495');
    expect(await page.getByTestId('market-BTC-chart-caption').textContent()).toMatch(
      /^Rate, last 2 changes, /,
    );
    await page.getByTestId('rates').screenshot({ path: path.join(SHOTS, 'admin-rates.png') });
    expect(problems.list).toEqual([]);
  }, 60_000);
});

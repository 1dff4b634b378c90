import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
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
  adminDeposits,
  bind,
  broadcasts,
  CLI,
  confirm,
  deposit,
  health,
  REPO_ROOT,
  request,
  setBalance,
  SKY,
  startDaemon,
  waitFor,
  waitForBroadcasts,
  waitForDeposit,
  type Daemon,
} from '../helpers/daemon';

/**
 * What a newcomer meets in the first hour (issue 21), in Chromium against the real daemon in dummy
 * mode: the buyer page's errored and sold-out deposits, its calculator and live inventory, the
 * Russian layout, and the admin deposits table at 1280 and 1440 px. Screenshots go to
 * test/e2e/screenshots. Needs `npm run build`.
 */

const BUILD = path.join(REPO_ROOT, 'web', 'build');
const SHOTS = path.join(__dirname, 'screenshots');
const LIVE_MS = 10_000;
const SKY_WALLET = 100_000_000n; // droplets

const suite = hasChromium() ? describe : describe.skip;

suite(`first hour: buyer page and dashboard (skipped when ${CHROMIUM_PATH} is missing)`, () => {
  let daemon: Daemon;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    for (const built of [CLI, path.join(BUILD, 'index.html'), path.join(BUILD, 'admin', 'index.html')]) {
      if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build first`);
    }
    mkdirSync(SHOTS, { recursive: true });
    daemon = await startDaemon({ web: { static_dir: BUILD } });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await daemon?.dispose();
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
    expect(problems.list).toEqual([]);
  });

  async function open(url: string, width: number, height = 900): Promise<void> {
    ({ context, page, problems } = await openPage(browser, url, { width, height }));
  }

  const byTestId = (id: string) => page.getByTestId(id);
  const text = (id: string) => byTestId(id).textContent();

  async function follow(skyAddr: string): Promise<void> {
    await byTestId('address-input').fill(skyAddr);
    await byTestId('status-button').click();
    await byTestId('status-list').waitFor();
  }

  it('an errored payout: "Payout delayed", no "SKY sent", no green amount, no internal error; newest first', async () => {
    // An older deposit, paid.
    const first = await bind(daemon, SKY[0]);
    await deposit(daemon, { addr: first, value: 1_000_000, tx: 'older' });
    const [paid] = await waitForBroadcasts(daemon, 1);
    await confirm(daemon, paid.txid);
    await waitForDeposit(daemon, 'older:0', (d) => d.status === 'done');
    // A newer one whose broadcast is rejected for good.
    const second = await bind(daemon, SKY[0]);
    expect((await request(`${daemon.dummyUrl}/dummy/sender/fail?mode=permanent`)).status).toBe(200);
    await deposit(daemon, { addr: second, value: 2_000_000, tx: 'delayed' });
    await waitForDeposit(daemon, 'delayed:0', (d) => d.error !== '');

    await open(`${daemon.publicUrl}/`, 1280);
    await follow(SKY[0]);
    const rows = byTestId('status-row');
    await expect(rows.count()).resolves.toBe(2);
    const newest = rows.nth(0);
    await expect(newest.getByTestId('status-deposit-address').textContent()).resolves.toBe(second);
    await expect(rows.nth(1).getByTestId('status-deposit-address').textContent()).resolves.toBe(first);
    await expect(newest.getByTestId('status-state').textContent()).resolves.toBe('Payout delayed');
    await expect(newest.getByTestId('status-message').textContent()).resolves.toBe(
      'Payout delayed; the operator has been alerted.',
    );
    await expect(newest.getByTestId('payout-amount').textContent()).resolves.toBe(
      '10 SKY — delayed, not sent yet',
    );
    await expect(newest.locator('.detail.strong').count()).resolves.toBe(0);
    await expect(newest.getByTestId('payout-txid').count()).resolves.toBe(0);
    const shown = (await newest.textContent()) ?? '';
    expect(shown).not.toContain('SKY sent');
    expect(shown).not.toContain(DUMMY_BROADCAST_REJECTED);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, 'buyer-errored.png'), fullPage: true });
  });

  it('sold out: the waiting deposit says so, the calculator warns, "Available to buy" follows live', async () => {
    await setBalance(daemon, 1_000_000n); // 1 SKY
    try {
      const addr = await bind(daemon, SKY[1]);
      await deposit(daemon, { addr, value: 1_000_000, tx: 'waits' }); // 5 SKY
      await waitForDeposit(daemon, 'waits:0', (d) => d.status === 'waiting_send');
      await waitFor(
        () => health(daemon),
        (h) => h.sold_out,
        LIVE_MS,
        'sold out',
      );

      await open(`${daemon.publicUrl}/`, 1280);
      await follow(SKY[1]);
      const row = byTestId('status-row').first();
      await expect(row.getByTestId('status-state').textContent()).resolves.toBe('Waiting for SKY');
      await expect(row.getByTestId('status-message').textContent()).resolves.toBe(
        'BTC deposit confirmed. SKY is sold out right now: your payout is sent automatically as soon as the operator refills.',
      );
      await expect(text('inventory')).resolves.toBe('1 SKY');
      await byTestId('calc-amount').fill('0.01');
      await expect(text('calc-result')).resolves.toBe('5 SKY');
      await expect(byTestId('calc-warning').isVisible()).resolves.toBe(true);
      await expect(text('calc-warning')).resolves.toBe(
        'More than the 1 SKY available now: the payout would wait until the operator refills.',
      );
      await byTestId('calc-amount').fill('0.001');
      await expect(byTestId('calc-warning').isHidden()).resolves.toBe(true);
      await byTestId('calc-amount').fill('0.01');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(SHOTS, 'buyer-sold-out.png'), fullPage: true });

      // The operator refills: without a reload, the payout goes and "Available to buy" follows.
      await setBalance(daemon, SKY_WALLET);
      await byTestId('status-row')
        .and(page.locator('[data-status="waiting_confirm"]'))
        .waitFor({ timeout: LIVE_MS });
      await page.waitForFunction(
        () => document.querySelector('[data-testid="inventory"]')?.textContent === '95 SKY',
        undefined,
        { timeout: LIVE_MS },
      );
      await expect(byTestId('calc-warning').isHidden()).resolves.toBe(true);
    } finally {
      await setBalance(daemon, SKY_WALLET);
    }
    const pending = (await broadcasts(daemon)).filter((b) => !b.confirmed);
    for (const b of pending) await confirm(daemon, b.txid);
  });

  it.each([1280, 1024, 390])('Русский at %i px: the main button is one line', async (width) => {
    await open(`${daemon.publicUrl}/ru/`, width);
    const button = byTestId('bind-button');
    await expect(textBecomes(button, 'Получить адрес для BTC')).resolves.toBe('Получить адрес для BTC');
    // One line box per line of the label's text; and the label is not cut off.
    const [lines, clipped] = await button.evaluate((b) => {
      const range = document.createRange();
      range.selectNodeContents(b);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      return [tops.size, b.scrollWidth > b.clientWidth + 1];
    });
    expect({ lines, clipped }).toEqual({ lines: 1, clipped: false });
    if (width === 1024) await page.screenshot({ path: path.join(SHOTS, 'buyer-ru.png') });
  });

  it.each([1280, 1440])(
    'admin at %i px: the deposits table fits, newest first, searchable',
    async (width) => {
      const all = await adminDeposits(daemon);
      expect(all.length).toBeGreaterThanOrEqual(3);
      await open(`${daemon.adminUrl}/`, width);
      const tableEl = byTestId('deposits-table');
      await tableEl.waitFor();
      // Fits: no table scrolls sideways in its card (the list names any that does), also with the
      // errored record opened.
      const overflowing = () =>
        page.evaluate(() =>
          [...document.querySelectorAll('.table-wrap')]
            .filter((w) => w.scrollWidth > w.clientWidth + 1)
            .map(
              (w) =>
                `${w.closest('.panel')?.getAttribute('data-testid')}: ${w.scrollWidth} > ${w.clientWidth}`,
            ),
        );
      await expect(overflowing()).resolves.toEqual([]);
      const seqs = await byTestId('deposit-row').evaluateAll((rows) =>
        rows.map((r) => Number(r.querySelector('td[data-col="seq"]')?.textContent)),
      );
      expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
      expect(seqs).toHaveLength(all.length);

      // The errored deposit: its status and its whole error, not cut off.
      const errored = byTestId('deposits-table').locator('tr').filter({ hasText: 'delayed:0' });
      await expect(errored.locator('.flag-errored').textContent()).resolves.toBe('errored');
      await expect(errored.locator('.badge').textContent()).resolves.toBe('waiting confirm');
      await expect(errored.locator('.error-text').textContent()).resolves.toBe(DUMMY_BROADCAST_REJECTED);
      await expect(
        errored.locator('.error-text').evaluate((e) => e.scrollWidth <= e.clientWidth + 1),
      ).resolves.toBe(true);
      await errored.getByTestId('record-toggle').click();
      await expect(overflowing()).resolves.toEqual([]);
      const record = byTestId('deposits').getByTestId('record-view');
      await expect(record.locator('h3').textContent()).resolves.toBe('Record of delayed:0');
      await expect(
        record.locator('pre').evaluate((p) => {
          const card = p.closest('.panel')?.getBoundingClientRect();
          const r = p.getBoundingClientRect();
          return card !== undefined && r.left >= card.left && r.right <= card.right;
        }),
      ).resolves.toBe(true);

      // The dummy scanner says what it is instead of -1.
      const scanner = byTestId('scanners-table').locator('tbody tr').first();
      await expect(scanner.textContent()).resolves.not.toContain('-1');
      await expect(scanner.textContent()).resolves.toContain('dummy API');
      await page.screenshot({ path: path.join(SHOTS, `admin-${width}.png`), fullPage: true });

      // Search: buyer address, deposit address, payout txid.
      const search = byTestId('deposit-search');
      const rowCount = () => byTestId('deposit-row').filter({ visible: true }).count();
      await search.fill(SKY[1]);
      await expect(rowCount()).resolves.toBe(all.filter((d) => d.sky_address === SKY[1]).length);
      const target = all.find((d) => d.deposit_id === 'older:0');
      await search.fill(target?.deposit_address ?? '?');
      await expect(rowCount()).resolves.toBe(1);
      await search.fill(target?.txid ?? '?');
      await expect(rowCount()).resolves.toBe(1);
      await search.fill('no such thing');
      await expect(rowCount()).resolves.toBe(0);
      await search.fill('');
      await waitFor(rowCount, (n) => n === all.length, LIVE_MS, 'every row back');
    },
  );
});

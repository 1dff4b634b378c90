import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { en } from '../../web/src/buyer/i18n/en';
import { ru } from '../../web/src/buyer/i18n/ru';
import { zh } from '../../web/src/buyer/i18n/zh';
import {
  CHROMIUM_PATH,
  hasChromium,
  launchBrowser,
  openPage,
  type PageProblems,
  textBecomes,
} from '../helpers/browser';
import { until } from '../helpers/until';

/**
 * The built web UI (web/build) in Chromium against a tiny mock of the public and admin APIs,
 * served with the daemon's CSP. Any console error, uncaught exception or CSP violation fails.
 */

const ROOT = path.resolve(__dirname, '../..');
const BUILD = path.join(ROOT, 'web', 'build');
const SHOTS = path.join(__dirname, 'screenshots');
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'";

const SKY_ADDR = '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X';
const SKY_ADDR_2 = 't5apgjk4LvV9PQareTPzWkE88o1G5A55FW';
const SKY_ADDR_MAXED = 'Z8LagGxLssTjL6RhK7TQx54vJUBDvAQnbr';
const BAD_CHECKSUM = 'Z8LagGxLssTjL6RhK7TQx54vJUBDvBtmtC';
const BTC_DEPOSIT = '1PZ63K3G4gZP6A6E2TTbBwxT5bFQGL2TLB';
const PAYOUT_TXID = 'a3f1c0de9b7e4f21c8d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7';
const ADMIN_TOKEN = 'correct-horse-battery-staple';
const T0 = 1_795_315_313;

const config = (over: Record<string, unknown> = {}) => ({
  enabled: true,
  buy_method: 'direct',
  max_bound_addrs: 5,
  max_decimals: 3,
  deposits: {
    btc: {
      enabled: true,
      confirmations_required: 2,
      fixed_exchange_rate: '500.000000',
      passthrough_minimum_volume: '0.005',
    },
    eth: {
      enabled: true,
      confirmations_required: 12,
      fixed_exchange_rate: '100.000000',
      passthrough_minimum_volume: '0',
    },
    sky: {
      enabled: false,
      confirmations_required: 0,
      fixed_exchange_rate: '1',
      passthrough_minimum_volume: '0',
    },
  },
  payout_coin: 'SKY',
  sold_out: false,
  ...over,
});

const health = (senderError = '') => ({
  status: 'OK',
  application: 'teller',
  version: 'test',
  uptime: '1m0s',
  exchange: {
    buy_method: 'direct',
    processor_error: '',
    sender_error: senderError,
    balance: { coins: '99.670000', hours: '100' },
    deposit_error_count: 0,
  },
});

const v2Deposit = (over: Record<string, unknown>) => ({
  coin_type: 'BTC',
  deposit_address: BTC_DEPOSIT,
  status: 'waiting_deposit',
  confirmations: 0,
  confirmations_required: 2,
  deposit_value: '',
  payout_value: '',
  payout_coin: 'SKY',
  payout_txid: '',
  error: '',
  updated_at: T0,
  ...over,
});

/** What /api/v2/status answers at each stage of a deposit's life. */
const STAGES = [
  v2Deposit({}),
  v2Deposit({
    status: 'waiting_confirm',
    confirmations: 1,
    deposit_value: '0.01',
    payout_value: '5',
    updated_at: T0 + 60,
  }),
  v2Deposit({
    status: 'done',
    confirmations: 2,
    deposit_value: '0.01',
    payout_value: '5',
    payout_txid: PAYOUT_TXID,
    updated_at: T0 + 120,
  }),
];

const depositInfo = (seq: number, status: string, error = '') => ({
  seq,
  updated_at: T0 + seq,
  status,
  coin_type: 'BTC',
  sky_address: SKY_ADDR,
  buy_method: 'direct',
  deposit_address: BTC_DEPOSIT,
  deposit_id: `${String(seq).repeat(64).slice(0, 64)}:0`,
  txid: status === 'done' ? PAYOUT_TXID : '',
  conversion_rate: '500',
  deposit_value: 1_000_000,
  sky_sent: status === 'done' ? 5_000_000 : 0,
  passthrough: { exchange_name: '', sky_bought: 0 },
  error,
  deposit: {
    coin_type: 'BTC',
    address: BTC_DEPOSIT,
    value: 1_000_000,
    height: 100,
    tx: 'ab',
    n: 0,
    processed: false,
  },
});

const DEPOSITS = [depositInfo(1, 'done'), depositInfo(2, 'waiting_send', 'Skycoin send amount is 0')];

interface Mock {
  config: Record<string, unknown>;
  health: Record<string, unknown>;
  stage: number;
  v2: boolean;
  bindCalls: Record<string, unknown>[];
  statusCalls: string[];
  retryCalls: string[];
  depositQueries: string[];
}

const mock: Mock = {
  config: config(),
  health: health(),
  stage: 0,
  v2: true,
  bindCalls: [],
  statusCalls: [],
  retryCalls: [],
  depositQueries: [],
};

function resetMock(): void {
  Object.assign(mock, {
    config: config(),
    health: health(),
    stage: 0,
    v2: true,
    bindCalls: [],
    statusCalls: [],
    retryCalls: [],
    depositQueries: [],
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

type Reply = (status: number, body: unknown, headers?: Record<string, string>) => void;

function replier(res: http.ServerResponse): Reply {
  return (status, body, headers = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'Content-Security-Policy': CSP,
      'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
      ...headers,
    });
    res.end(text);
  };
}

/** A file of `dir`, with index.html for directories and extension-less UI routes (/cn/, /ru/). */
function serveStatic(dir: string, urlPath: string, reply: Reply): void {
  let file = path.join(dir, path.normalize(decodeURIComponent(urlPath)));
  if (!file.startsWith(dir)) return reply(404, '404 page not found\n');
  if (!existsSync(file) || statSync(file).isDirectory()) {
    if (path.extname(urlPath) !== '') return reply(404, '404 page not found\n');
    file = path.join(dir, 'index.html');
  }
  reply(200, readFileSync(file, 'utf8'), {
    'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
  });
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

async function publicRoutes(req: http.IncomingMessage, url: URL, reply: Reply): Promise<void> {
  const p = url.pathname;
  if (p === '/api/config') return reply(200, mock.config);
  if (p === '/api/health') return reply(200, mock.health);
  if (p === '/api/bind') {
    if (req.method !== 'POST') return reply(405, 'Invalid request method\n', { Allow: 'POST' });
    if (req.headers['content-type'] !== 'application/json') return reply(415, 'Invalid content type\n');
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    mock.bindCalls.push(body);
    if (body.skyaddr === SKY_ADDR_MAXED) {
      return reply(500, 'The maximum number of addresses have been assigned to this SKY address\n');
    }
    return reply(200, { deposit_address: BTC_DEPOSIT, coin_type: body.coin_type, buy_method: 'direct' });
  }
  if (p === '/api/v2/status' || p === '/api/status') {
    const addr = url.searchParams.get('skyaddr') ?? '';
    mock.statusCalls.push(`${p}?${addr}`);
    if (p === '/api/v2/status') {
      if (!mock.v2) return reply(404, '404 page not found\n');
      return reply(200, { deposits: addr === SKY_ADDR ? [STAGES[mock.stage]] : [] });
    }
    return reply(200, { statuses: [{ seq: 0, updated_at: T0, status: 'done', coin_type: 'BTC' }] });
  }
  if (p.startsWith('/api/')) return reply(404, '404 page not found\n');
  serveStatic(BUILD, p, reply);
}

function adminRoutes(req: http.IncomingMessage, url: URL, reply: Reply): void {
  const p = url.pathname;
  if (!p.startsWith('/api/')) {
    const sub = p === '/admin' || p.startsWith('/admin/') ? p.slice('/admin'.length) || '/' : p;
    return serveStatic(path.join(BUILD, 'admin'), sub, reply);
  }
  if (req.headers.authorization !== `Bearer ${ADMIN_TOKEN}`) {
    return reply(401, 'Unauthorized\n', { 'WWW-Authenticate': 'Bearer' });
  }
  const retry = /^\/api\/deposits\/([^/]+)\/retry$/.exec(p);
  if (retry !== null) {
    if (req.method !== 'POST') return reply(405, 'Method Not Allowed\n', { Allow: 'POST' });
    mock.retryCalls.push(decodeURIComponent(retry[1]));
    return reply(200, { deposit_id: decodeURIComponent(retry[1]), status: 'waiting_send' });
  }
  switch (p) {
    case '/api/overview':
      return reply(200, {
        pools: { BTC: { total: 10, used: 2, remaining: 8 }, ETH: { total: 8, used: 0, remaining: 8 } },
        scanners: [
          { chain: 'bitcoin', height: 840_000, tip: 840_001, lag: 1, last_error: '', alert: false },
          {
            chain: 'ethereum',
            height: 19_000_000,
            tip: 19_000_040,
            lag: 40,
            last_error: 'timeout',
            alert: true,
          },
        ],
        hot_wallet: { coin: 'SKY', balance: '99.670000' },
        sold_out: false,
        deposits_by_status: { done: 1, waiting_send: 1 },
        uptime_seconds: 3600,
      });
    case '/api/deposits': {
      const status = url.searchParams.get('status') ?? '';
      mock.depositQueries.push(status);
      return reply(200, { deposits: DEPOSITS.filter((d) => status === '' || d.status === status) });
    }
    case '/api/deposits/errored':
      return reply(200, { deposits: DEPOSITS.filter((d) => d.error !== '') });
    case '/api/accounting':
      return reply(200, {
        sent: '5.000000',
        received: { BTC: '0.02000000', ETH: '0.000000000000000000', SKY: '0.000000' },
      });
    case '/api/deposit-addresses':
      return reply(200, {
        BTC: {
          scanning_enabled: true,
          address_manager_enabled: true,
          remaining_addresses: 8,
          scanning_addresses: [BTC_DEPOSIT],
        },
        ETH: {
          scanning_enabled: false,
          address_manager_enabled: false,
          remaining_addresses: 0,
          scanning_addresses: [],
        },
      });
    case '/api/backup':
      return reply(200, 'BACKUP', {
        'Content-Type': 'application/octet-stream',
        'Content-Disposition': 'attachment; filename="teller-1795315313.db"',
      });
    default:
      return reply(404, '404 page not found\n');
  }
}

function startServer(
  routes: (req: http.IncomingMessage, url: URL, reply: Reply) => Promise<void> | void,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const reply = replier(res);
    Promise.resolve(routes(req, new URL(req.url ?? '/', 'http://localhost'), reply)).catch((err: unknown) =>
      reply(500, `mock failed: ${String(err)}\n`),
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const origin = (s: http.Server): string => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

/** The browser logs every HTTP error response; only the ones a test provokes on purpose are fine. */
let expectedErrorPaths: string[] = [];
const expectedHttpError = (msg: ConsoleMessage): boolean =>
  msg.text().startsWith('Failed to load resource: the server responded with a status of') &&
  expectedErrorPaths.some((p) => msg.location().url.includes(p));

const suite = hasChromium() ? describe : describe.skip;

suite(`web UI in Chromium (skipped when ${CHROMIUM_PATH} is missing)`, () => {
  let browser: Browser;
  let pub: http.Server;
  let admin: http.Server;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    if (!existsSync(path.join(BUILD, 'index.html')) || !existsSync(path.join(BUILD, 'admin', 'index.html'))) {
      execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-web.mjs')], { stdio: 'inherit' });
    }
    mkdirSync(SHOTS, { recursive: true });
    [pub, admin] = await Promise.all([startServer(publicRoutes), startServer(adminRoutes)]);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([pub, admin].map((s) => new Promise((r) => (s ? s.close(r) : r(undefined)))));
  });

  async function open(url: string, viewport = { width: 1280, height: 900 }): Promise<void> {
    ({ context, page, problems } = await openPage(browser, url, viewport, expectedHttpError));
  }

  beforeEach(() => {
    resetMock();
    expectedErrorPaths = [];
  });

  afterEach(async () => {
    await context?.close();
    expect(problems.list).toEqual([]);
  });

  const byTestId = (id: string) => page.getByTestId(id);

  async function bindFirst(address = SKY_ADDR): Promise<void> {
    await byTestId('address-input').fill(address);
    await byTestId('bind-button').click();
    await byTestId('deposit-address').waitFor();
  }

  it('shows the rate both ways and the terms of the selected coin', async () => {
    await open(`${origin(pub)}/`);
    await expect(textBecomes(byTestId('rate-forward'), '1 BTC = 500 SKY')).resolves.toBe('1 BTC = 500 SKY');
    await expect(byTestId('rate-inverse').textContent()).resolves.toBe('1 SKY = 0.002 BTC');
    await expect(byTestId('inventory').textContent()).resolves.toBe('99.67 SKY');
    await expect(byTestId('confirmations-required').textContent()).resolves.toBe('2');
    await expect(byTestId('payout-precision').textContent()).resolves.toBe('3 decimal places');
    await expect(byTestId('bind-limit').textContent()).resolves.toBe('5');
    await expect(byTestId('availability-banner').isHidden()).resolves.toBe(true);
    // Only enabled coins are offered; switching updates the rate.
    await expect(byTestId('coin-select').locator('option').allTextContents()).resolves.toEqual([
      'BTC',
      'ETH',
    ]);
    await byTestId('coin-select').selectOption('eth');
    await expect(byTestId('rate-forward').textContent()).resolves.toBe('1 ETH = 100 SKY');
    await expect(byTestId('rate-inverse').textContent()).resolves.toBe('1 SKY = 0.01 ETH');
    await expect(byTestId('confirmations-required').textContent()).resolves.toBe('12');
    await expect(byTestId('bind-button').textContent()).resolves.toBe('Get ETH deposit address');
    // The estimate truncates to max_decimals.
    await byTestId('calc-amount').fill('0.123456');
    await expect(byTestId('calc-result').textContent()).resolves.toBe('12.345 SKY');
  });

  it('rejects an invalid receive address inline without calling the server', async () => {
    await open(`${origin(pub)}/`);
    await byTestId('bind-button').click();
    await expect(byTestId('address-error').textContent()).resolves.toBe('Please enter your SKY address.');
    await byTestId('address-input').fill(BAD_CHECKSUM);
    await byTestId('bind-button').click();
    await expect(byTestId('address-error').textContent()).resolves.toContain('checksum');
    await byTestId('address-input').fill('1PZ63K3G4gZP6A6E2TTbBwxT5bFQGL2TLB');
    await byTestId('status-button').click();
    await expect(byTestId('address-error').textContent()).resolves.toContain('wrong version');
    expect(mock.bindCalls).toEqual([]);
    expect(mock.statusCalls).toEqual([]);
    // Editing clears the error.
    await byTestId('address-input').fill(SKY_ADDR);
    await expect(byTestId('address-error').isHidden()).resolves.toBe(true);
  });

  it('shows the server error text of a refused bind', async () => {
    expectedErrorPaths = ['/api/bind'];
    await open(`${origin(pub)}/`);
    await byTestId('address-input').fill(`  ${SKY_ADDR_MAXED}\t`);
    await byTestId('bind-button').click();
    await expect(byTestId('bind-message').textContent()).resolves.toBe(
      'Could not get a deposit address: The maximum number of addresses have been assigned to this SKY address',
    );
    expect(mock.bindCalls).toEqual([{ skyaddr: SKY_ADDR_MAXED, coin_type: 'BTC' }]);
    await expect(byTestId('deposit-card').isHidden()).resolves.toBe(true);
  });

  it('binds, shows the deposit address with QR and copy, and follows the status live', async () => {
    await open(`${origin(pub)}/`);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await bindFirst(`${SKY_ADDR}  `);
    expect(mock.bindCalls).toEqual([{ skyaddr: SKY_ADDR, coin_type: 'BTC' }]);
    await expect(byTestId('deposit-address').textContent()).resolves.toBe(BTC_DEPOSIT);
    // DESIGN.md "Money": the buyer is told when the rate is frozen.
    await expect(byTestId('deposit-card').textContent()).resolves.toContain(
      'The rate is locked when your deposit is first seen on the chain.',
    );
    await expect(page.locator('.footer-text').textContent()).resolves.toContain(
      'Your deposit gets the rate in force when it is first seen on the chain',
    );
    const qr = byTestId('deposit-qr');
    await expect(qr.getAttribute('src')).resolves.toMatch(/^data:image\/png;base64,/);
    await expect(qr.getAttribute('data-uri')).resolves.toBe(`bitcoin:${BTC_DEPOSIT}`);
    await expect(qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).resolves.toBeGreaterThan(100);
    await byTestId('copy-button').click();
    const feedback = byTestId('copy-feedback');
    await until('the bind feedback text', async () => (await feedback.textContent()) !== '', undefined, 50);
    await expect(feedback.textContent()).resolves.toMatch(/^(Copied|Press Ctrl\+C to copy)$/);

    const row = byTestId('status-row');
    await row.and(page.locator('[data-status="waiting_deposit"]')).waitFor();
    await expect(row.getByTestId('status-state').textContent()).resolves.toBe('Waiting for deposit');
    mock.stage = 1;
    await row.and(page.locator('[data-status="waiting_confirm"]')).waitFor({ timeout: 8000 });
    await expect(row.getByTestId('confirmations').textContent()).resolves.toBe('1 of 2');
    await expect(
      row.getByTestId('confirmations-bar').evaluate((p: HTMLProgressElement) => [p.value, p.max]),
    ).resolves.toEqual([1, 2]);
    await expect(row.getByTestId('deposit-amount').textContent()).resolves.toBe('0.01 BTC');
    await expect(row.getByTestId('payout-amount').textContent()).resolves.toBe('5 SKY');
    mock.stage = 2;
    await row.getByTestId('payout-txid').waitFor({ timeout: 8000 });
    await expect(row.getByTestId('payout-txid').textContent()).resolves.toBe(PAYOUT_TXID);
    await expect(row.getByTestId('status-state').textContent()).resolves.toBe('Completed');
    await expect(row.getByTestId('status-message').textContent()).resolves.toBe(
      'Completed. Check your SKY wallet.',
    );
    // Live: no reload happened.
    await expect(page.evaluate(() => (window as unknown as { marker: number }).marker)).resolves.toBe(42);
    expect(mock.statusCalls.every((c) => c === `/api/v2/status?${SKY_ADDR}`)).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'mock-buyer-desktop.png'), fullPage: true });
  });

  it('falls back to /api/status when the server has no v2 status', async () => {
    mock.v2 = false;
    expectedErrorPaths = ['/api/v2/status'];
    await open(`${origin(pub)}/`);
    await byTestId('address-input').fill(SKY_ADDR_2);
    await byTestId('status-button').click();
    await byTestId('status-row').waitFor();
    await expect(byTestId('status-state').textContent()).resolves.toBe('Completed');
    expect(mock.statusCalls).toEqual([`/api/v2/status?${SKY_ADDR_2}`, `/api/status?${SKY_ADDR_2}`]);
  });

  it('shows sold out before the buyer pays, and disables binding', async () => {
    mock.health = health('CreateTransaction not enough coins');
    await open(`${origin(pub)}/`);
    const banner = byTestId('availability-banner');
    await banner.and(page.locator('[data-kind="sold_out"]')).waitFor();
    await expect(banner.textContent()).resolves.toContain('SKY is sold out, check back later');
    await expect(byTestId('bind-button').isDisabled()).resolves.toBe(true);
    await context.close();

    mock.health = health();
    mock.config = config({ sold_out: true });
    await open(`${origin(pub)}/`);
    await byTestId('availability-banner').and(page.locator('[data-kind="sold_out"]')).waitFor();
    await expect(byTestId('bind-button').isDisabled()).resolves.toBe(true);
  });

  it('shows the closed banner when binding is disabled', async () => {
    mock.config = config({ enabled: false });
    await open(`${origin(pub)}/`);
    const banner = byTestId('availability-banner');
    await banner.and(page.locator('[data-kind="closed"]')).waitFor();
    await expect(banner.getByTestId('banner-title').textContent()).resolves.toBe('OTC is currently closed');
    await expect(byTestId('bind-button').isDisabled()).resolves.toBe(true);
    // Buyers with earlier deposits can still look them up.
    await expect(byTestId('status-button').isDisabled()).resolves.toBe(false);
  });

  it('has every text in every language', () => {
    for (const messages of [zh, ru]) {
      expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(messages)) {
        const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
        expect([key, placeholders(text)]).toEqual([key, placeholders(en[key as keyof typeof en])]);
      }
    }
    problems = { list: [] };
  });

  /** English fragments (between placeholders) of texts that differ in `lang`. */
  function englishLeftovers(pageText: string, translated: Record<string, string>): string[] {
    return Object.entries(en)
      .filter(([key, text]) => translated[key] !== text)
      .flatMap(([, text]) => text.split(/\{\w+\}/))
      .map((s) => s.trim())
      .filter((s) => s.length >= 4 && /[a-z]{3}/i.test(s) && pageText.includes(s));
  }

  it('switches to 中文 and Русский without a reload, and remembers the choice', async () => {
    await open(`${origin(pub)}/`);
    await bindFirst();
    await byTestId('status-row').waitFor();
    await byTestId('calc-amount').fill('0.01');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));

    await byTestId('lang-zh').click();
    await expect(byTestId('hero-title').textContent()).resolves.toBe('购买 SKY');
    expect(new URL(page.url()).pathname).toBe('/cn/');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
    await expect(byTestId('status-state').textContent()).resolves.toBe('等待充值');
    await expect(byTestId('payout-precision').textContent()).resolves.toBe('3 位小数');
    expect(englishLeftovers(await page.locator('body').innerText(), zh)).toEqual([]);

    await byTestId('lang-ru').click();
    await expect(byTestId('hero-title').textContent()).resolves.toBe('Купить SKY');
    expect(new URL(page.url()).pathname).toBe('/ru/');
    await expect(byTestId('bind-button').textContent()).resolves.toBe('Получить адрес для BTC');
    await expect(byTestId('rate-inverse').textContent()).resolves.toBe('1 SKY = 0,002 BTC');
    expect(englishLeftovers(await page.locator('body').innerText(), ru)).toEqual([]);
    await expect(page.evaluate(() => (window as unknown as { marker: number }).marker)).resolves.toBe(7);

    // Back goes to 中文; a fresh visit of / comes back in the stored language.
    await page.goBack();
    await expect(byTestId('hero-title').textContent()).resolves.toBe('购买 SKY');
    await page.goto(`${origin(pub)}/`);
    await expect(byTestId('hero-title').textContent()).resolves.toBe('购买 SKY');
    expect(new URL(page.url()).pathname).toBe('/cn/');
    // The inline address error is translated too.
    await byTestId('address-input').fill('');
    await byTestId('bind-button').click();
    await expect(byTestId('address-error').textContent()).resolves.toBe('请输入您的 SKY 地址。');
    // A direct visit of /ru/ is Russian.
    await page.goto(`${origin(pub)}/ru/`);
    await expect(byTestId('hero-title').textContent()).resolves.toBe('Купить SKY');
  });

  it('fits a phone screen without horizontal scrolling', async () => {
    await open(`${origin(pub)}/`, { width: 390, height: 844 });
    await bindFirst();
    mock.stage = 1;
    await byTestId('confirmations').waitFor({ timeout: 8000 });
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await expect(overflow()).resolves.toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SHOTS, 'mock-buyer-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 360, height: 740 });
    await expect(overflow()).resolves.toBeLessThanOrEqual(0);
    await byTestId('lang-ru').click();
    await expect(overflow()).resolves.toBeLessThanOrEqual(0);
  });

  it('admin dashboard: asks for the token, lists deposits, retries, filters and backs up', async () => {
    expectedErrorPaths = ['/api/'];
    await open(`${origin(admin)}/`);
    await byTestId('auth-error').waitFor();
    await expect(byTestId('auth-error').textContent()).resolves.toContain('Unauthorized');

    await byTestId('admin-token').fill(ADMIN_TOKEN);
    await byTestId('admin-token-save').click();
    await byTestId('deposits-table').waitFor();
    await expect(byTestId('auth-error').isHidden()).resolves.toBe(true);
    await expect(byTestId('deposit-row').count()).resolves.toBe(2);
    await expect(byTestId('errored-row').count()).resolves.toBe(1);
    await expect(byTestId('hot-wallet').textContent()).resolves.toContain('99.67 SKY');
    await expect(byTestId('pools-table').textContent()).resolves.toContain('BTC');
    await expect(byTestId('scanners-table').textContent()).resolves.toContain('timeout');
    await expect(byTestId('accounting-sent').textContent()).resolves.toContain('5 SKY');
    await expect(byTestId('addresses-table').textContent()).resolves.toContain('BTC');
    await expect(byTestId('deposits-table').textContent()).resolves.toContain('0.01 BTC');

    await byTestId('retry-button').click();
    await byTestId('retry-result').waitFor();
    const erroredId = DEPOSITS[1].deposit_id;
    expect(mock.retryCalls).toEqual([erroredId]);
    await expect(byTestId('retry-result').textContent()).resolves.toContain(`Retry of ${erroredId} accepted`);

    await byTestId('status-filter').selectOption('done');
    await until('one deposit row', async () => (await byTestId('deposit-row').count()) === 1, undefined, 50);
    expect(mock.depositQueries).toContain('done');

    const download = page.waitForEvent('download');
    await byTestId('backup-button').click();
    expect((await download).suggestedFilename()).toBe('teller-1795315313.db');
    await expect(byTestId('backup-result').textContent()).resolves.toBe('Saved teller-1795315313.db');

    await byTestId('status-filter').selectOption('');
    await until('two deposit rows', async () => (await byTestId('deposit-row').count()) === 2, undefined, 50);
    await page.screenshot({ path: path.join(SHOTS, 'mock-admin.png'), fullPage: true });

    // The token lives in sessionStorage: the dashboard under /admin/ uses it straight away.
    await page.goto(`${origin(admin)}/admin/`);
    await byTestId('deposits-table').waitFor();
  });
});

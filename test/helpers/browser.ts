import { existsSync } from 'node:fs';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type ConsoleMessage,
  type Locator,
  type Page,
} from 'playwright-core';
import { untilValue } from './until';

/**
 * Debian's Chromium driven by playwright-core (no bundled browser download). Playwright's
 * `launch` runs it with a fresh temporary profile (user-data dir) that it deletes on close.
 */

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const hasChromium = (): boolean => existsSync(CHROMIUM_PATH);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

export interface PageProblems {
  /** Console errors, uncaught exceptions and CSP violations seen so far. */
  list: string[];
}

/**
 * Records console errors, page exceptions and CSP violations of `page`. `allow` may excuse a
 * console error (the browser logs every HTTP error response the page fetches on purpose).
 */
export async function watchProblems(
  page: Page,
  allow: (msg: ConsoleMessage) => boolean = () => false,
): Promise<PageProblems> {
  const problems: PageProblems = { list: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !allow(msg))
      problems.list.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.list.push(`exception: ${err.message}`));
  await page.exposeFunction('__reportCspViolation', (text: string) => problems.list.push(`csp: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __reportCspViolation: (t: string) => void })
        .__reportCspViolation;
      void report(
        `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
      );
    });
  });
  return problems;
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
}

/**
 * A new context (English, UTC, the viewport given) and page, watched for
 * problems (`allow` as in watchProblems), at `url`.
 */
export async function openPage(
  browser: Browser,
  url: string,
  viewport: { width: number; height: number },
  allow?: (msg: ConsoleMessage) => boolean,
): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'UTC' });
  const page = await context.newPage();
  const problems = await watchProblems(page, allow);
  await page.goto(url);
  return { context, page, problems };
}

/**
 * Waits until `locator`'s text is `expected` and returns it: a page fills its text after its own
 * fetches (the buyer page after /api/config), which a read right after `goto` can beat. Times out
 * naming the last text seen.
 */
export const textBecomes = (locator: Locator, expected: string): Promise<string | null> =>
  untilValue(
    `the text "${expected}"`,
    () => locator.textContent(),
    (t) => t === expected,
    undefined,
    20,
  );

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './app';

/** Where browser tests write their screenshots (ignored by git). */
export const SCREENSHOTS = path.join(ROOT, 'test-output');

/** Debian's Chromium, headless, with nothing that reaches the internet. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

export interface BrowserPage {
  page(): Page;
  /** A full-page screenshot `NAME-WIDTH.png` at each width (1280 px is the page's usual size). */
  shoot(name: string, widths?: number[]): Promise<void>;
}

const HEIGHT: Record<number, number> = { 1280: 900, 390: 844 };

/** One Chromium page per test file, opened in `beforeAll` at 1280×900 and closed in `afterAll`. */
export function useBrowserPage(): BrowserPage {
  let browser: Browser | undefined;
  let page: Page | undefined;
  const current = (): Page => {
    if (!page) throw new Error('the browser is not open: call useBrowserPage() at the top of the test file');
    return page;
  };
  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60000);
  afterAll(async () => {
    await browser?.close();
  });
  return {
    page: current,
    async shoot(name, widths = [1280]) {
      const p = current();
      for (const width of widths) {
        await p.setViewportSize({ width, height: HEIGHT[width] ?? 900 });
        await p.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
      }
      await p.setViewportSize({ width: 1280, height: 900 });
    },
  };
}

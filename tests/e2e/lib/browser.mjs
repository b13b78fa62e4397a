// Headless Chromium for end-to-end tests (Debian's chromium; playwright-core
// drives it, never downloads one).
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launch(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...extraArgs] });
}

/**
 * The recording server and Chromium of a test file: started before its first
 * test, closed after its last. Read them as `env.server` and `env.browser`.
 */
export function useServerAndBrowser() {
  const env = {};
  before(async () => {
    env.server = await startServer();
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/** A page that records console messages and page errors for "no noise" checks. */
export async function newPage(browser, opts = {}) {
  const context = await browser.newContext(opts);
  const page = await context.newPage();
  page.consoleMessages = [];
  page.pageErrors = [];
  page.on('console', (m) => page.consoleMessages.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  return page;
}

/** Makes the page hidden the way a tab switch does (fires visibilitychange → hidden). */
export async function hide(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false }).catch(() => {});
  // Playwright keeps pages "visible"; set the state through the page itself.
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

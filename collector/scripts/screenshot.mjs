// Writes a PNG of the dashboard served at --url (used by `cargo xtask screenshot`).
//   node collector/scripts/screenshot.mjs --url http://127.0.0.1:PORT/ --out target/dashboard.png
import { chromium } from 'playwright-core';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1 });
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
await page.goto(args.url);
await page.waitForSelector('body[data-loaded]');
await page.waitForTimeout(500);
await page.screenshot({ path: args.out, fullPage: true });
await browser.close();
if (errors.length) {
  console.error('dashboard errors:\n' + errors.join('\n'));
  process.exit(1);
}
console.log(`wrote ${args.out}`);

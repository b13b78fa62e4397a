// Drives headless Chromium through the demo shop N times (varied pages,
// clicks, time zones, devices, network speeds and releases), then prints a
// short summary of /api/summary. Used by `cargo xtask demo --traffic N` and
// `cargo xtask screenshot`.
//
//   node collector/scripts/demo-traffic.mjs --base http://127.0.0.1:8787 --runs 10
import { chromium } from 'playwright-core';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const base = args.base || 'http://127.0.0.1:8787';
const runs = Number(args.runs || 10);
if (!/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(base)) throw new Error(`--base must be a loopback URL, got ${base}`);

const PROFILES = [
  { timezoneId: 'Europe/Paris', locale: 'fr-FR' },
  { timezoneId: 'America/New_York', locale: 'en-US' },
  { timezoneId: 'Asia/Tokyo', locale: 'ja-JP' },
  { timezoneId: 'Europe/Berlin', locale: 'de-DE' },
  { timezoneId: 'America/Sao_Paulo', locale: 'pt-BR' },
  { timezoneId: 'Asia/Kolkata', locale: 'en-IN' },
  { timezoneId: 'Australia/Sydney', locale: 'en-AU' },
  { timezoneId: 'Europe/London', locale: 'en-GB' },
];

// Deterministic pseudo-randomness: the same N gives the same visits.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const major = browser.version().split('.')[0];
const mobile = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
  userAgent: `Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Mobile Safari/537.36`,
};

async function visit(i) {
  const profile = PROFILES[i % PROFILES.length];
  const isMobile = rand() < 0.3;
  // A release is "deployed" half way through.
  const release = i < runs / 2 ? '1.0.0' : '1.1.0';
  const context = await browser.newContext({ ...profile, ...(isMobile ? mobile : { viewport: { width: 1280, height: 800 } }) });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const slow = rand() < 0.35;
  if (slow) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 200, downloadThroughput: 200_000, uploadThroughput: 100_000 });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  }
  const wait = (ms) => page.waitForTimeout(ms);
  await page.goto(`${base}/demo/?release=${release}`);
  await wait(3600); // the hero arrives at 2.8 s, the promo shifts the page at 1 s
  if (rand() < 0.85) {
    await page.click('#shop-now');
    await page.waitForLoadState('load');
    await wait(900);
    const adds = 1 + Math.floor(rand() * 2);
    for (let k = 0; k < adds; k++) await page.click('#add');
    if (rand() < 0.5) await page.click('#coupon');
    if (rand() < 0.3) await page.click('#reviews');
    await wait(300);
    if (rand() < 0.75) {
      await page.click('#to-cart');
      await page.waitForLoadState('load');
      await wait(600);
      if (rand() < 0.6) {
        await page.click('#checkout');
        await wait(500);
      }
    }
  }
  // Leaving the page hides it: the agent sends what is left with sendBeacon.
  await page.goto('about:blank');
  await wait(200);
  await context.close();
  return { profile, isMobile, slow, release };
}

let failed = 0;
for (let i = 0; i < runs; i++) {
  try {
    const v = await visit(i);
    console.log(`visit ${i + 1}/${runs}: ${v.profile.timezoneId}, ${v.isMobile ? 'mobile' : 'desktop'}${v.slow ? ', slow network + 4x CPU' : ''}, release ${v.release}`);
  } catch (e) {
    failed += 1;
    console.log(`visit ${i + 1}/${runs} failed: ${String(e.message).split('\n')[0]}`);
  }
}
if (failed === runs) throw new Error('every visit failed');
await browser.close();
await new Promise((r) => setTimeout(r, 1000));

const s = await (await fetch(`${base}/api/summary?since=24h`)).json();
const ms = (v) => (v == null ? '—' : v >= 1000 ? (v / 1000).toFixed(2) + ' s' : Math.round(v) + ' ms');
const pct = (v) => (v == null ? '—' : (v * 100).toFixed(1) + '%');
console.log('\n/api/summary (last 24 h)');
console.log(`  page views ${s.page_views}, sessions ${s.sessions}, session error rate ${pct(s.session_error_rate)}, HTTP error rate ${pct(s.http_error_rate)}`);
for (const m of ['LCP', 'INP', 'CLS', 'FCP', 'TTFB', 'page_load']) {
  const v = s.vitals[m];
  const p75 = m === 'CLS' ? (v.p75 == null ? '—' : v.p75.toFixed(3)) : ms(v.p75);
  const shares = v.good == null ? '' : `  good ${pct(v.good)} / needs improvement ${pct(v.needs_improvement)} / poor ${pct(v.poor)}`;
  console.log(`  p75 ${m.padEnd(9)} ${p75.padStart(8)}  (${v.count} page views)${shares}`);
}
for (const e of s.top_errors.slice(0, 5)) console.log(`  ${String(e.count).padStart(4)}× ${e.name}`);

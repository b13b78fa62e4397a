// Soft navigations: a single-page app (www/test/soft/, a History API router)
// with rum-agent and Google's web-vitals 6 (`reportSoftNavs: true`) in the
// same page, in real Chromium over plain CDP (trusted clicks, real tab
// switches, the real back/forward cache). Each soft navigation must be a page
// view of ours (nav `soft-navigation`, the entry's URL and start, the view it
// came from as `parent`), and every value web-vitals reports for a
// navigation must be ours for that view: LCP, FCP, TTFB within 1 ms, CLS
// within 0.001, INP within 8 ms; nothing where web-vitals reports nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, events } from './lib/server.mjs';
import { launchChrome } from './lib/cdp.mjs';

let server, chrome, front;
const table = [];
before(async () => {
  server = await startServer();
  chrome = await launchChrome();
  front = await chrome.newPage();
  await front.goto(`${server.url}/test/vitals/other.html`);
});
after(async () => {
  if (table.length) {
    console.log('\n| scenario | route | nav | metric | web-vitals | rum-agent | Δ |\n|---|---|---|---|---:|---:|---:|');
    for (const r of table) console.log(`| ${r.scenario} | ${r.route} | ${r.nav} | ${r.name} | ${r.wv} | ${r.ours} | ${r.delta} |`);
  }
  await chrome?.close();
  await server?.close();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TOLERANCE = { LCP: 1, FCP: 1, TTFB: 1, CLS: 0.001, INP: 8 };
const RESTORE_TOLERANCE = 4; // see vitals.test.mjs
const VITALS = ['LCP', 'FCP', 'TTFB', 'CLS', 'INP'];
const route = (url) => new URL(url).pathname.replace('/test/soft/', '/') || '/';

async function settle() {
  let n = -1;
  while (n !== server.beacons.length + server.wv.length) {
    n = server.beacons.length + server.wv.length;
    await sleep(400);
  }
}

/** Our page views, in order of start: id, nav, start, parent, url (first batch's). */
function views() {
  const out = new Map();
  for (const b of server.beacons) {
    const v = b.json?.view;
    if (v && !out.has(v.id)) out.set(v.id, v);
  }
  return [...out.values()].sort((a, b) => a.start - b.start);
}

// Event Timing buffers only entries of 104 ms or more (the spec's buffered
// threshold): an agent started after the interactions cannot read a shorter
// one, while web-vitals, running from the start here, saw it live.
const BUFFERED_EVENT_MIN = 104;

async function run(name, actions, { query = '', expect = () => {} } = {}) {
  const late = query.includes('late');
  server.beacons.length = 0;
  server.wv.length = 0;
  const page = await chrome.newPage();
  await page.activate();
  await page.goto(`${server.url}/test/soft/${query}`);
  await page.waitFor(late ? 'document.readyState === "complete"' : 'window.bothReady && document.readyState === "complete"');
  await sleep(300);
  await actions(page);
  await page.goto(`${server.url}/test/vitals/other.html`);
  await settle();
  const ours = views();
  const byId = new Map(ours.map((v) => [v.id, v]));
  // A navigation's key: its type, and for soft navigations our view whose
  // start is the navigation's (within 1 ms).
  const softView = (start) => ours.find((v) => v.nav === 'soft-navigation' && Math.abs(v.start - start) < 1);
  const wv = new Map();
  for (const m of server.wv) {
    const v = m.nav === 'soft-navigation' ? softView(m.start) : null;
    const key = `${m.name}|${m.nav === 'soft-navigation' ? (v ? v.id : `unknown@${m.start}`) : m.nav}`;
    wv.set(key, { ...m, route: route(m.url) });
  }
  const mine = new Map();
  for (const e of events(server.beacons).filter((e) => e.k === 'vital' && VITALS.includes(e.name))) {
    const key = `${e.name}|${e.nav === 'soft-navigation' ? e.batch.view.id : e.nav}`;
    mine.set(key, { name: e.name, value: e.value, nav: e.nav, attr: e.attr || {}, view: e.batch.view });
  }
  for (const [key, m] of wv) {
    const o = mine.get(key);
    const delta = o ? Math.abs(o.value - m.value) : NaN;
    table.push({ scenario: name, route: m.route, nav: m.nav, name: m.name, wv: +m.value.toFixed(4), ours: o ? +o.value.toFixed(4) : '—', delta: o ? +delta.toFixed(4) : '—' });
    if (late && m.name === 'INP' && m.value < BUFFERED_EVENT_MIN) {
      // Not in the buffer: at most what web-vitals saw, never more.
      assert.ok(!o || o.value <= m.value + TOLERANCE.INP, `${name}: INP for ${m.nav} ${m.route}: web-vitals ${m.value} vs ours ${o?.value}`);
      continue;
    }
    assert.ok(o, `${name}: web-vitals reported ${m.name} = ${m.value} for ${m.nav} ${m.route}, we reported nothing`);
    const tol = m.nav === 'back-forward-cache' && (m.name === 'LCP' || m.name === 'FCP') ? RESTORE_TOLERANCE : TOLERANCE[m.name];
    assert.ok(delta <= tol, `${name}: ${m.name} for ${m.nav} ${m.route}: web-vitals ${m.value} vs ours ${o.value}`);
  }
  for (const [key, o] of mine) {
    if (!wv.has(key)) table.push({ scenario: name, route: route(o.view.url), nav: o.nav, name: o.name, wv: '—', ours: o.value, delta: '—' });
    assert.ok(wv.has(key), `${name}: we reported ${o.name} = ${o.value} for ${o.nav} ${route(o.view.url)}, web-vitals reported nothing`);
  }
  // Every soft view came from the view before it.
  for (let i = 1; i < ours.length; i++) {
    if (ours[i].nav === 'soft-navigation') assert.equal(ours[i].parent, ours[i - 1].id, `${name}: view ${i} chains to the view before`);
  }
  assert.deepEqual(page.exceptions, [], `${name}: page exceptions`);
  await page.close();
  const result = { wv, mine, views: ours, byId };
  expect(result);
  return result;
}

const has = (r, name, pred) => [...r.wv.values()].some((m) => m.name === name && pred(m));

test('a single-page app: every soft navigation is a page view with the Web Vitals web-vitals reports', async () => {
  const r = await run('SPA', async (page) => {
    // The landing view's slow click is well under /p2's (300 ms), so that
    // the two stay apart on a loaded machine too.
    await page.evaluate('document.getElementById("slow").dataset.ms = 120');
    await page.click('#slow');
    await sleep(400);
    await page.click('#fast');
    await sleep(400);
    // → /p2: an image is the largest paint; a slow and a fast click; a shift
    // inside the input window (excluded) and one long after (counted).
    await page.click('#go-p2');
    await page.waitFor('document.querySelector("#hero2")?.complete');
    // The browser has emitted the navigation before the route's slow click:
    // on a loaded machine its paint (and so its entry) can come late, and
    // both web-vitals and we then count the click for the landing view.
    await page.waitFor('performance.getEntriesByType("soft-navigation").length >= 1');
    await sleep(300);
    await page.evaluate('document.getElementById("slow").dataset.ms = 300');
    await page.click('#slow');
    await sleep(300);
    await page.click('#grow');
    await page.waitFor('window.lateShifted === "p2"');
    await sleep(400);
    await page.click('#fast');
    await sleep(600);
    // → /p3: text; a slower click; a late shift.
    await page.click('#go-p3');
    await sleep(200);
    await page.evaluate('document.getElementById("slow").dataset.ms = 150');
    await page.click('#slow');
    await page.waitFor('window.lateShifted === "p3"');
    await page.click('#fast');
    await sleep(600);
    // → /p4: an image; only fast clicks.
    await page.click('#go-p4');
    await page.waitFor('document.querySelector("#hero4")?.complete');
    await sleep(300);
    await page.click('#fast');
    await sleep(600);
    // Back (the app's own back button: history.back(), popstate) → /p3.
    await page.click('#back');
    await sleep(300);
    await page.evaluate('document.getElementById("slow").dataset.ms = 220');
    await page.click('#slow');
    await sleep(1200);
    // The full build: the LCP targets below are attribution details.
  }, { query: '?build=full' });
  const soft = r.views.filter((v) => v.nav === 'soft-navigation');
  assert.deepEqual(soft.map((v) => route(v.url)), ['/p2', '/p3', '/p4', '/p3'], 'four soft views, under their routes');
  // What must be there (a test that fails if both report nothing):
  for (const v of soft) for (const m of ['LCP', 'FCP', 'TTFB']) assert.ok(r.mine.has(`${m}|${v.id}`), `${m} for ${route(v.url)}`);
  assert.ok(r.mine.get(`CLS|${soft[0].id}`)?.value > 0.05, 'the late shift on /p2 counts, for /p2');
  assert.ok(r.mine.get(`INP|${soft[0].id}`)?.value >= 280, 'the slow click on /p2 is /p2’s INP');
  assert.ok(r.mine.get(`INP|navigate`)?.value < 280, 'and not the landing view’s');
  assert.equal(r.mine.get(`LCP|${soft[0].id}`).attr.target, '#hero2');
  assert.equal(r.mine.get(`LCP|${soft[1].id}`).attr.target, '#about-text');
  assert.ok(has(r, 'INP', (m) => m.nav === 'navigate'), 'web-vitals reported the landing view’s INP');
  // The landing view's final values went under its own URL.
  assert.equal(route(r.mine.get('LCP|navigate').view.url), '/');
  assert.equal(route(r.mine.get('INP|navigate').view.url), '/');
});

test('soft navigation, tab switch, back to the tab', async () => {
  const r = await run('tab switch', async (page) => {
    await page.click('#go-p2');
    await page.waitFor('document.querySelector("#hero2")?.complete');
    await sleep(400);
    await page.evaluate('document.getElementById("slow").dataset.ms = 200');
    await page.click('#slow');
    await sleep(1200);
    await front.activate(); // the SPA's tab is hidden: final values of /p2 so far
    await sleep(500);
    await page.activate();
    await sleep(300);
    await page.click('#go-p3');
    await sleep(400);
    await page.click('#fast');
    await sleep(1000);
  });
  assert.deepEqual(r.views.filter((v) => v.nav === 'soft-navigation').map((v) => route(v.url)), ['/p2', '/p3']);
});

test('soft navigation, then a back/forward cache restore', async () => {
  const r = await run('bfcache', async (page) => {
    await page.click('#go-p2');
    await page.waitFor('document.querySelector("#hero2")?.complete');
    await sleep(500);
    await page.goto(`${server.url}/test/vitals/other.html`);
    const restored = page.waitEvent('Page.frameNavigated');
    await page.evaluate('history.back()');
    await restored;
    await page.waitFor('document.title === "SPA"');
    await sleep(600);
    await page.click('#go-p3');
    await sleep(1000);
  });
  assert.ok(has(r, 'TTFB', (m) => m.nav === 'back-forward-cache'), 'the page was restored from the bfcache');
  const navs = r.views.map((v) => `${v.nav} ${route(v.url)}`);
  assert.deepEqual(navs, ['navigate /', 'soft-navigation /p2', 'back-forward-cache /p2', 'soft-navigation /p3']);
});

test('soft navigations before the agent started (buffered entries)', async () => {
  const r = await run(
    'agent starts late',
    async (page) => {
      await page.click('#go-p2');
      await page.waitFor('document.querySelector("#hero2")?.complete');
      await sleep(400);
      await page.click('#go-p3');
      await sleep(500);
      await page.evaluate('window.startAgent(), window.bothReady');
      await sleep(1500);
    },
    { query: '?late=1' },
  );
  assert.deepEqual(r.views.filter((v) => v.nav === 'soft-navigation').map((v) => route(v.url)), ['/p2', '/p3']);
});

test('softNavigations: false keeps one page view that follows the route', async () => {
  server.beacons.length = 0;
  const page = await chrome.newPage();
  await page.activate();
  await page.goto(`${server.url}/test/soft/?soft=off`);
  await page.waitFor('window.bothReady && document.readyState === "complete"');
  await page.click('#go-p2');
  await sleep(500);
  await page.click('#go-p3');
  await sleep(300);
  await page.goto(`${server.url}/test/vitals/other.html`);
  await settle();
  const v = views();
  assert.equal(v.length, 1, 'one page view');
  const urls = new Set(server.beacons.filter((b) => b.json).map((b) => route(b.json.view.url)));
  assert.ok(urls.has('/p3'), `batches follow the route: ${[...urls]}`);
  assert.deepEqual(page.exceptions, []);
  await page.close();
});

// The dashboard in real Chromium: after a known set of beacons, every number
// it shows equals /api/summary (and the values we know to expect), the charts
// render, and the console stays clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, api, batch, vital, jsError, http, nav, post } from './lib/collector.mjs';
import { launch, newPage } from './lib/browser.mjs';

test('dashboard numbers equal /api/summary', async (t) => {
  const c = await startCollector();
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    await c.stop();
  });
  // Four page views in three sessions, two releases, two pages, two countries.
  const sA = 'session-a';
  const beacons = [
    batch({ session: sA, url: 'https://shop.example/', events: [nav(1200), vital('LCP', 1000), vital('INP', 80), vital('CLS', 0.02), jsError('cart is undefined')] }),
    batch({ session: sA, url: 'https://shop.example/cart', events: [nav(2400), vital('LCP', 3000), vital('INP', 350), vital('CLS', 0.3), http(503), http(200)] }),
    batch({ session: 'session-b', url: 'https://shop.example/', version: '1.1.0', tz: 'America/New_York', events: [nav(800), vital('LCP', 5000), vital('INP', 600), jsError('cart is undefined'), jsError('price is NaN')] }),
    batch({ session: 'session-c', url: 'https://shop.example/', version: '1.1.0', events: [nav(600), vital('LCP', 2000), http(200)] }),
  ];
  for (const b of beacons) assert.equal((await post(c.url, b)).status, 204);

  const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
  await page.goto(c.url + '/');
  await page.waitForSelector('body[data-loaded]');
  const s = await api(c, '/api/summary?since=1h');

  // Known values first (nearest-rank p75).
  assert.equal(s.page_views, 4);
  assert.equal(s.sessions, 3);
  assert.equal(s.session_error_rate, 2 / 3);
  assert.equal(s.http_error_rate, 1 / 3);
  assert.equal(s.vitals.LCP.p75, 3000);
  assert.equal(s.vitals.INP.p75, 600);
  assert.equal(s.vitals.page_load.p75, 1200);

  // Then: what the page shows is what the API says.
  const shown = await page.evaluate(() => {
    const q = (id) => document.querySelector(`[data-testid="${id}"]`);
    const out = {};
    for (const id of ['page_views', 'sessions', 'session_error_rate', 'http_error_rate']) out[id] = { text: q(id).textContent, value: q(id).dataset.value };
    for (const m of ['LCP', 'INP', 'CLS', 'FCP', 'TTFB', 'TTI', 'TBT', 'page_load']) {
      out['p75-' + m] = { text: q('p75-' + m).textContent, value: q('p75-' + m).dataset.value };
      out['count-' + m] = { value: q('count-' + m).dataset.value };
      for (const k of ['good', 'ni', 'poor']) if (q(`${k}-${m}`)) out[`${k}-${m}`] = { text: q(`${k}-${m}`).textContent, value: q(`${k}-${m}`).dataset.value };
    }
    out.errors = [...document.querySelectorAll('#errors tbody tr[data-error]')].map((tr) => [tr.dataset.error, tr.querySelector('[data-testid="error-count"]').dataset.value]);
    out.groups = [...document.querySelectorAll('#groups tbody tr[data-key]')].map((tr) => [tr.dataset.key, tr.children[1].dataset.value, tr.children[3].dataset.value]);
    out.canvases = document.querySelectorAll('.chart canvas').length;
    return out;
  });
  const num = (v) => (v == null ? '' : String(v));
  assert.equal(shown.page_views.value, num(s.page_views));
  assert.equal(shown.page_views.text, '4');
  assert.equal(shown.sessions.text, '3');
  assert.equal(shown.session_error_rate.value, num(s.session_error_rate));
  assert.equal(shown.session_error_rate.text, '66.7%');
  assert.equal(shown.http_error_rate.value, num(s.http_error_rate));
  assert.equal(shown.http_error_rate.text, '33.3%');
  for (const m of ['LCP', 'INP', 'CLS', 'FCP', 'TTFB', 'TTI', 'TBT', 'page_load']) {
    const v = s.vitals[m];
    assert.equal(shown['p75-' + m].value, num(v.p75), `p75 ${m}`);
    assert.equal(shown['count-' + m].value, num(v.count), `count ${m}`);
    if (v.good != null) {
      assert.equal(shown['good-' + m].value, num(v.good), `good ${m}`);
      assert.equal(shown['ni-' + m].value, num(v.needs_improvement), `ni ${m}`);
      assert.equal(shown['poor-' + m].value, num(v.poor), `poor ${m}`);
    }
  }
  assert.equal(shown['p75-LCP'].text, '3.00 s');
  assert.equal(shown['p75-INP'].text, '600 ms');
  assert.equal(shown['p75-CLS'].text, '0.300');
  assert.equal(shown['good-LCP'].text, '50.0%');
  assert.equal(shown['p75-TTI'].text, '—');
  assert.deepEqual(shown.errors, s.top_errors.map((e) => [e.name, String(e.count)]));
  assert.deepEqual(shown.errors[0], ['TypeError: cart is undefined', '2']);

  const g = await api(c, '/api/summary?since=1h&group_by=page');
  assert.deepEqual(shown.groups, g.groups.map((x) => [x.key, String(x.page_views), num(x.vitals.LCP.p75)]));
  assert.deepEqual(shown.groups.map((x) => x[0]), ['/', '/cart']);

  // Filter by release through the UI: the numbers follow.
  await page.selectOption('#f-release', '1.1.0');
  await page.waitForFunction(() => document.querySelector('[data-testid="page_views"]').textContent === '2');
  const r = await api(c, '/api/summary?since=1h&release=1.1.0');
  assert.equal(await page.getAttribute('[data-testid="p75-LCP"]', 'data-value'), num(r.vitals.LCP.p75));

  // Breakdown by country (time-zone fallback: FR and US).
  await page.selectOption('#f-release', '');
  await page.selectOption('#f-group', 'country');
  await page.waitForFunction(() => [...document.querySelectorAll('#groups tbody tr[data-key]')].map((tr) => tr.dataset.key).sort().join() === 'FR,US');

  assert.equal(shown.canvases >= 2, true, 'uPlot charts rendered');
  assert.deepEqual(page.pageErrors, []);
  assert.deepEqual(page.consoleMessages.filter((m) => m.type === 'error' || m.type === 'warning'), []);
});

test('soft navigations: hard/soft filter and the breakdown by route', async (t) => {
  const c = await startCollector();
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    await c.stop();
  });
  // A landing view and two soft navigations chained to it (ids in the URLs).
  const soft = (b, parent) => ({ ...b, view: { ...b.view, nav: 'soft-navigation', parent } });
  const hard = batch({ view: 'pv-hard', session: 's1', url: 'https://shop.example/product/12', events: [vital('LCP', 1000)] });
  const beacons = [
    hard,
    soft(batch({ view: 'pv-soft1', session: 's1', url: 'https://shop.example/product/13', events: [vital('LCP', 200)] }), 'pv-hard'),
    soft(batch({ view: 'pv-soft2', session: 's1', url: 'https://shop.example/cart', events: [vital('LCP', 400)] }), 'pv-soft1'),
  ];
  for (const b of beacons) assert.equal((await post(c.url, b)).status, 204);
  const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
  await page.goto(c.url + '/');
  await page.waitForSelector('body[data-loaded]');
  await page.waitForFunction(() => document.querySelector('[data-testid="page_views"]').textContent === '3');
  // Soft navigations only: the numbers follow the API's.
  await page.selectOption('#f-nav', 'soft');
  await page.waitForFunction(() => document.querySelector('[data-testid="page_views"]').textContent === '2');
  const s = await api(c, '/api/summary?since=1h&nav=soft');
  assert.equal(s.page_views, 2);
  assert.equal(await page.getAttribute('[data-testid="p75-LCP"]', 'data-value'), String(s.vitals.LCP.p75));
  await page.selectOption('#f-nav', 'hard');
  await page.waitForFunction(() => document.querySelector('[data-testid="page_views"]').textContent === '1');
  // By route, all navigations: /product/12 and /product/13 are one route.
  await page.selectOption('#f-nav', '');
  await page.selectOption('#f-group', 'route');
  await page.waitForFunction(() => document.querySelector('#groups tbody tr[data-key="/product/:id"]'));
  const g = await api(c, '/api/summary?since=1h&group_by=route');
  const shown = await page.evaluate(() => [...document.querySelectorAll('#groups tbody tr[data-key]')].map((tr) => [tr.dataset.key, tr.children[1].dataset.value]));
  assert.deepEqual(shown, g.groups.map((x) => [x.key, String(x.page_views)]));
  assert.deepEqual(shown[0], ['/product/:id', '2']);
  // By navigation type.
  await page.selectOption('#f-group', 'nav');
  await page.waitForFunction(() => [...document.querySelectorAll('#groups tbody tr[data-key]')].map((tr) => tr.dataset.key).join() === 'soft,hard');
  assert.deepEqual(page.pageErrors, []);
});

test('live refresh picks up new beacons', async (t) => {
  const c = await startCollector();
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    await c.stop();
  });
  const page = await newPage(browser);
  await page.goto(c.url + '/');
  await page.waitForSelector('body[data-loaded]');
  assert.equal(await page.textContent('[data-testid="page_views"]'), '0');
  assert.equal((await post(c.url, batch({ events: [vital('LCP', 1234)] }))).status, 204);
  await page.waitForFunction(() => document.querySelector('[data-testid="page_views"]').textContent === '1', null, { timeout: 15000 });
  assert.equal(await page.textContent('[data-testid="p75-LCP"]'), '1.23 s');
  assert.deepEqual(page.pageErrors, []);
});

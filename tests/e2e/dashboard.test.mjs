// The dashboard in real Chromium: after a known set of beacons, every number
// it shows equals /api/summary (and the values we know to expect), the charts
// render, and the console stays clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, api, batch, vital, jsError, http, nav, post, action } from './lib/collector.mjs';
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
    batch({ session: sA, url: 'https://shop.example/cart', events: [nav(2400), vital('LCP', 3000), vital('INP', 350), vital('CLS', 0.3), http(503), http(200), action('Add to cart', 400, { http: 1, http_fail: 1 }), action('Add to cart', 200, { http: 1, frust: ['rage'], clicks: 4 }), action('Menu', 80, { frust: ['dead'] })] }),
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
    out.actions = [...document.querySelectorAll('#actions tbody tr[data-action]')].map((tr) => ['count', 'p75', 'failure', 'frustration'].map((k) => tr.querySelector(`[data-testid="action-${k}"]`).dataset.value));
    out.actionNames = [...document.querySelectorAll('#actions tbody tr[data-action]')].map((tr) => tr.dataset.action);
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
  // Top actions: count, p75 duration, failure and frustration rates, as the API gives them.
  assert.deepEqual(shown.actionNames, s.top_actions.map((a) => a.name));
  assert.deepEqual(shown.actions, s.top_actions.map((a) => [String(a.count), num(a.p75_duration), String(a.failure_rate), String(a.frustration_rate)]));
  assert.deepEqual(shown.actions[0], ['2', '400', '0.5', '0.5']);
  assert.deepEqual(shown.actionNames, ['Add to cart', 'Menu']);

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

  // The SLO panel shows /api/slo: 2 of 3 sessions with a JS error page.
  const slo = await api(c, '/api/slo');
  const panel = await page.evaluate(() => ({
    rows: [...document.querySelectorAll('#slos tbody tr[data-slo]')].map((tr) => ({
      name: tr.dataset.slo,
      budget: tr.querySelector('[data-testid="slo-budget"]').dataset.value,
      sli: tr.querySelector('[data-testid="slo-sli"]').dataset.value,
      state: tr.querySelector('[data-testid="slo-state"]').textContent,
      burns: [...tr.querySelectorAll('.burns span')].map((b) => [b.dataset.window, b.dataset.value]),
    })),
    firing: [...document.querySelectorAll('#slo-alerts li[data-slo]')].map((li) => [li.dataset.slo, li.dataset.alert]),
  }));
  assert.deepEqual(panel.rows.map((r) => r.name), ['web-vitals', 'tti', 'js-errors', 'http']);
  const js = slo.slos.find((s) => s.name === 'js-errors');
  assert.equal(js.total, 3);
  assert.equal(js.bad, 2);
  assert.equal(js.state, 'page');
  const row = panel.rows.find((r) => r.name === 'js-errors');
  assert.equal(row.budget, num(js.error_budget_remaining));
  assert.equal(row.sli, num(js.sli_window));
  assert.equal(row.state, 'page');
  assert.deepEqual(row.burns, js.windows.map((w) => [w.window, num(w.burn_rate)]));
  assert.deepEqual(panel.firing, slo.firing.map((f) => [f.slo, f.alert]));
  assert.ok(panel.firing.some(([s, a]) => s === 'js-errors' && a === 'page-fast'));
  const httpRow = panel.rows.find((r) => r.name === 'http');
  assert.equal(httpRow.state, 'page', '1 of 3 HTTP calls failed');

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

test('with --read-key the dashboard asks for the key once, then shows data', async (t) => {
  const KEY = 'dashboard-read-key-7f3a';
  const c = await startCollector({ env: { RUM_READ_KEY: KEY } });
  c.readKey = KEY;
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    await c.stop();
  });
  assert.equal((await post(c.url, batch({ events: [vital('LCP', 1234)] }))).status, 204);
  // Reads without the key are refused; ingest is not.
  assert.equal((await fetch(c.url + '/api/summary')).status, 401);
  assert.equal((await fetch(c.url + '/metrics')).status, 401);
  assert.equal((await api(c, '/api/summary?since=1h')).page_views, 1);

  const page = await newPage(browser);
  const sent = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/')) sent.push(r.headers().authorization || '');
  });
  await page.goto(c.url + '/');
  await page.waitForSelector('#key-form:not([hidden])');
  assert.equal(await page.textContent('[data-testid="page_views"]'), '—', 'no data before the key');
  // A wrong key is refused and asked again.
  await page.fill('[data-testid="read-key"]', 'wrong-key');
  await page.click('[data-testid="read-key-submit"]');
  await page.waitForFunction(() => document.querySelector('#key-error').textContent.includes('refused'));
  await page.fill('[data-testid="read-key"]', KEY);
  await page.click('[data-testid="read-key-submit"]');
  await page.waitForSelector('body[data-loaded]');
  assert.equal(await page.textContent('[data-testid="page_views"]'), '1');
  assert.equal(await page.textContent('[data-testid="p75-LCP"]'), '1.23 s');
  assert.equal(await page.isHidden('#key-form'), true);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('rum-collector-read-key')), KEY);
  // A reload in the same tab does not ask again: the key is sent on every call.
  sent.length = 0;
  await page.reload();
  await page.waitForSelector('body[data-loaded]');
  assert.equal(await page.isHidden('#key-form'), true);
  assert.ok(sent.length >= 2, `API calls after reload: ${sent.length}`);
  assert.ok(sent.every((h) => h === `Bearer ${KEY}`), JSON.stringify(sent));
  assert.equal(await page.textContent('[data-testid="page_views"]'), '1');
  assert.deepEqual(page.pageErrors, []);
});

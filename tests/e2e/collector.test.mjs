// rum-collector end to end: the built agent in real Chromium → the real
// collector binary → SQLite, read back through /api/events and /api/summary;
// bad input over real sockets; kill -9 during load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { startCollector, api, waitFor, ROOT } from './lib/collector.mjs';
import { batch, vital, realistic20, post, uid } from './lib/collector.mjs';
import { launch, newPage } from './lib/browser.mjs';

const STATIC = ['--static', '/pkg=pkg', '--static', '/demo=www/demo'];

test('the agent in Chromium reports the demo shop to the collector', async (t) => {
  assert.ok(fs.existsSync(path.join(ROOT, 'pkg/rum.js')), 'pkg/ is missing: run `cargo xtask build`');
  const c = await startCollector({ args: STATIC });
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    await c.stop();
  });
  const page = await newPage(browser);
  await page.goto(`${c.url}/demo/product.html`);
  await page.waitForLoadState('load');
  await page.waitForTimeout(1000); // the navigation entry is complete after load
  await page.click('#coupon'); // throws a TypeError
  await page.click('#add');
  await page.waitForTimeout(300);
  // Navigating away hides the page: the agent flushes with sendBeacon.
  await page.goto(`${c.url}/demo/cart.html`);
  await page.waitForLoadState('load');
  await page.waitForTimeout(1000);
  await page.goto('about:blank');

  const events = await waitFor(
    async () => {
      const r = await api(c, '/api/events?limit=1000');
      const pages = new Set(r.events.filter((e) => e.kind === 'nav').map((e) => e.page_view_id));
      return pages.size >= 2 && r.events.some((e) => e.kind === 'error' && e.attributes.src === 'js') ? r.events : null;
    },
    { what: 'two page views and the JS error' },
  );
  const product = events.find((e) => e.kind === 'nav' && e.page_url.endsWith('/demo/product.html'));
  assert.ok(product, 'navigation of product.html');
  assert.equal(product.app.name, 'shop');
  assert.equal(product.app.version, '1.0.0');
  assert.equal(product.app.env, 'demo');
  assert.ok(product.value > 0, 'page_load value = loadEventEnd');
  assert.ok(product.attributes.phases, 'navigation phases');
  assert.match(product.browser, /Chrom/);
  assert.equal(product.os, 'Linux');
  assert.equal(product.device, 'desktop');
  const err = events.find((e) => e.kind === 'error' && e.attributes.src === 'js');
  assert.match(err.name, /^TypeError: /);
  assert.equal(err.page_view_id, product.page_view_id);
  const broken = events.find((e) => e.kind === 'error' && e.attributes.src === 'resource');
  assert.ok(broken, 'the broken image as a resource error');
  assert.match(JSON.stringify(broken.attributes), /missing-product\.png/);
  assert.ok(events.some((e) => e.kind === 'res' && e.name.endsWith('/demo/product.png')), 'resource timing of product.png');
  for (const e of events) {
    assert.ok(Math.abs(e.received_at - Date.now()) < 120000, 'server receive time');
    assert.ok(Math.abs(e.ts - e.received_at) < 120000, 'event time on the server clock');
  }

  const s = await api(c, '/api/summary?since=1h&group_by=page');
  assert.ok(s.page_views >= 2);
  assert.equal(s.sessions, 1, 'both pages are one session');
  assert.equal(s.session_error_rate, 1);
  assert.ok(s.vitals.page_load.count >= 2);
  assert.ok(s.top_errors.some((e) => e.name === err.name && e.count >= 1));
  const keys = s.groups.map((g) => g.key).sort();
  assert.ok(keys.includes('/demo/product.html') && keys.includes('/demo/cart.html'), keys.join());
  assert.deepEqual(page.pageErrors.filter((e) => !/Cannot read properties of null/.test(e)), []);
});

test('bad input over real HTTP: each status code, and the good data kept', async (t) => {
  const c = await startCollector({ args: ['--max-body', '64KiB', '--ingest-key', 'k3y'] });
  t.after(() => c.stop());
  const q = '?key=k3y';
  const good = batch({ events: [vital('LCP', 1200)] });
  assert.equal((await post(c.url, good, { query: q })).status, 204);

  assert.equal((await post(c.url, good)).status, 401, 'missing key');
  assert.equal((await post(c.url, good, { query: '?key=wrong' })).status, 401, 'wrong key');

  const malformed = await post(c.url, '{"v":1,"events":[{"k":"vital","value":nope}]}', { query: q });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.reason, 'malformed_json');
  assert.equal(malformed.body.path, 'events[0].value');

  const v2 = await post(c.url, { ...good, v: 2 }, { query: q });
  assert.equal(v2.status, 400);
  assert.equal(v2.body.reason, 'unsupported_version');

  const mixed = batch({ events: [vital('LCP', 900), { k: 'vital', name: 'CLS', value: 'x' }, { k: 'warp' }, vital('INP', 80)] });
  const partial = await post(c.url, mixed, { query: q });
  assert.equal(partial.status, 200);
  assert.equal(partial.body.accepted, 2);
  assert.deepEqual(partial.body.rejected.map((r) => [r.index, r.reason]), [[1, 'invalid_field'], [2, 'unknown_kind']]);

  // Duplicate (same view id + seq): 204, stored once.
  assert.equal((await post(c.url, good, { query: q })).status, 204);

  // 413 from the Content-Length alone: the body is never sent.
  const answer = await new Promise((resolve, reject) => {
    const s = net.connect(c.port, '127.0.0.1', () => {
      s.write(`POST /collect${q} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 50000000\r\n\r\n{"v":1,`);
    });
    let data = '';
    s.on('data', (d) => (data += d));
    s.on('end', () => resolve(data));
    s.on('error', reject);
    setTimeout(() => {
      s.destroy();
      resolve(data);
    }, 5000);
  });
  assert.match(answer, /^HTTP\/1\.1 413 /);

  const events = (await api(c, '/api/events?limit=100')).events;
  assert.deepEqual(events.map((e) => e.name).sort(), ['INP', 'LCP', 'LCP']);
  const metrics = await (await fetch(c.url + '/metrics')).text();
  for (const line of [
    'rum_collector_rejected_requests_total{reason="unauthorized"} 2',
    'rum_collector_rejected_requests_total{reason="malformed_json"} 1',
    'rum_collector_rejected_requests_total{reason="unsupported_version"} 1',
    'rum_collector_rejected_requests_total{reason="body_too_large"} 1',
    'rum_collector_rejected_requests_total{reason="duplicate"} 1',
    'rum_collector_rejected_events_total{reason="invalid_field"} 1',
    'rum_collector_rejected_events_total{reason="unknown_kind"} 1',
  ]) {
    assert.ok(metrics.includes(line), `${line}\n${metrics}`);
  }
});

test('kill -9 during load loses at most the requests in flight', async (t) => {
  const first = await startCollector();
  t.after(() => fs.rmSync(path.dirname(first.dbPath), { recursive: true, force: true }));
  const acked = [];
  let sent = 0;
  let killed = false;
  const worker = async () => {
    while (!killed) {
      const b = batch({ view: uid('kill'), events: realistic20() });
      sent += 1;
      try {
        const r = await post(first.url, b);
        if (r.status === 204) acked.push(b.view.id);
      } catch {
        return; // connection reset by the kill: in flight, not acknowledged
      }
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  await waitFor(() => acked.length >= 200, { timeoutMs: 60000, what: '200 acknowledged requests' });
  killed = true;
  await first.kill();
  await Promise.all(workers);
  const inFlight = sent - acked.length;

  const second = await startCollector({ dbPath: first.dbPath });
  t.after(() => second.stop({ keepDb: true }));
  const stats = await api(second, '/api/stats');
  const stored = stats.database.events;
  assert.ok(stored >= acked.length * 20, `every acknowledged event survived (${stored} stored, ${acked.length * 20} acknowledged)`);
  assert.ok(stored <= (acked.length + inFlight) * 20, `nothing invented (${stored} > ${(acked.length + inFlight) * 20})`);
  assert.equal(stored % 20, 0, 'requests are stored whole or not at all');
  for (const id of acked.slice(-5)) {
    const e = await api(second, `/api/events?page_view_id=${id}&limit=100`);
    assert.equal(e.events.length, 20, `acknowledged request ${id} is complete`);
  }
});

test('graceful shutdown commits everything acknowledged', async (t) => {
  const c = await startCollector();
  t.after(() => fs.rmSync(path.dirname(c.dbPath), { recursive: true, force: true }));
  const results = await Promise.all(Array.from({ length: 50 }, () => post(c.url, batch({ events: realistic20() }))));
  assert.ok(results.every((r) => r.status === 204));
  const { code } = await c.stop({ keepDb: true });
  assert.equal(code, 0);
  const again = await startCollector({ dbPath: c.dbPath });
  t.after(() => again.stop({ keepDb: true }));
  assert.equal((await api(again, '/api/stats')).database.events, 50 * 20);
});

test('a client that never finishes its headers is disconnected', async (t) => {
  const c = await startCollector();
  t.after(() => c.stop());
  const started = Date.now();
  const closed = await new Promise((resolve, reject) => {
    const s = net.connect(c.port, '127.0.0.1', () => s.write('POST /collect HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '));
    s.on('close', () => resolve(true));
    s.on('error', () => {});
    setTimeout(() => {
      s.destroy();
      reject(new Error('still connected after 30 s'));
    }, 30000);
  });
  assert.ok(closed);
  // Meanwhile the collector kept serving.
  assert.equal((await api(c, '/healthz')).status, 'ok');
  assert.ok(Date.now() - started >= 5000, 'not before the header timeout (10 s)');
});

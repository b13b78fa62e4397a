// HTTP calls: the page must not notice the instrumentation, and every call
// is reported with its outcome.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, events } from './lib/server.mjs';
import { launch, newPage } from './lib/browser.mjs';

let server, other, browser;
before(async () => {
  server = await startServer();
  other = await startServer(); // another origin
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  await other?.close();
});

async function exercise(withAgent, build = '') {
  const page = await newPage(browser);
  await page.goto(`${server.url}/test/http.html?other=${encodeURIComponent(other.url)}${withAgent ? '&agent' : ''}${build ? `&build=${build}` : ''}`);
  await page.evaluate(() => window.ready);
  const log = await page.evaluate(() => window.exercise());
  return { page, log };
}

test('the default build: the page sees the same results, order and errors; calls recorded without traceparent or phases', async () => {
  const plain = await exercise(false);
  server.beacons.length = 0;
  server.echoes.length = 0;
  const instrumented = await exercise(true);
  assert.deepEqual(instrumented.log, plain.log, 'not even a traceparent: that is the full build');
  assert.deepEqual(instrumented.page.pageErrors, plain.page.pageErrors);
  await instrumented.page.evaluate(() => window.rum.flush());
  await server.waitFor((b) => events(b).filter((e) => e.k === 'http').length >= 14);
  const calls = events(server.beacons).filter((e) => e.k === 'http');
  const ok = calls.find((c) => c.url.endsWith('/echo?x=1'));
  assert.equal(ok?.status, 200);
  assert.ok(ok.dur > 0);
  assert.equal(calls.find((c) => c.url.endsWith('status=503'))?.fail, 'http');
  assert.ok(calls.every((c) => c.trace_id === undefined && c.wait === undefined && c.dl === undefined), 'no trace ids, no phases');
  assert.ok(!server.echoes.some((e) => e.traceparent), 'no traceparent header sent');
  await plain.page.close();
  await instrumented.page.close();
});

test('the full build: the same results with and without the agent, traceparent and Resource Timing phases added', async () => {
  const plain = await exercise(false);
  server.beacons.length = 0;
  server.echoes.length = 0;
  const instrumented = await exercise(true, 'full');
  const untraced = (l) => l.map((x) => x.replace('untraced', 'traced').replace('traced', 'T'));
  assert.deepEqual(untraced(instrumented.log), untraced(plain.log));
  assert.ok(!plain.log.some((l) => l.endsWith(' traced')), 'no traceparent without the agent');
  // traceparent: same origin only (by default), for fetch and XHR, with the page's headers kept.
  const L = instrumented.log;
  assert.ok(L.includes('fetch ok traced'));
  assert.ok(L.includes('fetch Request r traced'));
  assert.ok(L.includes('fetch post 200 kept hello body'));
  assert.ok(L.includes('xhr ok 200 traced'));
  assert.ok(L.includes('fetch cross-origin untraced'), 'no header (so no CORS preflight) cross-origin');
  assert.deepEqual(instrumented.page.pageErrors, plain.page.pageErrors);

  await instrumented.page.evaluate(() => window.rum.flush());
  await server.waitFor((b) => events(b).filter((e) => e.k === 'http').length >= 14);
  const calls = events(server.beacons).filter((e) => e.k === 'http');
  const find = (pred, what) => {
    const c = calls.find(pred);
    assert.ok(c, what);
    return c;
  };
  const ok = find((c) => c.url.endsWith('/echo?x=1'), 'fetch ok');
  assert.equal(ok.status, 200);
  assert.equal(ok.api, 'fetch');
  assert.match(ok.trace_id, /^[0-9a-f]{32}$/);
  assert.match(ok.span_id, /^[0-9a-f]{16}$/);
  const echoed = server.echoes.find((e) => e.traceparent && e.traceparent.includes(ok.trace_id));
  assert.equal(echoed.traceparent, `00-${ok.trace_id}-${ok.span_id}-01`);
  assert.equal(find((c) => c.url.endsWith('status=503'), '503').fail, 'http');
  const post = find((c) => c.method === 'POST' && c.api === 'fetch', 'POST');
  assert.equal(post.req_size, 10);
  assert.equal(find((c) => c.api === 'fetch' && c.url.includes(':9/refused'), 'refused').fail, 'network');
  assert.equal(find((c) => c.api === 'fetch' && c.fail === 'abort', 'fetch abort').status, 0);
  find((c) => c.api === 'fetch' && c.fail === 'timeout', 'fetch timeout');
  const cross = find((c) => c.url.startsWith(other.url), 'cross-origin call');
  assert.equal(cross.trace_id, undefined);
  find((c) => c.api === 'xhr' && c.url.endsWith('sync=1') && c.status === 200, 'sync XHR');
  find((c) => c.api === 'xhr' && c.fail === 'network', 'xhr error');
  find((c) => c.api === 'xhr' && c.fail === 'abort', 'xhr abort');
  find((c) => c.api === 'xhr' && c.fail === 'timeout', 'xhr timeout');
  const x404 = find((c) => c.api === 'xhr' && c.status === 404, 'xhr 404');
  assert.equal(x404.fail, undefined, '4xx is not an HTTP error by default');
  assert.equal(x404.req_size, 7);
  assert.ok(calls.every((c) => !c.url.endsWith('/collect')), 'our own beacons are not calls');
  assert.ok(ok.wait > 0 || ok.dl > 0, 'Resource Timing phases attached');
  await plain.page.close();
  await instrumented.page.close();
});

test('shutdown restores fetch and XHR, unless someone wrapped them after us', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/test/http.html?agent`);
  await page.evaluate(() => window.ready);
  const restored = await page.evaluate(() => {
    const wrapped = window.fetch !== window.originals.fetch && XMLHttpRequest.prototype.send !== window.originals.send;
    window.rum.shutdown();
    return {
      wrapped,
      fetch: window.fetch === window.originals.fetch,
      open: XMLHttpRequest.prototype.open === window.originals.open,
      send: XMLHttpRequest.prototype.send === window.originals.send,
    };
  });
  assert.deepEqual(restored, { wrapped: true, fetch: true, open: true, send: true });
  await page.close();

  const page2 = await newPage(browser);
  await page2.goto(`${server.url}/test/http.html?agent`);
  await page2.evaluate(() => window.ready);
  const after = await page2.evaluate(async () => {
    // Another library wraps fetch after us.
    const ours = window.fetch;
    window.fetch = (...a) => ours(...a);
    const theirs = window.fetch;
    window.rum.shutdown();
    const r = await fetch('/echo?after=1');
    return { kept: window.fetch === theirs, status: r.status };
  });
  assert.deepEqual(after, { kept: true, status: 200 });
  assert.deepEqual(page2.pageErrors, []);
  await page2.close();
});

// Zero harm and delivery under faults (issue 7), in real Chromium: the
// collector down and back, 429/503/413, sendBeacon refusing, more than the
// keepalive quota pending at pagehide, an error storm, a strict CSP, hostile
// pages, and a long session. Performance numbers are printed, not asserted
// tightly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, events, ROOT } from './lib/server.mjs';
import { launch, newPage, hide } from './lib/browser.mjs';
import { launchChrome } from './lib/cdp.mjs';
import { startCollector, api, waitFor } from './lib/collector.mjs';

let server, other, browser;
before(async () => {
  server = await startServer();
  other = await startServer(); // a collector on another origin (the usual deployment)
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  await other?.close();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log('  [faults]', ...a);
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;

/** The fault-test page with this collector, config and hostile flags. */
function pageUrl(collector, { cfg, hostile, extra = '' } = {}) {
  let q = `?collector=${encodeURIComponent(collector)}`;
  if (cfg) q += `&cfg=${encodeURIComponent(JSON.stringify(cfg))}`;
  if (hostile) q += `&hostile=${hostile}`;
  return `${server.url}/test/faults/page.html${q}${extra}`;
}

/** Console lines that are Chromium's own network log (any failed request
 *  produces one; no script can prevent it), not something our code printed. */
const NET_LOG = /^Failed to load resource: /;
function noise(page) {
  return page.consoleMessages.filter((m) => !NET_LOG.test(m.text));
}

/**
 * A TCP gate in front of a collector on a fixed port: `down()` closes it
 * (connections are refused, exactly as when the collector is not running),
 * `up()` listens again on the same port; `delayMs` holds each new connection
 * that long before it is forwarded (a slow collector).
 */
async function startGate(targetPort) {
  const sockets = new Set();
  let srv = null;
  let port = 0;
  const gate = {
    delayMs: 0,
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}/collect`;
    },
    async up() {
      srv = net.createServer((c) => {
        sockets.add(c);
        c.pause();
        const go = () => {
          if (c.destroyed) return;
          const u = net.connect(targetPort, '127.0.0.1');
          sockets.add(u);
          const end = () => (c.destroy(), u.destroy(), sockets.delete(c), sockets.delete(u));
          c.on('error', end).on('close', end);
          u.on('error', end).on('close', end);
          c.pipe(u);
          u.pipe(c);
          c.resume();
        };
        gate.delayMs ? setTimeout(go, gate.delayMs) : go();
      });
      await new Promise((r, j) => srv.once('error', j).listen(port, '127.0.0.1', r));
      port = srv.address().port;
    },
    async down() {
      if (!srv) return;
      const s = srv;
      srv = null;
      for (const c of sockets) c.destroy();
      sockets.clear();
      await new Promise((r) => s.close(r));
    },
  };
  await gate.up();
  return gate;
}

/** Every stored event of `kind` from the real collector (all pages of /api/events). */
async function storedEvents(c, kind = 'event') {
  const out = [];
  let before = '';
  for (;;) {
    const r = await api(c, `/api/events?kind=${kind}&limit=1000${before ? `&before=${before}` : ''}`);
    out.push(...r.events);
    if (!r.next_before || r.events.length < 1000) return out;
    before = r.next_before;
  }
}

/** Names → how many times the collector stored each. */
function tally(list) {
  const m = new Map();
  for (const e of list) m.set(e.name, (m.get(e.name) || 0) + 1);
  return m;
}

function assertEachOnce(stored, names, what) {
  const t = tally(stored);
  const missing = names.filter((n) => !t.has(n));
  const dup = [...t].filter(([n, k]) => names.includes(n) && k > 1);
  assert.deepEqual(missing, [], `${what}: lost ${missing.length} of ${names.length}`);
  assert.deepEqual(dup, [], `${what}: stored more than once`);
}

const names = (prefix, n) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** A page whose agent reports to the recording server `other` (emptied
 *  first), once its post-load request has arrived. */
async function loadedOnOther(t) {
  other.beacons.length = 0;
  other.plan.length = 0;
  const page = await newPage(browser);
  t.after(() => page.context().close());
  await page.goto(pageUrl(`${other.url}/collect`));
  await page.evaluate(() => window.ready);
  await other.waitFor((b) => events(b).some((e) => e.k === 'nav'), 15000);
  return page;
}

/** A real collector and a fresh page, both gone when the test ends. */
async function collectorAndPage(t) {
  const c = await startCollector();
  const page = await newPage(browser);
  t.after(async () => {
    await page.context().close();
    await c.stop();
  });
  return { c, page };
}

// ---------------------------------------------------------------------------
// 1. Collector down (connection refused), then back.

test('collector down then back: quiet page, bounded memory, stored batches delivered once by the next page view', async (t) => {
  const c = await startCollector();
  const gate = await startGate(c.port);
  t.after(async () => {
    await gate.down();
    await c.stop();
  });
  await gate.down(); // connection refused from now on

  const page = await newPage(browser);
  const t0 = Date.now();
  const attempts = [];
  page.on('requestfailed', (r) => r.url().startsWith(gate.url) && attempts.push({ t: Date.now() - t0, why: r.failure()?.errorText }));
  await page.goto(pageUrl(gate.url, { cfg: { batch: { flushIntervalMs: 1000 } } }));
  await page.evaluate(() => window.ready);
  const mem0 = await page.evaluate(() => window.wasmMemory());
  assert.ok(mem0 > 0, "the agent's wasm memory is found");

  // While it is down the page keeps producing: 20,000 events over ~10 s, far
  // more than the retry store holds. Memory must stay flat, and the retries
  // must keep backing off even though the request being retried is pushed out
  // of the full store by newer ones.
  const samples = [];
  for (let k = 0; k < 20; k++) {
    await page.evaluate((k) => window.pushMany(`filler${k}`, 1000, 100), k);
    if (k % 2) samples.push(await page.evaluate(() => window.wasmMemory()));
    await sleep(450);
  }
  // Then the events this test follows, and an error.
  await page.evaluate(() => {
    window.pushMany('down', 30);
    window.rum.pushError(new Error('while the collector was down'));
    window.rum.flush();
  });
  await sleep(6000);
  const memDown = await page.evaluate(() => window.wasmMemory());
  log(`collector down: wasm memory ${kib(mem0)} at start; ${samples.map(kib).join(' ')} while 20,000 events were pushed; ${kib(memDown)} at the end`);
  log(`failed attempts (ms since load): ${attempts.map((a) => a.t).join(' ')} (${attempts[0]?.why})`);
  assert.ok(attempts.length >= 3, 'the agent retried');
  assert.ok(attempts.every((a) => /CONNECTION_REFUSED/.test(a.why)), 'connection refused');
  const gaps = attempts.slice(1).map((a, i) => a.t - attempts[i].t);
  log(`gaps between attempts: ${gaps.join(' ')} ms (backoff 1 s, 2 s, 4 s, … 60 s)`);
  // Each gap doubles (1 s, 2 s, 4 s); each attempt's time is when its
  // failure reached the page, which a loaded machine delays by a few hundred
  // ms (seen: 1222 then 1790 ms), hence the 300 ms allowance.
  gaps.forEach((g, i) => i && assert.ok(g >= 1.5 * gaps[i - 1] - 300, `backoff grows: ${gaps}`));
  assert.ok(memDown <= 2 * 1024 * 1024, `wasm memory bounded while down: ${memDown}`);
  assert.ok(Math.max(...samples) <= samples[0] + 256 * 1024, `no growth with the events pushed: ${samples}`);
  assert.deepEqual(page.pageErrors, [], 'no page error');
  assert.deepEqual(noise(page), [], 'no console output from us');

  // The page is left while the collector is still down: the beacons are lost,
  // the copies kept in localStorage are not.
  await page.goto(`${server.url}/test/faults/page.html?noagent`);
  const outbox = await page.evaluate(() => window.outboxAtStart || '');
  const stored = outbox.split('\n').filter(Boolean).length;
  log(`outbox after leaving: ${stored} requests, ${kib(outbox.length)} (cap 256 KiB)`);
  assert.ok(stored > 0 && outbox.length <= 256 * 1024 + 1024, 'kept, within its cap');

  // Collector back; the next page view sends what was kept.
  await gate.up();
  await page.goto(pageUrl(gate.url));
  await page.evaluate(() => window.ready);
  const want = names('down', 30);
  await waitFor(async () => tally(await storedEvents(c)).has('down-29'), { what: 'stored requests delivered', timeoutMs: 20000 });
  await sleep(1500); // anything sent twice would have arrived by now
  const got = await storedEvents(c);
  assertEachOnce(got, want, 'events pushed while the collector was down');
  const filler = tally(got.filter((e) => e.name.startsWith('filler')));
  assert.ok([...filler.values()].every((k) => k === 1), 'no filler event stored twice');
  const errors = await storedEvents(c, 'error');
  assert.equal(errors.filter((e) => e.attributes.msg === 'while the collector was down').length, 1, 'the error, once');
  const stats = await api(c, '/api/stats');
  log(`delivered by the next page view: ${got.length} events (${filler.size} of 20,000 filler: the retry store and outbox are capped); collector requests ${JSON.stringify(stats.requests)}, agent-reported drops ${JSON.stringify(stats.agent_dropped_events)}`);
  // 20,000 filler events went in requests of 50 (maxEvents): what was not
  // delivered was dropped as whole requests, and the count of those must
  // arrive even though the requests that carried it were dropped too.
  const lostRequests = (20000 - filler.size) / 50;
  assert.ok(stats.agent_dropped_events.send >= 0.9 * lostRequests, `dropped requests reported: ${stats.agent_dropped_events.send} of ~${lostRequests}`);
  assert.deepEqual(page.pageErrors, []);
  assert.deepEqual(noise(page), []);
  await page.context().close();
});

// ---------------------------------------------------------------------------
// 2. Answers that say "later", "smaller", and transports that refuse.

test('429 and 503 with Retry-After: the next attempt waits at least that long', async (t) => {
  other.beacons.length = 0;
  other.plan.length = 0;
  // A cross-origin collector must expose Retry-After, or the page cannot read it.
  const expose = { 'access-control-expose-headers': 'Retry-After' };
  const page = await newPage(browser);
  t.after(() => page.context().close());
  const sends = [];
  await page.goto(pageUrl(`${other.url}/collect`));
  await page.evaluate(() => window.ready);
  // The agent's own post-load request (navigation, resources) first, so the
  // two refusals below meet the request this test makes.
  await other.waitFor((b) => events(b).some((e) => e.k === 'nav'), 15000);
  await sleep(500); // its request event trails the server's receipt
  page.on('request', (r) => r.url() === `${other.url}/collect` && r.method() === 'POST' && sends.push(Date.now()));
  other.plan.push({ status: 429, headers: { 'retry-after': '3', ...expose } }, { status: 503, headers: { 'retry-after': '2', ...expose } });
  await page.evaluate(() => {
    window.pushMany('ra', 10);
    window.rum.flush();
  });
  await other.waitFor((b) => events(b).some((e) => e.name === 'ra-9'), 15000);
  await sleep(300); // the browser's request events trail the server's receipt
  const gaps = sends.slice(1).map((s, i) => s - sends[i]);
  log(`429 (Retry-After: 3) then 503 (Retry-After: 2): attempts ${sends.length}, gaps ${gaps.join(', ')} ms`);
  assert.equal(sends.length, 3);
  assert.ok(gaps[0] >= 3000 - 20, `waited ${gaps[0]} ms after Retry-After: 3`);
  assert.ok(gaps[1] >= 2000 - 20, `waited ${gaps[1]} ms after Retry-After: 2`);
  const got = events(other.beacons).filter((e) => e.k === 'event' && e.name.startsWith('ra-'));
  assert.equal(got.length, 10, 'each event once');
  assert.deepEqual(page.pageErrors, []);
  assert.deepEqual(noise(page), []);
});

test('a request in flight when the page is hidden is not sent twice; its late refusal queues it again, not a newer one', async (t) => {
  const page = await loadedOnOther(t);
  await sleep(500);
  const setVisibility = (state) =>
    page.evaluate((state) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);
  // Request A is answered 503, late: after the page was hidden (A, a
  // keepalive fetch in flight, is left to the browser, not beaconed again)
  // and shown again, while request B is in flight. A is sent again after B.
  other.plan.push({ status: 503, delayMs: 1500 });
  await page.evaluate(() => {
    window.pushMany('late-a', 3);
    window.rum.flush();
  });
  await sleep(300);
  await setVisibility('hidden');
  await sleep(200);
  await setVisibility('visible');
  other.plan.push({ status: 204, delayMs: 2500 });
  await page.evaluate(() => {
    window.pushMany('late-b', 3);
    window.rum.flush();
  });
  // A's 503 must not be taken as B's (a backoff and a resend of B).
  await other.waitFor((b) => events(b).some((e) => e.name === 'late-a-0'), 10000);
  await sleep(500);
  const got = events(other.beacons).filter((e) => e.k === 'event');
  for (const n of [...names('late-a', 3), ...names('late-b', 3)]) {
    assert.equal(got.filter((e) => e.name === n).length, 1, `${n} received once`);
  }
  assert.deepEqual(page.pageErrors, []);
  assert.deepEqual(noise(page), []);
});

test('413: the agent splits the request and resends until the collector takes it; every event stored once', async (t) => {
  const c = await startCollector({ args: ['--max-body', '8KiB'] });
  const page = await newPage(browser);
  t.after(async () => {
    await page.context().close();
    await c.stop();
  });
  const answers = [];
  const exposed = [];
  page.on('response', (r) => {
    if (!r.url().startsWith(`${c.url}/collect`)) return;
    answers.push(r.status());
    exposed.push(r.headers()['access-control-expose-headers']);
  });
  // maxErrors 0: the error below is dropped and counted, so the first
  // request carries a drop count, which must survive the splits once.
  await page.goto(pageUrl(`${c.url}/collect`, { cfg: { maxErrors: 0 } }));
  await page.evaluate(() => window.ready);
  // ~40 KB of events: flushed at batch.maxBytes (32,000) into requests the
  // collector refuses as too large.
  await page.evaluate(() => {
    window.rum.pushError(new Error('counted, not sent'));
    window.pushMany('big', 150, 200);
    window.rum.flush();
  });
  const want = names('big', 150);
  await waitFor(async () => {
    const t = tally(await storedEvents(c));
    return want.every((n) => t.has(n));
  }, { what: 'every event after the splits', timeoutMs: 20000 });
  await sleep(500);
  assertEachOnce(await storedEvents(c), want, '413 splits');
  const stats = await api(c, '/api/stats');
  const n413 = answers.filter((s) => s === 413).length;
  log(`413 with --max-body 8KiB: answers ${answers.join(' ')}; ${n413} refused, ${stats.requests.stored} stored requests`);
  assert.ok(n413 >= 1, 'the collector refused at least one request as too large');
  assert.equal(stats.rejected_requests.body_too_large, n413);
  // Its Retry-After (on 503) must be readable cross-origin.
  assert.ok(exposed.every((h) => /retry-after/i.test(h || '')), `Access-Control-Expose-Headers: ${exposed}`);
  assert.equal(stats.agent_dropped_events.oversize || 0, 0, 'nothing dropped');
  assert.equal(stats.agent_dropped_events.errors, 1, 'the drop count arrives once, not once per half');
  assert.deepEqual(page.pageErrors, []);
  assert.deepEqual(noise(page).filter((m) => !/413/.test(m.text)), []);
});

test('sendBeacon returning false: keepalive fetch delivers at pagehide; the stored copy is stored once', async (t) => {
  const { c, page } = await collectorAndPage(t);
  await page.goto(pageUrl(`${c.url}/collect`, { hostile: 'beacon-false' }));
  await page.evaluate(() => window.ready);
  await page.evaluate(() => window.pushMany('bf', 20)); // queued, not flushed
  await page.goto(`${server.url}/test/faults/page.html?noagent`); // pagehide
  const want = names('bf', 20);
  await waitFor(async () => tally(await storedEvents(c)).has('bf-19'), { what: 'delivered at pagehide', timeoutMs: 10000 });
  assertEachOnce(await storedEvents(c), want, 'sent by keepalive fetch when sendBeacon refused');
  const outbox = await page.evaluate(() => window.outboxAtStart || '');
  // sendBeacon was replaced by one that sends nothing: what arrived before
  // the next page view came by keepalive fetch.
  log(`sendBeacon → false: delivered by keepalive fetch at pagehide; copy kept in the outbox: ${outbox.split('\n').filter(Boolean).length} request(s)`);
  // The next page view resends the copy (the agent could not know the fetch
  // arrived); the collector recognises it by view.id + seq.
  await page.goto(pageUrl(`${c.url}/collect`));
  await page.evaluate(() => window.ready);
  await waitFor(async () => (await api(c, '/api/stats')).requests.duplicate >= 1, { what: 'the stored copy resent', timeoutMs: 10000 });
  assertEachOnce(await storedEvents(c), want, 'after the next page view');
  assert.deepEqual(page.pageErrors, []);
});

test('a tab switch: the hide beacon goes gzip-compressed, by sendBeacon, with no copy left in the outbox', async (t) => {
  const page = await loadedOnOther(t);
  await page.evaluate(() => window.pushMany('tab', 20)); // queued, not flushed
  const before = other.beacons.length;
  await hide(page);
  await other.waitFor((b) => events(b).some((e) => e.name === 'tab-19'), 10000);
  await sleep(300);
  const hidden = other.beacons.slice(before);
  const got = events(hidden).filter((e) => e.k === 'event');
  assert.deepEqual(got.map((e) => e.name).sort(), names('tab', 20).sort(), 'each event once');
  for (const b of hidden) {
    assert.ok(b.gzipped, 'compressed');
    assert.equal(b.headers['sec-fetch-mode'], 'no-cors', 'a beacon (a fetch would be cors mode)');
    assert.equal(b.headers['content-type'], undefined, 'no content type: no preflight');
  }
  const outbox = await page.evaluate(() => localStorage.getItem('rum-agent:outbox'));
  assert.equal(outbox, null, 'the copy kept while compressing is removed once the beacon is handed over');
  const text = hidden.reduce((n, b) => n + Buffer.byteLength(b.body), 0);
  const wire = hidden.reduce((n, b) => n + b.bytes, 0);
  log(`tab switch: hide beacon ${wire} B gzip-compressed (${text} B as text)`);
  assert.deepEqual(page.pageErrors, []);
  assert.deepEqual(noise(page), []);
});

test('a tab switch, real collector: the compressed beacon is stored, the browser read from the User-Agent header', async (t) => {
  const { c, page } = await collectorAndPage(t);
  await page.goto(pageUrl(`${c.url}/collect`));
  await page.evaluate(() => window.ready);
  await page.evaluate(() => window.pushMany('tabc', 5));
  await hide(page);
  await waitFor(async () => tally(await storedEvents(c)).has('tabc-4'), { what: 'the compressed beacon stored', timeoutMs: 10000 });
  const stored = (await storedEvents(c)).filter((e) => e.name.startsWith('tabc-'));
  assertEachOnce(stored, names('tabc', 5), 'tab switch');
  assert.ok(stored.every((e) => /Chrome/.test(e.browser)), `browser: ${[...new Set(stored.map((e) => e.browser))]}`);
  assert.equal(await page.evaluate(() => localStorage.getItem('rum-agent:outbox')), null, 'no copy left');
  assert.deepEqual(page.pageErrors, []);
});

test('a visible page left by a link: one beacon carries the queued events and the final Web Vitals', async (t) => {
  const page = await loadedOnOther(t);
  await page.evaluate(() => window.pushMany('link', 5));
  const before = other.beacons.length;
  // pagehide, then visibilitychange → hidden: two events, one request.
  await page.goto(`${server.url}/test/faults/page.html?noagent`);
  await other.waitFor((b) => events(b).some((e) => e.name === 'link-4'), 10000);
  await sleep(1000);
  const exit = other.beacons.slice(before);
  const got = events(exit);
  assert.deepEqual(got.filter((e) => e.k === 'event').map((e) => e.name), names('link', 5));
  for (const v of ['LCP', 'CLS']) assert.equal(got.filter((e) => e.name === v).length, 1, `${v} once`);
  assert.equal(exit.length, 1, `one request at exit (got ${exit.length})`);
  assert.deepEqual(page.pageErrors, []);
});

test('a tab switch, then the page is killed before the compressed beacon left: the next page view delivers it once; an unload first sends it as text', async (t) => {
  const { c, page } = await collectorAndPage(t);
  const outbox = (p) => p.evaluate(() => localStorage.getItem('rum-agent:outbox') || '');
  // A CompressionStream that never finishes: the beacon waits for it forever.
  await page.goto(pageUrl(`${c.url}/collect`, { hostile: 'stall-gzip' }));
  await page.evaluate(() => window.ready);
  // The request after load is compressing (for ever) before ours are queued.
  const afterLoad = (p) => p.waitForFunction(() => window.gzipStarted > 0, null, { timeout: 10000 });
  await afterLoad(page);
  await page.evaluate(() => window.pushMany('killed', 10));
  await hide(page);
  await sleep(300);
  assert.ok((await outbox(page)).includes('killed-9'), 'a copy waits in the outbox while compressing');
  assert.ok(!tally(await storedEvents(c)).has('killed-0'), 'nothing sent yet');
  // Shown and hidden again, four times: at most four beacons wait for a
  // compression; the fifth hide sends at once, as text.
  for (let i = 0; i < 4; i++) {
    await page.evaluate((i) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
      document.dispatchEvent(new Event('visibilitychange'));
      window.pushMany(`waiting${i}`, 1);
    }, i);
    await hide(page);
  }
  await waitFor(async () => tally(await storedEvents(c)).has('waiting3-0'), { what: 'the fifth hide sent at once', timeoutMs: 10000 });
  assert.ok(!tally(await storedEvents(c)).has('waiting2-0'), 'the fourth waits');
  // Killed: no pagehide, no code runs any more (a mobile OS reclaiming a
  // background tab).
  const cdp = await page.context().newCDPSession(page);
  cdp.send('Page.crash').catch(() => {}); // never answers: the page is gone
  await sleep(500);
  const next = await page.context().newPage();
  next.consoleMessages = [];
  next.pageErrors = [];
  next.on('pageerror', (e) => next.pageErrors.push(String(e)));
  await next.goto(pageUrl(`${c.url}/collect`));
  await next.evaluate(() => window.ready);
  await waitFor(
    async () => {
      const t = tally(await storedEvents(c));
      return t.has('killed-9') && t.has('waiting2-0');
    },
    { what: 'delivered by the next page view', timeoutMs: 10000 },
  );
  // Another page view: hidden (compression stalls), then left before it
  // ends: the unload sends the text at once, and takes the copy back.
  await next.goto(pageUrl(`${c.url}/collect`, { hostile: 'stall-gzip' }));
  await next.evaluate(() => window.ready);
  await afterLoad(next);
  await next.evaluate(() => window.pushMany('left', 10));
  await hide(next);
  await sleep(300);
  assert.ok((await outbox(next)).includes('left-9'), 'a copy waits in the outbox while compressing');
  await next.goto(`${server.url}/test/faults/page.html?noagent`); // pagehide
  const left = await next.evaluate(() => window.outboxAtStart || '');
  await waitFor(async () => tally(await storedEvents(c)).has('left-9'), { what: 'sent as text at pagehide', timeoutMs: 10000 });
  assert.ok(!left.includes('left-'), 'its copy was taken back when the text beacon went');
  await sleep(500);
  const waiting = [0, 1, 2, 3].map((i) => `waiting${i}-0`);
  assertEachOnce(await storedEvents(c), [...names('killed', 10), ...waiting, ...names('left', 10)], 'killed, then left');
  assert.equal((await api(c, '/api/stats')).requests.duplicate || 0, 0, 'nothing sent twice');
  assert.deepEqual(next.pageErrors, []);
});

test('more than 64 KiB pending at pagehide: the keepalive quota is used, the rest is stored and sent by the next page view', async (t) => {
  const c = await startCollector();
  const gate = await startGate(c.port);
  const page = await newPage(browser);
  t.after(async () => {
    await page.context().close();
    await gate.down();
    await c.stop();
  });
  // A slow collector: each connection is held 3 s, so requests pile up.
  gate.delayMs = 3000;
  const sent = [];
  page.on('request', (r) => r.url().startsWith(gate.url) && sent.push(r.postData()?.length || 0));
  await page.goto(pageUrl(gate.url, { hostile: 'logbeacon' }));
  await page.evaluate(() => window.ready);
  await page.evaluate(() => window.pushMany('quota', 500, 300)); // ~180 KB
  const pending = sent.reduce((a, b) => a + b, 0);
  await page.goto(`${server.url}/test/faults/page.html?noagent`); // pagehide with it all pending
  const outbox = await page.evaluate(() => window.outboxAtStart || '');
  const beacons = await page.evaluate(() => window.beaconsBefore);
  log(`sendBeacon at pagehide (bytes → accepted): ${beacons.map(([n, ok]) => `${kib(n)}→${ok}`).join(', ')}`);
  assert.ok(beacons.some(([, ok]) => ok) && beacons.some(([, ok]) => !ok), 'the quota took some and refused the rest');
  const storedLines = outbox.split('\n').filter(Boolean);
  await sleep(4500); // what left at pagehide arrives
  gate.delayMs = 0;
  const before = tally(await storedEvents(c));
  const beforeCount = names('quota', 500).filter((n) => before.has(n)).length;
  log(`64 KiB quota: ${sent.length} request(s) on the wire before pagehide (${kib(pending)}); at pagehide ${storedLines.length} request(s) (${kib(outbox.length)}) went to the outbox; ${beforeCount}/500 events arrived before the next page view`);
  assert.ok(storedLines.length > 0, 'what did not fit the quota was kept');
  assert.ok(beforeCount > 0 && beforeCount < 500, 'part was sent at pagehide, part kept');
  await page.goto(pageUrl(gate.url));
  await page.evaluate(() => window.ready);
  const want = names('quota', 500);
  await waitFor(async () => {
    const t = tally(await storedEvents(c));
    return want.every((n) => t.has(n));
  }, { what: 'the rest, from the next page view', timeoutMs: 15000 });
  await sleep(1000);
  assertEachOnce(await storedEvents(c), want, 'quota overflow');
  const stats = await api(c, '/api/stats');
  log(`collector requests ${JSON.stringify(stats.requests)}`);
  assert.deepEqual(page.pageErrors, []);
});

// ---------------------------------------------------------------------------
// 3. Error storm: 10,000 uncaught errors a second for 5 s.

/** CPU self time (ms) of the profile's frames, split into the agent's (the
 *  glue and shim under /pkg/, and the wasm) and everything else. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const ours = (n) => n.callFrame.url.includes('/pkg/') || n.callFrame.url.startsWith('wasm://');
  let agent = 0;
  let script = 0;
  const top = new Map();
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const n = byId.get(id);
    const f = n.callFrame;
    if (f.url) script += dt;
    if (ours(n)) {
      agent += dt;
      const k = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}`;
      top.set(k, (top.get(k) || 0) + dt);
    }
  });
  return { agent, script, top: [...top].sort((a, b) => b[1] - a[1]).slice(0, 5) };
}

async function runStorm(chrome, withAgent) {
  const page = await chrome.newPage();
  // DevTools would receive every one of the 50,000 exceptions: off.
  await page.send('Runtime.disable');
  await page.activate();
  await page.goto(`${server.url}/test/faults/storm.html${withAgent ? '?agent' : ''}`);
  await page.evaluate('window.ready.then(() => 1)');
  await page.send('Performance.enable');
  await page.send('Profiler.enable');
  await page.send('Profiler.setSamplingInterval', { interval: 200 });
  const metric = async () => Object.fromEntries((await page.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const m0 = await metric();
  await page.send('Profiler.start');
  const r = await page.evaluate('window.storm(10000, 5)');
  const { profile } = await page.send('Profiler.stop');
  const m1 = await metric();
  r.visible = await page.evaluate('document.visibilityState');
  r.taskMs = (m1.TaskDuration - m0.TaskDuration) * 1000;
  r.scriptMs = (m1.ScriptDuration - m0.ScriptDuration) * 1000;
  r.seen = await page.evaluate('window.seen');
  // Only what happened during the storm (not the page load before it).
  const during = (e) => e.start + e.dur >= r.start && e.start <= r.start + r.elapsed;
  r.longTasks = (await page.evaluate('window.longTasks')).filter(during);
  r.loafs = (await page.evaluate('window.loafs')).filter(during);
  r.profile = selfTimes(profile);
  if (withAgent) await page.evaluate('window.rum.flush()');
  return { page, r };
}

test('error storm: the page stays responsive, agent CPU bounded, errors aggregated with counts, caps counted', async () => {
  const chrome = await launchChrome();
  try {
    const bare = await runStorm(chrome, false);
    await bare.page.close();
    server.beacons.length = 0;
    const withAgent = await runStorm(chrome, true);
    await withAgent.page.goto('about:blank'); // pagehide: whatever is left goes
    await sleep(500);
    const A = bare.r;
    const B = withAgent.r;
    const lt = (r) => `${r.longTasks.length} long tasks (${r.longTasks.reduce((a, t) => a + t.dur, 0).toFixed(0)} ms)`;
    const rate = (r) => Math.round((r.seen.js + r.seen.promise) / (r.elapsed / 1000));
    const row = (name, r) =>
      log(`| ${name} | ${r.seen.js + r.seen.promise} | ${rate(r)} | ${r.taskMs.toFixed(0)} ms | ${r.scriptMs.toFixed(0)} ms | ${r.profile.agent.toFixed(0)} ms | ${lt(r)} | ${r.frameP50.toFixed(0)} / ${r.frameMax.toFixed(0)} ms |`);
    log('error storm, 5 s:');
    log(`| | errors thrown | rate /s | task time | script time | agent self time (profile) | long tasks | frame p50 / max |`);
    log(`|---|---:|---:|---:|---:|---:|---|---|`);
    row('without agent', A);
    row('with agent', B);
    log(`agent's heaviest frames: ${B.profile.top.map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join('; ')}`);
    assert.equal(A.visible, 'visible');
    assert.equal(B.visible, 'visible');
    assert.ok(A.seen.js + A.seen.promise >= 5000, `the storm ran: ${A.seen.js + A.seen.promise} errors without the agent`);
    // No long task from us: no script of ours in a long animation frame ran 50 ms.
    const oursInLoaf = B.loafs.flatMap((f) => f.scripts).filter((s) => s.url.includes('/pkg/'));
    log(`long animation frames with a script of ours: ${oursInLoaf.length}, longest ${Math.max(0, ...oursInLoaf.map((s) => s.dur)).toFixed(0)} ms`);
    assert.ok(oursInLoaf.every((s) => s.dur < 50), `a long script of ours: ${JSON.stringify(oursInLoaf)}`);
    // Agent CPU bounded: generous, printed above.
    assert.ok(B.profile.agent < 0.25 * B.elapsed, `agent self time ${B.profile.agent} ms in ${B.elapsed} ms`);

    // Every error accounted for: reported with a count, or counted as dropped.
    await server.waitFor((b) => events(b).some((e) => e.k === 'error' && e.msg?.startsWith('storm')));
    const errs = events(server.beacons).filter((e) => e.k === 'error' && /^storm/.test(e.msg));
    const sum = errs.reduce((a, e) => a + (e.count || 1), 0);
    const dropped = (why) => server.beacons.reduce((a, b) => a + (b.json?.dropped?.[why] || 0), 0);
    const thrown = B.seen.js + B.seen.promise;
    log(`reported: ${errs.length} error events standing for ${sum} errors (largest count ${Math.max(...errs.map((e) => e.count || 1))}), dropped.errors ${dropped('errors')}, dropped.busy ${dropped('busy')}, dropped.queue ${dropped('queue')}; ${server.beacons.length} requests`);
    assert.equal(sum + dropped('errors') + dropped('busy'), thrown, 'each error reported in a count or counted as dropped');
    assert.ok(dropped('errors') > 0, 'distinct errors beyond maxErrors are counted');
    assert.ok(errs.length <= 100 + 5 + 3 + 10, `aggregated: ${errs.length} reports`);
    const distinct = new Set(errs.map((e) => `${e.src}|${e.msg}`));
    assert.ok(distinct.size <= 100, `at most maxErrors distinct errors: ${distinct.size}`);
    assert.ok(errs.some((e) => e.msg === 'storm 0' && e.count > 1000), 'repeats become counts');

    // The page kept throwing: the storm's throughput with the agent is at
    // least 80 % of the same page's without it. The storm overloads the main
    // thread on purpose, and Chromium's scheduler then settles, run by run and
    // with or without the agent, in one of two regimes (frames every 17 ms, or
    // rendering starved to one frame per 100 ms) whose throughputs differ by
    // up to a third; a busy CI box adds its own noise. So the rates (errors a
    // second, not totals over unequal windows) are compared, and when the first
    // pair falls short, up to two more alternating pairs are measured and the
    // best rate of each side compared: interference only ever lowers a rate,
    // while an agent that really costs the page stays short in every pair.
    const rates = { bare: [rate(A)], agent: [rate(B)] };
    const best = (xs) => Math.max(...xs);
    for (let i = 2; i <= 3 && best(rates.agent) < 0.8 * best(rates.bare); i++) {
      const a = await runStorm(chrome, false);
      await a.page.close();
      const b = await runStorm(chrome, true);
      await b.page.close();
      row(`without agent, pair ${i}`, a.r);
      row(`with agent, pair ${i}`, b.r);
      rates.bare.push(rate(a.r));
      rates.agent.push(rate(b.r));
    }
    log(`storm throughput (errors/s): without agent ${rates.bare.join(', ')}; with agent ${rates.agent.join(', ')}; best ${best(rates.agent)} vs ${best(rates.bare)} (${((100 * best(rates.agent)) / best(rates.bare)).toFixed(0)} %)`);
    assert.ok(
      best(rates.agent) >= 0.8 * best(rates.bare),
      `the page kept throwing with the agent: ${best(rates.agent)} errors/s vs ${best(rates.bare)} without (best of ${rates.bare.length})`,
    );
  } finally {
    await chrome.close();
  }
});

// ---------------------------------------------------------------------------
// 4. Strict Content-Security-Policy.

async function cspPage(csp, extra = '') {
  server.headers['/test/faults/csp.html'] = { 'content-security-policy': csp };
  const page = await newPage(browser);
  await page.goto(`${server.url}/test/faults/csp.html?collector=${encodeURIComponent(`${other.url}/collect`)}${extra}`);
  await page.waitForFunction(() => window.cspResult?.done);
  await page.click('#btn');
  const r = await page.evaluate(() => window.cspResult);
  r.status = await page.textContent('#status');
  return { page, r };
}

test('strict CSP: works with wasm-unsafe-eval; without it init() rejects saying what to add, and the page is unaffected', async () => {
  other.beacons.length = 0;
  try {
    // The wasm is fetched (connect-src) from where rum.js is served, here the page's origin.
    const strict = `script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ${other.url}`;
    const ok = await cspPage(strict);
    log(`CSP "${strict}": ${JSON.stringify(ok.r)}`);
    assert.equal(ok.r.ok, true, `init() under a strict CSP: ${ok.r.error}`);
    assert.deepEqual(ok.r.violations, []);
    await other.waitFor((b) => events(b).some((e) => e.k === 'event' && e.name === 'csp-ok'));
    assert.deepEqual(ok.page.pageErrors, []);
    assert.deepEqual(noise(ok.page), []);
    await ok.page.context().close();

    // Without 'wasm-unsafe-eval'.
    const shim = fs.readFileSync(path.join(ROOT, 'js/rum.js'), 'utf8');
    const re = new RegExp(/throw (\/.+?\/i)\.test/.exec(shim)[1].slice(1, -2), 'i');
    const noWasm = `script-src 'self'; connect-src 'self' ${other.url}`;
    const bad = await cspPage(noWasm);
    log(`CSP "${noWasm}": Chromium says "${bad.r.probe}"; init() rejects with "${bad.r.error}"`);
    assert.match(bad.r.probe, /^CompileError: /, 'the policy refuses to compile WebAssembly');
    assert.match(bad.r.probe, re, "the shim's pattern recognises Chromium's message");
    assert.equal(bad.r.error, "Error: rum-agent: the page's Content-Security-Policy blocks WebAssembly: add 'wasm-unsafe-eval' to script-src");
    assert.equal(bad.r.status, 'page script ran');
    assert.equal(bad.r.clicked, true, 'the page works');
    assert.deepEqual(bad.page.pageErrors, []);
    assert.deepEqual(noise(bad.page), []);
    await bad.page.context().close();

    // connect-src naming only the collector: the wasm (served from the
    // page's origin) cannot be fetched, and init() says what to check.
    const collectorOnly = `script-src 'self' 'wasm-unsafe-eval'; connect-src ${other.url}`;
    const blocked = await cspPage(collectorOnly);
    log(`CSP "${collectorOnly}": init() rejects with "${blocked.r.error}"; violations ${JSON.stringify(blocked.r.violations)}`);
    assert.match(blocked.r.error, /rum-agent: could not load rum_agent_bg\.wasm .*connect-src/, 'init() rejects saying what to check');
    assert.equal(blocked.r.clicked, true, 'the page works');
    assert.deepEqual(blocked.page.pageErrors, []);
    await blocked.page.context().close();
  } finally {
    delete server.headers['/test/faults/csp.html'];
  }
});

// ---------------------------------------------------------------------------
// 5. Hostile pages: what other libraries did before (and after) the agent loaded.

const HOSTILE = ['array', 'json', 'promise', 'proto', 'fetch-before', 'storage', 'nobeacon', 'deafchannel', 'nochannel'];

/** Runs one hostile page against the cross-origin recording collector:
 *  a flush while visible, then one at pagehide. */
async function hostileRun(flags, { beforeSend = false } = {}) {
  const tag = `h${flags.replace(/[^a-z]/g, '')}`.slice(0, 40);
  other.beacons.length = 0;
  const page = await newPage(browser);
  await page.goto(pageUrl(`${other.url}/collect`, { hostile: flags, extra: beforeSend ? '&beforeSend' : '' }));
  await page.evaluate(() => window.ready);
  // Another library wraps fetch after the agent (it calls our wrapper).
  await page.evaluate(() => {
    const ours = window.fetch;
    window.fetch = function (...a) {
      window.hostileCalls['fetch-after'] = (window.hostileCalls['fetch-after'] || 0) + 1;
      return ours.apply(this, a);
    };
  });
  const status = await page.evaluate((t) => window.exercise(t), tag);
  assert.equal(status, 200, 'the page’s own fetch works');
  await page.evaluate(() => window.rum.flush());
  await other.waitFor((b) => events(b).some((e) => e.k === 'event' && e.name === `${tag}-event`), 10000).catch((e) => {
    throw new Error(`${flags}: not delivered while visible (${e.message}); console ${JSON.stringify(page.consoleMessages)}`);
  });
  await sleep(300);
  const visible = events(other.beacons);
  const calls = await page.evaluate(() => window.hostileCalls);
  // Then the page is left: the pagehide path (beacon, or keepalive fetch).
  await page.evaluate((t) => window.rum.pushEvent(`${t}-pagehide`), tag);
  await page.goto('about:blank');
  await other.waitFor((b) => events(b).some((e) => e.name === `${tag}-pagehide`), 10000);
  await sleep(300);
  const evs = events(other.beacons);
  const once = (pred, what) => {
    const found = evs.filter(pred);
    assert.equal(found.length, 1, `${flags}: ${what} reported ${found.length} times`);
    return found[0];
  };
  once((e) => e.k === 'event' && e.name === `${tag}-event`, 'the custom event');
  once((e) => e.k === 'measure' && e.name === `${tag}-measure` && e.value === 42, 'the measurement');
  const err = once((e) => e.k === 'error' && e.msg === `${tag} boom`, 'the thrown error');
  assert.equal(err.type, 'TypeError');
  assert.ok(err.frames?.[0]?.file.startsWith(`${server.url}/test/faults/page.html`), `${flags}: the error's stack parsed`);
  once((e) => e.k === 'http' && e.url.endsWith(`/echo?${tag}=1`) && e.status === 200, 'the page’s fetch');
  once((e) => e.k === 'nav', 'the navigation');
  assert.ok(evs.every((e) => e.batch.session.id && e.batch.app.name === 'faults-test'), 'batches are whole');
  assert.equal(new Set(evs.map((e) => e.batch.view.id)).size, 1, 'one page view');
  if (beforeSend) assert.equal(evs.find((e) => e.name === `${tag}-event`).attrs.hooked, 1, 'beforeSend ran');
  const pageErrors = page.pageErrors.filter((e) => !e.includes(`${tag} boom`));
  assert.deepEqual(pageErrors, [], `${flags}: page errors`);
  assert.deepEqual(noise(page), [], `${flags}: console`);
  const sentWhileVisible = visible.filter((e) => e.k === 'event').length > 0;
  await page.context().close();
  return { calls, sentWhileVisible, requests: other.beacons.length };
}

test('CSP violations (the full build): reported with their directive and a count; the agent never reports its own blocked requests', async () => {
  other.beacons.length = 0;
  try {
    // The collector allowed: three blocked images become one report with a count, the blocked fetch another.
    const policy = `script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ${other.url}; img-src 'self'`;
    const a = await cspPage(policy, '&violate&build=full');
    assert.equal(a.r.ok, true, `init(): ${a.r.error}`);
    await a.page.waitForFunction(() => window.cspResult.flushed);
    const csp = () => events(other.beacons).filter((e) => e.k === 'error' && e.src === 'csp');
    await other.waitFor(() => csp().length >= 2);
    const img = csp().find((e) => e.msg === "'http://127.0.0.1:9/blocked.png' blocked by img-src");
    const api = csp().find((e) => e.msg === "'http://127.0.0.1:9/api' blocked by connect-src");
    log(`CSP violations reported: ${JSON.stringify(csp().map(({ msg, type, count, file, line }) => ({ msg, type, count, file, line })))}`);
    assert.ok(img, 'the blocked image is reported');
    assert.equal(img.type, 'CSPViolation');
    assert.equal(img.count, 3, 'three identical violations, one report');
    assert.ok(api, 'the blocked fetch is reported');
    assert.equal(api.file, undefined, 'the fetch went through our wrapper: no location rather than ours');
    assert.equal(api.line, undefined);
    assert.equal(csp().length, 2, 'nothing else');
    assert.deepEqual(a.page.pageErrors, []);
    await a.page.context().close();

    // The collector left out of connect-src: each beacon is blocked, and the
    // agent must not report that (it would be blocked in turn, and again).
    const blocked = `script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; img-src 'self'`;
    const b = await cspPage(blocked, '&violate&build=full');
    await b.page.waitForFunction(() => window.cspResult.flushed);
    await sleep(2000);
    const r = await b.page.evaluate(() => window.cspResult);
    const ours = r.violations.filter((v) => v.blocked.startsWith(other.url));
    const queued = r.sent.filter((e) => e.k === 'error' && e.src === 'csp').map((e) => e.msg);
    log(`collector blocked: ${r.violations.length} violations (${ours.length} of our beacons); the agent queued ${JSON.stringify(queued)}`);
    assert.ok(ours.length >= 1, 'the policy did block the beacons');
    assert.ok(ours.length <= 6, `no loop: ${ours.length} blocked beacons in 2.5 s`);
    assert.deepEqual(queued.sort(), ["'http://127.0.0.1:9/api' blocked by connect-src", "'http://127.0.0.1:9/blocked.png' blocked by img-src"]);
    assert.deepEqual(b.page.pageErrors, []);
    await b.page.context().close();
  } finally {
    delete server.headers['/test/faults/csp.html'];
  }
});

test('hostile pages: changed prototypes, wrapped fetch, blocked storage, no sendBeacon — the agent reports, the page sees nothing from us', async () => {
  const rows = [];
  for (const flags of [...HOSTILE, HOSTILE.join(',')]) {
    const r = await hostileRun(flags);
    rows.push(`${flags}: ok (${r.requests} requests; library hooks called ${Object.entries(r.calls).map(([k, v]) => `${k}×${v}`).join(' ') || 'none'})`);
  }
  const r = await hostileRun('array,json,promise', { beforeSend: true });
  rows.push(`array,json,promise + beforeSend: ok (${r.requests} requests)`);
  for (const row of rows) log(row);
});

test('the agent loaded twice (two URLs): one agent, every event once', async () => {
  server.beacons.length = 0;
  const page = await newPage(browser);
  await page.goto(`${server.url}/test/faults/twice.html`);
  await page.evaluate(() => window.ready);
  await page.waitForFunction(() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0);
  const modules = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/pkg/rum.js')).map((e) => e.name));
  // Each copy starts when the browser is idle (at most 1 s after the
  // document is parsed): the second may come after the first is ready, later
  // still on a busy machine. Its one console line says it found the first.
  const again = 'rum-agent: init() was called again; returning the running agent';
  await waitFor(() => page.consoleMessages.some((m) => m.text === again), { what: 'the second copy to start', timeoutMs: 10000 });
  await page.evaluate(() => window.rum.pushEvent('twice-event'));
  await page.goto('about:blank');
  await server.waitFor((b) => events(b).some((e) => e.name === 'twice-event'));
  await sleep(300);
  const evs = events(server.beacons);
  log(`loaded twice: modules ${modules.map((u) => u.replace(server.url, '')).join(', ')}; ${evs.length} events in ${server.beacons.length} requests; console ${JSON.stringify(page.consoleMessages.map((m) => m.text))}`);
  assert.equal(modules.length, 2, 'both URLs were loaded');
  assert.equal(evs.filter((e) => e.k === 'nav').length, 1, 'one navigation event');
  assert.equal(evs.filter((e) => e.name === 'twice-event').length, 1);
  assert.equal(new Set(evs.map((e) => e.batch.view.id)).size, 1, 'one page view');
  assert.equal(new Set(evs.map((e) => e.batch.session.id)).size, 1, 'one session');
  const resources = evs.filter((e) => e.k === 'res').map((e) => e.url);
  assert.equal(resources.length, new Set(resources).size, 'each resource once');
  assert.deepEqual(page.pageErrors, []);
  // The one line we print: the second copy tells the developer it is redundant.
  assert.deepEqual(noise(page).map((m) => m.text), [again]);
  await page.context().close();
});

// ---------------------------------------------------------------------------
// 6. Long session: 100,000 events over time in one SPA page view.

test('long session: 100,000 events (events, measurements, errors, route changes) keep wasm memory flat', async () => {
  other.beacons.length = 0;
  // Plain CDP with the Runtime domain off: DevTools keeps every uncaught
  // exception it is told about, which would grow the JS heap by itself.
  const chrome = await launchChrome();
  try {
    const page = await chrome.newPage();
    await page.send('Runtime.disable');
    await page.activate();
    await page.goto(pageUrl(`${other.url}/collect`, { cfg: { batch: { flushIntervalMs: 2000 } } }));
    await page.evaluate('window.ready.then(() => 1)');
    // JS heap after a full garbage collection: growth is retention, not garbage.
    const sample = async (events) => {
      await page.send('HeapProfiler.collectGarbage');
      return { events, ...(await page.evaluate('window.wasmMemory().then((wasm) => ({ wasm, heap: window.jsHeap() }))')) };
    };
    const started = Date.now();
    const samples = [await sample(0)];
    for (let tenth = 0; tenth < 10; tenth++) {
      // 10,000 events: 10 chunks of 600 events, 300 measurements, 80 handled
      // errors (50 distinct), 20 uncaught errors (10 distinct); a new route.
      await page.evaluate(`(async (tenth) => {
        const rum = window.rum;
        rum.setView('/route/' + tenth);
        for (let chunk = 0; chunk < 10; chunk++) {
          for (let i = 0; i < 600; i++) rum.pushEvent('click', { target: 'button-' + (i % 20), chunk });
          for (let i = 0; i < 300; i++) rum.pushMeasurement('render_ms', i / 10, { route: '/route/' + tenth });
          for (let i = 0; i < 80; i++) window.handled(i % 50, chunk);
          for (let i = 0; i < 20; i++) reportError(new TypeError('uncaught ' + (i % 10)));
          await new Promise((r) => setTimeout(r, 50));
        }
      })(${tenth})`);
      samples.push(await sample((tenth + 1) * 10000));
    }
    const elapsed = Date.now() - started;
    await page.evaluate('window.rum.flush()');
    await sleep(1500);
    const evs = events(other.beacons);
    const kinds = {};
    for (const e of evs) kinds[e.k] = (kinds[e.k] || 0) + 1;
    const dropped = {};
    for (const b of other.beacons) for (const [k, v] of Object.entries(b.json?.dropped || {})) dropped[k] = (dropped[k] || 0) + v;
    const errorCount = evs.filter((e) => e.k === 'error').reduce((a, e) => a + (e.count || 1), 0);
    log(`long session: 100,000 events in ${(elapsed / 1000).toFixed(1)} s (with 5 s of pauses), ${other.beacons.length} requests; delivered ${JSON.stringify(kinds)}; error reports stand for ${errorCount} of 10,000; dropped ${JSON.stringify(dropped)}`);
    log('| events | wasm memory | JS heap (after GC) |');
    log('|---:|---:|---:|');
    for (const x of samples) log(`| ${x.events} | ${kib(x.wasm)} | ${kib(x.heap)} |`);
    const at10k = samples[1];
    const last = samples.at(-1);
    assert.ok(samples[0].wasm > 0, "the agent's wasm memory is found");
    assert.ok(last.wasm <= 2 * at10k.wasm, `wasm memory grew: ${kib(at10k.wasm)} after 10k events, ${kib(last.wasm)} at the end`);
    assert.ok(last.wasm <= 4 * 1024 * 1024, `wasm memory ${kib(last.wasm)}`);
    assert.ok(last.heap <= 2 * at10k.heap, `JS heap grew: ${kib(at10k.heap)} after 10k events, ${kib(last.heap)} at the end`);
    assert.equal(new Set(evs.map((e) => e.batch.view.name).filter(Boolean)).size, 10, 'ten routes');
    // Nothing lost silently: a request given up is counted (it held at most
    // batch.maxEvents = 50 events).
    const lost = 90000 - (kinds.event || 0) - (kinds.measure || 0);
    assert.ok(lost <= 50 * (dropped.send || 0), `${lost} events lost, ${dropped.send || 0} requests counted as dropped`);
    // Errors: in a report's count, or counted (distinct ones beyond maxErrors).
    if (!dropped.send) assert.equal(errorCount + (dropped.errors || 0), 10000, 'every error accounted for');
    assert.deepEqual(page.exceptions, []);
  } finally {
    await chrome.close();
  }
});

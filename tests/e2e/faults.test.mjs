// Zero harm and delivery under faults (issue 7), in real Chromium: the
// collector down and back, 429/503/413, sendBeacon refusing, more than the
// keepalive quota pending at pagehide, an error storm, a strict CSP, hostile
// pages, and a long session. Performance numbers are printed, not asserted
// tightly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, events } from './lib/server.mjs';
import { launch, newPage } from './lib/browser.mjs';
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
    connections: 0,
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}/collect`;
    },
    async up() {
      srv = net.createServer((c) => {
        gate.connections += 1;
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

  // While it is down the page keeps producing: 20,000 events over ~9 s, far
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
  gaps.forEach((g, i) => i && assert.ok(g >= 1.5 * gaps[i - 1], `backoff grows: ${gaps}`));
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

// "User latency = frontend + network + server": a page whose server answers
// after a known delay and reports its own time in Server-Timing; the agent's
// split reaches the real collector, whose summary gives p75 of each part by page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { launch, newPage } from './lib/browser.mjs';
import { startCollector, api, waitFor } from './lib/collector.mjs';

let server, browser, collector;
before(async () => {
  server = await startServer();
  browser = await launch();
  collector = await startCollector();
});
after(async () => {
  await browser?.close();
  await server?.close();
  await collector?.stop();
});

test('server, network and frontend parts, per page', async () => {
  // The HTML takes 300 ms; the server says 250 ms of it were its own work.
  server.delays['/test/latency.html'] = 300;
  server.headers['/test/latency.html'] = { 'server-timing': 'db;dur=40, total;dur=250;desc="app total"' };
  for (let i = 0; i < 3; i++) {
    const page = await newPage(browser);
    await page.goto(`${server.url}/test/latency.html?collector=${encodeURIComponent(collector.url + '/collect')}`);
    await page.waitForFunction(() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0);
    await page.waitForFunction(() => globalThis[Symbol.for('rum-agent')]?.a);
    await new Promise((r) => setTimeout(r, 100));
    await page.goto('about:blank'); // hidden: the split is final and sent
    await page.close();
  }
  const events = await waitFor(async () => {
    const r = await api(collector, '/api/events?kind=split&since=1h');
    return r.events?.length >= 3 && r.events;
  }, { what: 'three latency splits' });
  for (const e of events) {
    const a = e.attributes;
    assert.equal(a.server, 250);
    assert.equal(a.server_name, 'total');
    // The rest of the 300 ms wait (and the loopback round trip) is network.
    assert.ok(a.network >= 45 && a.network < 300, `network ${a.network}`);
    assert.ok(a.frontend > 0, `frontend ${a.frontend}`);
    assert.ok(a.frontend_lcp > 0, `frontend to LCP ${a.frontend_lcp}`);
  }
  const s = await api(collector, '/api/summary?since=1h&group_by=page');
  assert.equal(s.latency.server.p75, 250);
  assert.equal(s.latency.server.count, 3);
  const g = s.groups.find((x) => x.latency?.server?.count);
  assert.ok(g, 'a page group with the split');
  assert.equal(g.latency.server.p75, 250);
  assert.ok(g.latency.network.p75 >= 45);
});

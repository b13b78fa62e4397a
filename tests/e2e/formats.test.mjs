// Wire formats end to end (docs/formats.md), in real Chromium:
//
// - format 'faro': what the agent sends decodes with Alloy's Go payload types
//   (unknown fields refused), and rum-collector's /faro/collect stores it;
// - the real @grafana/faro-web-sdk (bundled with esbuild): its payloads decode
//   with the same Go types (Go's rules) and rum-collector stores them too;
// - format 'otlp': /v1/logs and /v1/traces, application/json, decoded by a
//   real OTLP implementation, the fetch span carrying the propagated trace id;
// - a build without the format: init() rejects, naming the build to use.
//
// Bodies are checked by `collector/examples/wire_check.rs` (the decoders of
// the golden-fixture test, collector/tests/formats.rs). UPDATE_FIXTURES=1
// writes the Faro SDK capture to tests/fixtures/faro/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, ROOT } from './lib/server.mjs';
import { startCollector, api, waitFor } from './lib/collector.mjs';
import { launch, newPage, hide } from './lib/browser.mjs';

const FARO_SDK_VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).devDependencies['@grafana/faro-web-sdk'];
const SERVER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SERVER_SPAN = '00f067aa0ba902b7';

/** Runs wire_check on the bodies; resolves to one result per body, or rejects with its output. */
function wireCheck(mode, bodies) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wire-check-'));
  const files = bodies.map((b, i) => {
    const f = path.join(dir, `${i}.json`);
    fs.writeFileSync(f, b);
    return f;
  });
  return new Promise((resolve, reject) => {
    execFile(
      process.env.CARGO || 'cargo',
      ['run', '-q', '-p', 'rum-collector', '--example', 'wire_check', '--', mode, ...files],
      { cwd: ROOT, timeout: 600_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        fs.rmSync(dir, { recursive: true, force: true });
        const lines = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
        if (err || lines.length !== bodies.length) reject(new Error(`wire_check ${mode}: ${stdout}\n${stderr}`));
        else resolve(lines);
      },
    );
  });
}

function agentPage(server, query) {
  return `${server.url}/test/formats/agent.html?${new URLSearchParams(query)}`;
}

/** Loads the formats page, clicks Buy (event, measure, pushError, thrown error, fetch), hides it. */
async function exercise(page, url) {
  await page.goto(url);
  assert.equal(await page.evaluate(() => window.ready), 'started', await page.evaluate(() => window.initError));
  await page.waitForLoadState('load');
  await page.waitForTimeout(600); // the navigation entry is complete after load
  const echoed = await page.evaluate(() => window.buy());
  await page.waitForTimeout(300);
  await hide(page); // finalizes the vitals; the agent flushes
  return echoed;
}

/** A recording server, a real collector and Chromium, closed after test `t`. */
async function recorderCollectorBrowser(t) {
  const server = await startServer();
  const c = await startCollector();
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    await c.stop();
    await server.close();
  });
  return { server, c, browser };
}

test('format faro: the agent in Chromium sends what Alloy decodes, and /faro/collect stores it', async (t) => {
  const { server, c, browser } = await recorderCollectorBrowser(t);

  // 1. To the recording server: every body decodes with the Go types, no field unknown.
  const page = await newPage(browser);
  await exercise(page, agentPage(server, { format: 'faro', to: `${server.url}/faro/collect` }));
  await server.waitFor((b) => {
    const items = b.filter((x) => x.path === '/faro/collect').flatMap((x) => [...(x.json?.measurements || []), ...(x.json?.exceptions || [])]);
    return items.some((m) => m.values?.lcp !== undefined) && items.some((e) => e.value === 'formats page exploded');
  });
  const sent = server.beacons.filter((b) => b.path === '/faro/collect');
  for (const r of await wireCheck('faro-strict', sent.map((b) => b.body))) assert.ok(r.ok, JSON.stringify(r));
  const all = (k) => sent.flatMap((b) => b.json[k] || []);
  const meta = sent[0].json.meta;
  assert.equal(meta.sdk.name, 'rum-agent');
  assert.deepEqual(meta.app, { name: 'formats-test', version: '3.1.0', environment: 'e2e' });
  assert.match(meta.session.id, /^[0-9a-f]{16}$/);
  assert.equal(meta.user.id, 'u-7');
  assert.equal(meta.browser.os, 'Linux');
  assert.match(meta.browser.viewportWidth, /^\d+$/);
  const vitals = all('measurements').filter((m) => m.type === 'web-vitals');
  for (const k of ['lcp', 'fcp', 'ttfb']) assert.ok(vitals.some((m) => typeof m.values[k] === 'number'), `${k} in ${JSON.stringify(vitals)}`);
  for (const m of all('measurements')) assert.match(m.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const thrown = all('exceptions').find((e) => e.value === 'formats page exploded');
  assert.equal(thrown.type, 'TypeError');
  assert.ok(thrown.stacktrace.frames.length >= 1 && Number.isInteger(thrown.stacktrace.frames[0].lineno));
  const pushed = all('exceptions').find((e) => e.type === 'RangeError');
  assert.equal(pushed.context.component, 'Cart');
  const fetchEvent = all('events').find((e) => e.name === 'faro.tracing.fetch' && e.attributes['http.url'].includes('/echo?order=1'));
  assert.equal(fetchEvent.attributes['http.method'], 'POST');
  assert.equal(fetchEvent.attributes['http.status_code'], '200');
  assert.equal(all('events').find((e) => e.name === 'checkout').attributes.items, '3');

  // 2. To rum-collector's /faro/collect: stored as native rows.
  const page2 = await newPage(browser);
  await exercise(page2, agentPage(server, { format: 'faro', to: `${c.url}/faro/collect` }));
  const events = await waitFor(
    async () => {
      const r = await api(c, '/api/events?limit=1000');
      const has = (kind, name) => r.events.some((e) => e.kind === kind && (!name || e.name === name));
      return has('vital', 'LCP') && has('error', 'TypeError: formats page exploded') && has('http') ? r.events : null;
    },
    { what: 'the Faro batch stored' },
  );
  const find = (kind, name) => events.find((e) => e.kind === kind && (name === undefined || e.name === name));
  for (const v of ['LCP', 'FCP', 'TTFB']) assert.ok(find('vital', v)?.value > 0, v);
  assert.ok(find('nav', 'page_load').value > 0);
  assert.ok(find('error', 'RangeError: quantity out of range'));
  assert.equal(find('measure', 'cart_value').value, 129.9);
  assert.ok(find('event', 'checkout'));
  const call = events.find((e) => e.kind === 'http' && e.name.startsWith('POST ') && e.name.includes('/echo?order=1'));
  assert.ok(call && call.value >= 0 && call.attributes.status === 200, JSON.stringify(call));
  assert.ok(events.some((e) => e.kind === 'res' && e.name.includes('/img/400/200.png')));
  const nav = find('nav', 'page_load');
  assert.equal(nav.app.name, 'formats-test');
  assert.equal(nav.app.version, '3.1.0');
  assert.match(nav.browser, /Chrom/);
  assert.ok(nav.page_url.includes('/test/formats/agent.html'));
  const stats = await api(c, '/api/stats');
  assert.equal(JSON.stringify(stats).includes('"invalid_field":1'), false, JSON.stringify(stats));
  assert.deepEqual(page.pageErrors.filter((e) => !/formats page exploded/.test(e)), []);
});

test(`the real @grafana/faro-web-sdk ${FARO_SDK_VERSION} in Chromium: its payload decodes with Alloy's Go types, and /faro/collect stores it`, async (t) => {
  const entry = path.join(ROOT, 'www/test/formats/faro-sdk.js');
  const bundle = path.join(ROOT, 'www/test/formats/faro-sdk.bundle.js');
  await new Promise((resolve, reject) =>
    execFile(
      path.join(ROOT, 'node_modules/.bin/esbuild'),
      [entry, '--bundle', '--format=iife', '--target=es2020', `--outfile=${bundle}`, '--log-level=warning'],
      { cwd: ROOT },
      (err, _out, stderr) => (err ? reject(new Error(stderr)) : resolve()),
    ),
  );
  const { server, c, browser } = await recorderCollectorBrowser(t);
  const page = await newPage(browser);
  await page.goto(`${server.url}/test/formats/faro-sdk.html?to=${encodeURIComponent(`${server.url}/faro/collect`)}`);
  await page.waitForLoadState('load');
  await page.waitForFunction(() => window.faroReady);
  await page.waitForTimeout(800);
  await page.click('h1'); // a trusted input: web-vitals finalizes LCP, and INP has an interaction
  await page.waitForTimeout(300);
  await page.evaluate(() => window.faroActions());
  // web-vitals (inside the Faro SDK) processes interactions in an idle
  // callback, at most 1 s later: only then does INP exist to report.
  await page.waitForTimeout(1500);
  await hide(page);
  await server.waitFor((b) => {
    const bodies = b.filter((x) => x.path === '/faro/collect').map((x) => x.json || {});
    const m = bodies.flatMap((x) => x.measurements || []);
    const e = bodies.flatMap((x) => x.exceptions || []);
    // INP is reported at hide, LCP and the exception earlier: the batches
    // arrive apart, so wait for all three.
    const vital = (k) => m.some((x) => x.type === 'web-vitals' && k in x.values);
    return vital('lcp') && vital('inp') && e.some((x) => x.value === 'faro page exploded');
  });
  const sent = server.beacons.filter((b) => b.path === '/faro/collect');
  for (const b of sent) assert.match(b.headers['content-type'], /^application\/json/);

  // Go's rules (unknown fields ignored, as Alloy does), with the mirror of its types.
  for (const r of await wireCheck('faro', sent.map((b) => b.body))) assert.ok(r.ok, JSON.stringify(r));
  const all = (k) => sent.flatMap((b) => b.json[k] || []);
  assert.equal(sent[0].json.meta.sdk.name, 'faro-web');
  assert.equal(sent[0].json.meta.sdk.version, FARO_SDK_VERSION);
  const lcp = all('measurements').find((m) => m.type === 'web-vitals' && 'lcp' in m.values);
  assert.equal(typeof lcp.values.lcp, 'number');
  assert.equal(typeof lcp.context.rating, 'string');

  if (process.env.UPDATE_FIXTURES) {
    // One payload with everything captured (what a batch of the SDK looks like).
    const merged = { meta: sent[0].json.meta };
    for (const k of ['measurements', 'exceptions', 'events', 'logs']) merged[k] = all(k);
    fs.writeFileSync(path.join(ROOT, `tests/fixtures/faro/faro-web-sdk-${FARO_SDK_VERSION}.json`), JSON.stringify(merged, null, 2) + '\n');
  }

  // Our collector stores every item, as it stores native batches.
  for (const b of sent) {
    const r = await fetch(`${c.url}/faro/collect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b.body });
    assert.equal(r.status, 204, await r.text());
  }
  const events = (await api(c, '/api/events?limit=1000')).events;
  const find = (kind, name) => events.find((e) => e.kind === kind && e.name === name);
  for (const v of ['LCP', 'FCP', 'TTFB']) assert.ok(find('vital', v)?.value > 0, `${v} stored`);
  assert.ok(find('error', 'TypeError: faro page exploded'));
  assert.ok(find('error', 'RangeError: quantity out of range'));
  assert.ok(find('event', 'checkout'));
  assert.equal(find('measure', 'cart.total')?.value, 129.9);
  assert.equal(find('measure', 'cart.items')?.value, 3);
  assert.ok(find('event', 'log'));
  assert.ok(find('nav', 'page_load')?.value > 0, 'faro.performance.navigation as the page load');
  const lcpRow = find('vital', 'LCP');
  assert.equal(lcpRow.app.name, 'faro-sdk-test');
  assert.equal(lcpRow.app.version, '9.9.9');
  assert.match(lcpRow.browser, /Chrom/);
  const summary = await api(c, '/api/summary?since=1h');
  assert.equal(summary.page_views, 1);
  assert.ok(summary.vitals.LCP.count >= 1, JSON.stringify(summary.vitals));
  assert.ok(summary.vitals.INP.count >= 1, JSON.stringify(summary.vitals));
});

test("format otlp: /v1/logs and /v1/traces as application/json, decoded by a real OTLP implementation", async (t) => {
  const server = await startServer();
  // The OTLP receiver on another origin, as a real one is: a CORS preflight
  // for application/json. (On the page's own origin, `url` would be a prefix
  // of every same-origin URL, and the agent skips its own endpoints.)
  const otel = await startServer();
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    await server.close();
    await otel.close();
  });
  // The document's Server-Timing names the backend's trace: the page load joins it.
  server.headers['/test/formats/agent.html'] = {
    'server-timing': `app;dur=20, traceparent;desc="00-${SERVER_TRACE}-${SERVER_SPAN}-01"`,
  };
  const page = await newPage(browser);
  // The full build (OTLP and traceparent): the fetch span is checked against the header the server received.
  const echoed = await exercise(page, agentPage(server, { format: 'otlp', build: 'full', to: otel.url }));
  await otel.waitFor(
    (b) =>
      b.some((x) => x.path === '/v1/logs' && x.body.includes('"LCP"')) &&
      b.some((x) => x.path === '/v1/logs' && x.body.includes('formats page exploded')) &&
      b.some((x) => x.path === '/v1/traces' && x.body.includes('/echo?order=1')),
  );
  const logs = otel.beacons.filter((b) => b.path === '/v1/logs');
  const traces = otel.beacons.filter((b) => b.path === '/v1/traces');
  for (const b of [...logs, ...traces]) assert.equal(b.headers['content-type'], 'application/json');
  for (const r of await wireCheck('otlp-logs', logs.map((b) => b.body))) assert.ok(r.ok, JSON.stringify(r));
  for (const r of await wireCheck('otlp-traces', traces.map((b) => b.body))) assert.ok(r.ok, JSON.stringify(r));

  const attrs = (x) => Object.fromEntries((x.attributes || []).map((a) => [a.key, Object.values(a.value)[0]]));
  const records = logs.flatMap((b) => b.json.resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords)));
  const resource = attrs(logs[0].json.resourceLogs[0].resource);
  assert.equal(resource['service.name'], 'formats-test');
  assert.equal(resource['service.version'], '3.1.0');
  assert.equal(resource['deployment.environment.name'], 'e2e');
  assert.match(resource['user_agent.original'], /Chrome/);
  const byEvent = (n) => records.filter((r) => r.eventName === n).map(attrs);
  const vitals = byEvent('browser.web_vital');
  for (const v of ['LCP', 'FCP', 'TTFB']) assert.ok(vitals.some((a) => a['browser.web_vital.name'] === v), v);
  const thrown = byEvent('exception').find((a) => a['exception.message'].includes('formats page exploded'));
  assert.equal(thrown['exception.type'], 'TypeError');
  assert.match(thrown['exception.stacktrace'], /at .*agent\.html/);
  assert.match(thrown['session.id'], /^[0-9a-f]{16}$/);
  assert.ok(thrown['url.full'].includes('/test/formats/agent.html'));
  assert.equal(byEvent('checkout')[0].items, 3);
  assert.equal(byEvent('browser.navigation_timing').length, 1);

  const spans = traces.flatMap((b) => b.json.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
  const load = spans.find((s) => s.name === 'documentLoad');
  assert.equal(load.traceId, SERVER_TRACE);
  assert.equal(load.parentSpanId, SERVER_SPAN);
  // The fetch span has the ids the agent put in the traceparent the server received.
  const [, traceId, spanId] = echoed.traceparent.split('-');
  const call = spans.find((s) => s.kind === 3 && attrs(s)['url.full']?.includes('/echo?order=1'));
  assert.equal(call.traceId, traceId);
  assert.equal(call.spanId, spanId);
  assert.equal(call.name, 'POST');
  assert.equal(attrs(call)['http.response.status_code'], '200');
  assert.ok(BigInt(call.endTimeUnixNano) > BigInt(call.startTimeUnixNano));
});

test('a build without the format: init() rejects, naming config.format and the build to load', async (t) => {
  const server = await startServer();
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  for (const format of ['faro', 'otlp']) {
    const page = await newPage(browser);
    await page.goto(agentPage(server, { format, build: '', to: `${server.url}/collect` }));
    assert.equal(await page.evaluate(() => window.ready), 'failed');
    const msg = await page.evaluate(() => window.initError);
    assert.match(msg, new RegExp(`config\\.format '${format}'.*rum-agent/${format}.*${format}/rum\\.js`), msg);
  }
  // And each format build still speaks native by default.
  const page = await newPage(browser);
  await page.goto(agentPage(server, { format: 'native', build: 'faro', to: `${server.url}/collect` }));
  assert.equal(await page.evaluate(() => window.ready), 'started');
  await page.evaluate(() => rum.pushEvent('native-from-faro-build'));
  await page.evaluate(() => rum.flush());
  await server.waitFor((b) => b.some((x) => x.path === '/collect' && x.body.includes('native-from-faro-build')));
});

// `cargo xtask bench` runs this: rum-agent side by side with other RUM
// agents on one realistic product page, in headless Chromium over plain CDP.
// See bench/README.md for what is measured and how.
//
//   node bench/run.mjs [--runs 15] [--interactions 1000] [--only a,b] [--out bench/results] [--pkg pkg] [--no-repeat]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { bundleAll, BUILD } from './bundle.mjs';
import { launchChrome } from './lib/cdp.mjs';
import { startServers } from './lib/server.mjs';
import { analyzeTrace } from './lib/trace.mjs';
import * as session from './lib/session.mjs';
import { decode, contents, routes } from './lib/decode.mjs';
import { report, resultsJson } from './lib/report.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(HERE, '..');

function flag(name, def) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}
const RUNS = Number(flag('--runs', 15));
const INTERACTIONS = Number(flag('--interactions', 1000));
const OUT = path.resolve(flag('--out', path.join(HERE, 'results')));
const PKG = path.resolve(flag('--pkg', path.join(ROOT, 'pkg')));
const ONLY = flag('--only', '');
const IN_FLIGHT = Number(flag('--in-flight', 1));
const SHORT_INTERACTIONS = 40; // an ordinary page view: the first 40 steps of the plan, one "add to cart" among them
const DUMP = process.argv.includes('--dump');
// After every first view, a repeat view of the same page in the same browser
// context (HTTP cache warm, like a returning visitor): load, hide, leave.
const REPEAT = !process.argv.includes('--no-repeat');
// An experiment, not a product setting: V8 flags for Chromium (e.g.
// `--js-flags --no-wasm-lazy-compilation`: what eager, off-main-thread wasm
// compilation would change). Printed in the table's header.
const JS_FLAGS = flag('--js-flags', '');
if (!(RUNS >= 1) || !(INTERACTIONS >= 0)) throw new Error('--runs must be ≥ 1 and --interactions ≥ 0');

const version = (p) => JSON.parse(fs.readFileSync(path.join(HERE, 'node_modules', p, 'package.json'), 'utf8')).version;
const CONTENDERS = [
  { id: 'baseline', short: 'baseline', label: 'no agent (baseline)' },
  { id: 'rum-agent', short: 'rum-agent', label: `rum-agent ${JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8')).version}` },
  // Not a product: the least a wasm agent can be (bench/floor/), for what wasm itself costs.
  { id: 'floor', short: 'wasm floor', label: 'wasm floor (bench/floor/: 6 observers + beacon, no logic)' },
  { id: 'web-vitals', short: 'web-vitals', label: `web-vitals ${version('web-vitals')} + beacon` },
  { id: 'faro', short: 'Faro', label: `Grafana Faro ${version('@grafana/faro-web-sdk')}` },
  { id: 'datadog', short: 'Datadog slim', label: `Datadog RUM slim ${version('@datadog/browser-rum-slim')}` },
  { id: 'elastic', short: 'Elastic', label: `Elastic APM RUM ${version('@elastic/apm-rum')}` },
  { id: 'aws', short: 'CloudWatch', label: `CloudWatch RUM ${version('aws-rum-web')}` },
].filter((c) => !ONLY || c.id === 'baseline' || ONLY.split(',').includes(c.id));

// Contenders loaded through `init()` from rum.js, whose wasm compiles on the page's main thread.
const SHIPS_WASM = new Set(['rum-agent', 'floor']);

// The same emulated network for every view: a good broadband/4G+ link.
const NETWORK = { offline: false, latency: 20, downloadThroughput: (20e6 / 8) | 0, uploadThroughput: (5e6 / 8) | 0 };
const POST_LOAD_MS = 1000; // the load window ends this long after the load event
const IDLE_MS = 500; // after the interactions, for work agents defer to idle callbacks
// The browser's reference for the soft route (installed after the session, so
// it costs nothing in the measured windows): LCP = the largest
// interaction-contentful-paint of the navigation's interaction, from its
// start; INP = the longest interaction after it (4 interactions: no
// percentile to skip).
const ROUTE_OBSERVER_JS = `(() => {
  const r = (window.__route = { icp: [], ev: [] });
  const obs = (type, f, o = {}) => { try { new PerformanceObserver((l) => l.getEntries().forEach(f)).observe({ type, ...o }); } catch {} };
  obs('interaction-contentful-paint', (e) => r.icp.push({ id: e.interactionId, t: e.largestContentfulPaint?.startTime ?? e.startTime, size: e.largestContentfulPaint?.size ?? 0 }));
  obs('event', (e) => e.interactionId && r.ev.push({ id: e.interactionId, s: e.startTime, d: e.duration }), { durationThreshold: 16 });
})()`;
const ROUTE_REFERENCE_JS = `(() => {
  const navs = PerformanceObserver.supportedEntryTypes.includes('soft-navigation') ? performance.getEntriesByType('soft-navigation') : [];
  const nav = navs[navs.length - 1];
  const r = window.__route || { icp: [], ev: [] };
  const vitals = {};
  if (nav) {
    const icp = r.icp.filter((e) => e.id === nav.interactionId).sort((a, b) => b.size - a.size)[0];
    if (icp) vitals.LCP = Math.max(0, icp.t - nav.startTime);
    const after = r.ev.filter((e) => e.id !== nav.interactionId && e.s >= nav.startTime);
    if (after.length) vitals.INP = Math.max(...after.map((e) => e.d));
  }
  return { navs: navs.map((e) => ({ url: new URL(e.name).pathname, start: e.startTime })), vitals };
})()`;
const SOFT_SETTLE_MS = 300; // after the soft navigation's hero image has loaded
// On the second route: a size, a view, a tab, and "add to cart" (30 ms handler).
const ROUTE_STEPS = [
  { type: 'click', what: 'size', i: 2 },
  { type: 'click', what: 'thumb', i: 1 },
  { type: 'click', what: 'tab', i: 1 },
  { type: 'click', what: 'add', i: 0 },
];
// Not 'devtools.timeline': it records a JS stack for every timer set or
// cleared and every function call, which slows timer-heavy agents far more
// than others and would make the measurement unfair.
const TRACE_CATEGORIES = [
  '__metadata',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-v8.cpu_profiler',
  'v8',
  'v8.wasm',
  'blink.user_timing',
];
const APP = { name: 'bench-shop', version: '1.0.0', environment: 'bench' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error(...a);

let sinkBase = '';
function snippet(c, view) {
  if (c === 'baseline') return `<script>window.__bench={}</script><script type="module">const b=window.__bench;b.t0=b.ready=performance.now();</script>`;
  const sink = `${sinkBase}/sink/${c}/${view}`;
  const imp =
    SHIPS_WASM.has(c)
      ? `import{init}from"/agents/${c}/rum.js";const start=(url)=>init({url,app:${JSON.stringify(APP)}});`
      : `import{start}from"/agents/${c}/agent.js";`;
  return (
    `<script>window.__bench={sink:${JSON.stringify(sink)}}</script>` +
    `<script type="module">${imp}const b=window.__bench;b.t0=performance.now();` +
    `Promise.resolve().then(()=>start(b.sink)).then(()=>{b.ready=performance.now()},(e)=>{b.error=String(e&&e.stack||e)});</script>`
  );
}

/** Waits until the sink has had no request for (contender, view) for `quietMs`. */
async function quiet(srv, c, view, quietMs, maxMs) {
  const end = Date.now() + maxMs;
  const count = () => srv.received.filter((r) => r.contender === c && r.view === view).length;
  let n = count();
  let since = Date.now();
  while (Date.now() < end) {
    await sleep(100);
    const m = count();
    if (m !== n) (n = m), (since = Date.now());
    else if (Date.now() - since >= quietMs) return;
  }
}

/** Metrics the browser itself exposes for this view (buffered entries), web-vitals' rules. */
const BROWSER_VITALS_JS = `new Promise((resolve) => {
  const nav = performance.getEntriesByType('navigation')[0];
  const out = { TTFB: Math.max(0, nav.responseStart - (nav.activationStart || 0)) };
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  if (fcp) out.FCP = Math.max(0, fcp.startTime - (nav.activationStart || 0));
  let lcp;
  new PerformanceObserver((l) => { for (const e of l.getEntries()) lcp = e; }).observe({ type: 'largest-contentful-paint', buffered: true });
  const shifts = [];
  new PerformanceObserver((l) => shifts.push(...l.getEntries())).observe({ type: 'layout-shift', buffered: true });
  setTimeout(() => {
    if (lcp) out.LCP = Math.max(0, lcp.startTime - (nav.activationStart || 0));
    let max = 0, cur = 0, first = 0, last = 0;
    for (const s of shifts) {
      if (s.hadRecentInput) continue;
      if (cur && s.startTime - last < 1000 && s.startTime - first < 5000) cur += s.value;
      else (cur = s.value), (first = s.startTime);
      last = s.startTime;
      max = Math.max(max, cur);
    }
    out.CLS = max;
    resolve(out);
  }, 50);
})`;

/**
 * One page view of contender `c` in the browser context `browserContextId`.
 * `kind`: 'page' or 'session' (a first view: load, `steps` interactions, the
 * soft navigation, memory, hide, leave) or 'repeat' (the same page again in
 * the context of a first view: load, hide, leave).
 */
async function view(chrome, srv, c, run, kind, steps, browserContextId) {
  const repeat = kind === 'repeat';
  const viewId = repeat ? `r${run}b` : `r${run}`;
  const agentUrls = new Set();
  srv.resetSite();
  const front = await chrome.newPage({ browserContextId });
  const page = await chrome.newPage({ browserContextId });
  await page.send('Page.enable');
  await page.send('Runtime.enable');
  await page.send('Network.enable');
  // No Network.setCacheDisabled: it would also bypass the CORS preflight
  // cache (every beacon of a JSON-posting agent would pay a preflight). A
  // fresh browser context per first view already starts with an empty cache;
  // its repeat view reuses it.
  await page.send('Network.emulateNetworkConditions', NETWORK);
  await page.activate();
  const stopTrace = await chrome.startTracing(TRACE_CATEGORIES);
  let events = null;
  const out = { contender: c, run, kind, interactions: steps.length };
  const wall = (out.wallMs = {});
  let tw = Date.now();
  const lap = (k) => ((wall[k] = Date.now() - tw), (tw = Date.now()));
  try {
    await page.goto(`${srv.siteUrl}/product.html?c=${c}&v=${viewId}`);
    // Load window: until the agent is ready and POST_LOAD_MS after the load event.
    const deadline = Date.now() + 30000;
    for (;;) {
      const ok = await page.evaluate(
        `(() => { const n = performance.getEntriesByType('navigation')[0]; const b = window.__bench || {};
          return !!((b.ready || b.error) && n && n.loadEventEnd > 0 && performance.now() > Math.max(n.loadEventEnd, b.ready || 0) + ${POST_LOAD_MS}); })()`,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${c}: agent not ready 30 s after navigation`);
      await sleep(100);
    }
    const load = await page.evaluate(`(() => { const n = performance.getEntriesByType('navigation')[0]; const b = window.__bench;
      const now = performance.now();
      return { now, loadEnd: n.loadEventEnd, dcl: n.domContentLoadedEventEnd, t0: b.t0, ready: b.ready, error: b.error || null }; })()`);
    out.load = load;
    lap('load');
    out.browser = await page.evaluate(BROWSER_VITALS_JS);
    out.pageRequests = srv.site.pageRequests;
    out.pageBytes = srv.site.pageBytes;
    out.agentBytes = srv.site.agentBytes;
    out.agentRawBytes = srv.site.agentRawBytes;
    out.agentFiles = srv.site.agentFiles.slice();
    for (const f of out.agentFiles) agentUrls.add(`${srv.siteUrl}/agents/${c}/${f.file}`);
    // A repeat view has no session: the load is what it measures.
    if (!repeat) {
      // The scripted session.
      const targets = await page.evaluate(session.TARGETS_JS);
      const s0 = await page.evaluate('performance.now()');
      out.sessionWallMs = await session.run(page, steps, targets, IN_FLIGHT);
      await sleep(IDLE_MS);
      const s1 = await page.evaluate('performance.now()');
      out.sessionPageMs = s1 - s0;
      out.marks = { session: [s0, s1] };
      lap('session');

      // A soft navigation (bench/page/js/app.js's "Next product": a trusted
      // click, history.pushState, a new product rendered with a new hero
      // image), then a few interactions on the new route (one of them the 30 ms
      // "add to cart"), so an agent with per-route vitals has LCP and INP to
      // report for it. The same for every contender.
      // The browser's own reference for the route, observed from here on
      // (after the measured session): its soft-navigation entry, the
      // interaction-contentful-paint entries and every interaction's duration.
      await page.evaluate(ROUTE_OBSERVER_JS);
      const r0 = await page.evaluate('performance.now()');
      const [nx, ny] = await page.evaluate(`(() => { const r = document.getElementById('next').getBoundingClientRect(); return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)]; })()`);
      await session.run(page, [{ type: 'click', what: 'next', i: 0 }], { next: [[nx, ny]] });
      await page.waitFor(`location.pathname.startsWith('/products/') && document.getElementById('hero').complete`);
      await sleep(SOFT_SETTLE_MS);
      await session.run(page, ROUTE_STEPS, await page.evaluate(session.TARGETS_JS));
      await sleep(IDLE_MS);
      out.marks.route = [r0, await page.evaluate('performance.now()')];
      // What the browser itself saw: its soft-navigation entries (none where
      // the API is missing) and the route's LCP and INP by web-vitals' rules.
      const ref = await page.evaluate(ROUTE_REFERENCE_JS);
      out.softNavigations = ref.navs;
      out.routeBrowser = ref.vitals;
      lap('route');

      // Memory after the session, after a full GC.
      await page.send('HeapProfiler.collectGarbage');
      const heap = await page.send('Runtime.getHeapUsage');
      const proto = await page.send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype', objectGroup: 'bench' });
      const mems = await page.send('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId, objectGroup: 'bench' });
      const wasm = await page.send('Runtime.callFunctionOn', {
        objectId: mems.objects.objectId,
        functionDeclaration: 'function () { return this.reduce((s, m) => s + m.buffer.byteLength, 0); }',
        returnByValue: true,
      });
      await page.send('Runtime.releaseObjectGroup', { objectGroup: 'bench' });
      lap('memory');
      out.memory = { jsHeap: heap.usedSize, backing: heap.backingStorageSize || 0, embedder: heap.embedderHeapUsedSize || 0, wasm: wasm.result.value };
    }
    await leave();
  } finally {
    if (!events) events = await stopTrace().catch(() => []);
    await page.close();
    await front.close().catch(() => {});
    if (out.load) {
      const tr = analyzeTrace(events, { page: `/product.html?c=${c}&v=${viewId}`, agentUrls, wasm: SHIPS_WASM.has(c) });
      out.trace = { load: tr.window(0, out.load.now), profileStartMs: tr.profileStartMs, codeCache: tr.codeCache };
      if (out.marks?.session) out.trace.session = tr.window(...out.marks.session);
      if (out.marks?.route) out.trace.route = tr.window(...out.marks.route);
      if (out.marks?.hide) out.trace.hide = tr.window(out.marks.hide, Infinity);
      lap('traceAnalysis');
    }
  }

  async function leave() {
    // Hide the page (a real tab switch), then leave it (navigate the hidden
    // tab elsewhere: pagehide), then close the tab.
    (out.marks ||= {}).hide = await page.evaluate('performance.now()');
    const hideAt = srv.received.length;
    await front.activate();
    await quiet(srv, c, viewId, 500, 6000);
    lap('hide');
    // The trace ends here: ending it after the leave below waits ~5 s for
    // the renderer that navigation retires.
    events = await stopTrace();
    lap('traceRead');
    const leaveAt = srv.received.length;
    out.exceptions = page.exceptions.map((e) => e.exception?.description?.split('\n')[0] || e.text);
    await page.send('Page.navigate', { url: 'about:blank' });
    await quiet(srv, c, viewId, 500, 4000);
    const mine = (from) => srv.received.slice(from).filter((r) => r.contender === c && r.view === viewId).length;
    out.sentOnHide = mine(hideAt) - mine(leaveAt);
    out.sentOnLeave = mine(leaveAt);
    lap('leave');
  }
  const mine = srv.received.filter((r) => r.contender === c && r.view === viewId);
  out.beacons = {
    requests: mine.length,
    preflights: mine.filter((r) => r.method === 'OPTIONS').length,
    bodyBytes: mine.reduce((s, r) => s + r.bodyBytes, 0),
    headerBytes: mine.reduce((s, r) => s + r.headerBytes, 0),
    methods: [...new Set(mine.map((r) => r.method))],
  };
  out.reported = decode(c, mine);
  out.routes = routes(c, mine);
  out.contents = contents(c, mine);
  if (DUMP) {
    const dir = path.join(BUILD, 'dump', c);
    fs.mkdirSync(dir, { recursive: true });
    mine.forEach((r, i) => {
      let body = r.body;
      try {
        if (r.headers['content-encoding'] === 'gzip' || (body[0] === 0x1f && body[1] === 0x8b)) body = zlib.gunzipSync(body);
      } catch {}
      fs.writeFileSync(path.join(dir, `${viewId}-${i}-${r.method}.txt`), `${r.method} ${r.path}\n${JSON.stringify(r.headers)}\n\n${body.toString('utf8')}`);
    });
  }
  return out;
}

/** Runs `f(browserContextId)` in a new browser context (empty cache, no cookies or storage), then disposes of it. */
async function inContext(f) {
  const { browserContextId } = await chrome.send('Target.createBrowserContext', { disposeOnDetach: true });
  try {
    return await f(browserContextId);
  } finally {
    await chrome.send('Target.disposeBrowserContext', { browserContextId }).catch(() => {});
  }
}

let chrome;
async function main() {
  const t0 = Date.now();
  log(`bench: bundling peers, snapshot of ${path.relative(ROOT, PKG) || PKG}`);
  await bundleAll(PKG);
  // The floor runs only where `cargo xtask bench` built it.
  const noFloor = CONTENDERS.findIndex((c) => c.id === 'floor' && !fs.existsSync(path.join(BUILD, 'floor')));
  if (noFloor >= 0) log('bench: no wasm floor built (cargo xtask bench builds it): left out'), CONTENDERS.splice(noFloor, 1);
  const srv = await startServers({ pageDir: path.join(HERE, 'page'), agentsDir: BUILD, snippet });
  sinkBase = srv.sinkUrl;
  chrome = await launchChrome(JS_FLAGS ? [`--js-flags=${JS_FLAGS}`] : []);
  const browser = (await chrome.send('Browser.getVersion')).product.replace('HeadlessChrome', 'Chromium');
  const long = session.plan(INTERACTIONS);
  const short = session.plan(SHORT_INTERACTIONS);
  const views = [];
  try {
    // One unrecorded round first: the browser, the servers and the OS caches warm up.
    if (!process.argv.includes('--no-warmup')) for (const c of CONTENDERS) await inContext((ctx) => view(chrome, srv, c.id, 0, 'warmup', short, ctx));
    for (let run = 1; run <= RUNS; run++) {
      // Interleaved, and rotated each run so no contender always follows the same one.
      const order = CONTENDERS.map((_, i) => CONTENDERS[(i + run - 1) % CONTENDERS.length]);
      // Every third run is a long session (1,000 interactions); the others
      // are ordinary page views (load, 40 interactions, leave).
      const kind = run % 3 === 0 || (RUNS === 2 && run === 2) ? 'session' : 'page';
      for (const c of order) {
        const t = Date.now();
        // A first view in a fresh browser context, then a repeat view in the
        // same context (the HTTP cache warm).
        await inContext(async (ctx) => {
          for (const k of REPEAT ? [kind, 'repeat'] : [kind]) {
            let v;
            try {
              v = await view(chrome, srv, c.id, run, k, k === 'session' ? long : k === 'page' ? short : [], ctx);
            } catch (e) {
              // One failed view must not throw away the others: recorded, reported, skipped.
              log(`run ${run}/${RUNS} ${c.id}: FAILED ${e.stack || e}`);
              views.push({ contender: c.id, run, kind: k, failed: String(e.message || e) });
              return;
            }
            if (k === 'repeat') v.after = kind;
            views.push(v);
            log(
              `run ${run}/${RUNS} ${k.padEnd(7)} ${c.id.padEnd(10)} ${((Date.now() - t) / 1000).toFixed(1)} s  ready ${v.load.ready?.toFixed(0)} ms  ` +
                `agent load ${v.trace?.load.agentMs.toFixed(1)} ms (cpu ${v.trace?.load.agentCpuMs}, largest ${v.trace?.load.maxAgentInTaskMs.toFixed(1)}, lazy wasm ${v.trace?.load.lazyCompiles})  session ${v.trace?.session?.agentMs.toFixed(1)} ms  ` +
                `beacons ${v.beacons.requests}/${v.beacons.bodyBytes} B${v.load.error ? '  ERROR ' + v.load.error : ''}`,
            );
          }
        });
      }
    }
  } finally {
    await chrome.close();
    await srv.close();
  }
  const meta = {
    date: new Date().toISOString(),
    browser,
    idleMs: IDLE_MS,
    postLoadMs: POST_LOAD_MS,
    runs: RUNS,
    repeat: REPEAT,
    ...(JS_FLAGS && { jsFlags: JS_FLAGS }),
    interactions: INTERACTIONS,
    network: NETWORK,
    cores: (await import('node:os')).cpus().length,
    durationS: Math.round((Date.now() - t0) / 1000),
    contenders: CONTENDERS,
  };
  fs.mkdirSync(OUT, { recursive: true });
  const { summary, md } = report(meta, views);
  // Raw numbers: the summary, then every view (bodies of beacons are not kept).
  fs.writeFileSync(path.join(OUT, 'latest.json'), resultsJson(meta, summary, views));
  fs.writeFileSync(path.join(OUT, 'latest.md'), md);
  process.stdout.write(md);
  if (!process.argv.includes('--no-chart')) {
    const { chart } = await import('./lib/chart.mjs');
    await chart(path.join(OUT, 'latest.json'), path.join(OUT, 'latest.png'));
    log(`bench: chart ${path.relative(ROOT, path.join(OUT, 'latest.png'))}`);
  }
  log(`bench: ${views.length} page views in ${meta.durationS} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

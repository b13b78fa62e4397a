// Turns the raw page views into the summary (medians, min–max, ratios) and
// the markdown table. Everything here is printed, never asserted.

const num = (x) => typeof x === 'number' && Number.isFinite(x);
export function stats(values) {
  const v = values.filter(num).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = v.length >> 1;
  return { median: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2, min: v[0], max: v[v.length - 1], n: v.length };
}

/** Per contender: every column's stats, from the same run. */
export function summarize(meta, views) {
  const ok = views.filter((v) => !v.failed);
  const by = (c, kind) => ok.filter((v) => v.contender === c && (!kind || v.kind === kind));
  const out = {};
  const baseMem = stats(by('baseline', 'session').map((v) => v.memory && v.memory.jsHeap + v.memory.backing));
  for (const { id } of meta.contenders) {
    const all = by(id).filter((v) => v.kind !== 'repeat'); // first views
    const pages = by(id, 'page');
    const sessions = by(id, 'session');
    const vitals = {};
    for (const m of ['LCP', 'CLS', 'INP', 'FCP', 'TTFB']) {
      vitals[m] = {
        reported: stats(pages.map((v) => v.reported?.[m])),
        views: pages.length,
        absDiffVsBrowser: m === 'INP' ? null : stats(pages.filter((v) => num(v.reported?.[m]) && num(v.browser?.[m])).map((v) => Math.abs(v.reported[m] - v.browser[m]))),
        browser: m === 'INP' ? null : stats(pages.map((v) => v.browser?.[m])),
      };
    }
    out[id] = {
      downloadBytes: stats(all.map((v) => v.agentBytes)),
      downloadRawBytes: stats(all.map((v) => v.agentRawBytes)),
      agentFiles: all[0]?.agentFiles || [],
      loadAgentMs: stats(all.map((v) => v.trace?.load.agentMs)),
      loadCompileMs: stats(all.map((v) => v.trace?.load.compileMs)),
      loadBusyMs: stats(all.map((v) => v.trace?.load.busyMs)),
      loadLongTasks: stats(all.map((v) => v.trace?.load.longTasks)),
      loadAgentLongTasks: stats(all.map((v) => v.trace?.load.agentLongTasks)),
      loadMaxAgentInTaskMs: stats(all.map((v) => v.trace?.load.maxAgentInTaskMs)),
      readyMs: id === 'baseline' ? null : stats(all.map((v) => v.load?.ready)),
      readySinceStartMs: id === 'baseline' ? null : stats(all.map((v) => v.load?.ready - v.load?.t0)),
      pageAgentMs: stats(pages.map((v) => v.trace?.session?.agentMs)),
      sessionAgentMs: stats(sessions.map((v) => v.trace?.session?.agentMs)),
      sessionBusyMs: stats(sessions.map((v) => v.trace?.session?.busyMs)),
      sessionAgentLongTasks: stats(sessions.map((v) => v.trace?.session?.agentLongTasks)),
      sessionWallMs: stats(sessions.map((v) => v.sessionPageMs)),
      hideAgentMs: stats(pages.map((v) => v.trace?.hide?.agentMs)),
      jsHeapBytes: stats(sessions.map((v) => v.memory && v.memory.jsHeap + v.memory.backing)),
      jsHeapDeltaBytes: stats(sessions.map((v) => v.memory && baseMem && v.memory.jsHeap + v.memory.backing - baseMem.median)),
      wasmBytes: stats(sessions.map((v) => v.memory?.wasm)),
      memoryDeltaBytes: stats(sessions.map((v) => v.memory && baseMem && v.memory.jsHeap + v.memory.backing + v.memory.wasm - baseMem.median)),
      beaconBytes: stats(pages.map((v) => v.beacons.bodyBytes)),
      beaconHeaderBytes: stats(pages.map((v) => v.beacons.headerBytes)),
      beaconGzipBytes: stats(pages.map((v) => v.contents?.gzipBytes)),
      resourcesReported: stats(pages.map((v) => v.contents?.resources)),
      kinds: pages.find((v) => v.contents)?.contents.kinds || {},
      beaconRequests: stats(pages.map((v) => v.beacons.requests)),
      beaconPreflights: stats(pages.map((v) => v.beacons.preflights)),
      sessionBeaconBytes: stats(sessions.map((v) => v.beacons.bodyBytes)),
      sessionBeaconRequests: stats(sessions.map((v) => v.beacons.requests)),
      pageRequests: stats(all.map((v) => v.pageRequests)),
      pageBytes: stats(all.map((v) => v.pageBytes)),
      exceptions: [...new Set(all.flatMap((v) => v.exceptions || []))],
      errors: [...new Set([...all.map((v) => v.load?.error), ...views.filter((v) => v.failed && v.contender === id).map((v) => `view failed: ${v.failed}`)].filter(Boolean))],
      views: { page: pages.length, session: sessions.length },
      vitals,
      routes: routeSummary(all),
      breakdown: breakdown(all, sessions),
      largestSlice: medianBy(all.map((v) => v.trace?.load.largest).filter(Boolean), (l) => l.agentMs),
      loadLazyCompiles: stats(all.map((v) => v.trace?.load.lazyCompiles)),
      loadAgentCpuMs: stats(all.map((v) => v.trace?.load.agentCpuMs)),
      loadLazyCompileMs: stats(all.map((v) => v.trace?.load.lazyCompileMs)),
      codeCache: codeCacheSum(all),
      codeCachePages: codeCacheSum(pages),
      codeCacheSessions: codeCacheSum(sessions),
      // Repeat views after an ordinary page view (the table), and after a long session.
      repeat: repeatSummary(by(id, 'repeat').filter((v) => v.after !== 'session'), id),
      repeatAfterSession: repeatSummary(by(id, 'repeat').filter((v) => v.after === 'session'), id),
    };
  }
  return out;
}

/** The repeat views (same browser context as a first view, HTTP cache warm): the load columns again. */
function repeatSummary(reps, id) {
  if (!reps.length) return null;
  return {
    n: reps.length,
    downloadBytes: stats(reps.map((v) => v.agentBytes)),
    notModified: reps[0].agentFiles?.filter((f) => f.notModified).length ?? 0,
    loadAgentMs: stats(reps.map((v) => v.trace?.load.agentMs)),
    loadMaxAgentInTaskMs: stats(reps.map((v) => v.trace?.load.maxAgentInTaskMs)),
    loadBusyMs: stats(reps.map((v) => v.trace?.load.busyMs)),
    loadLongTasks: stats(reps.map((v) => v.trace?.load.longTasks)),
    loadAgentLongTasks: stats(reps.map((v) => v.trace?.load.agentLongTasks)),
    readyMs: id === 'baseline' ? null : stats(reps.map((v) => v.load?.ready)),
    readySinceStartMs: id === 'baseline' ? null : stats(reps.map((v) => v.load?.ready - v.load?.t0)),
    loadLazyCompiles: stats(reps.map((v) => v.trace?.load.lazyCompiles)),
    loadAgentCpuMs: stats(reps.map((v) => v.trace?.load.agentCpuMs)),
    loadLazyCompileMs: stats(reps.map((v) => v.trace?.load.lazyCompileMs)),
    codeCache: codeCacheSum(reps),
    largestSlice: medianBy(reps.map((v) => v.trace?.load.largest).filter(Boolean), (l) => l.agentMs),
  };
}

/** Code-cache events (bench/lib/trace.mjs `codeCache`) added up over views. */
function codeCacheSum(list) {
  const out = { views: 0 };
  for (const v of list) {
    const c = v.trace?.codeCache;
    if (!c) continue;
    out.views++;
    for (const [k, n] of Object.entries(c)) out[k] = (out[k] || 0) + n;
  }
  return out;
}

/** Per-route reporting over every recorded view (bench/lib/decode.mjs `routes`). */
function routeSummary(all) {
  const withRoutes = all.filter((v) => v.routes);
  const vitals = {};
  const diff = {};
  for (const m of ['LCP', 'CLS', 'INP', 'FCP', 'TTFB']) {
    vitals[m] = stats(withRoutes.map((v) => v.routes.vitals?.[m]));
    diff[m] = stats(withRoutes.filter((v) => num(v.routes.vitals?.[m]) && num(v.routeBrowser?.[m])).map((v) => Math.abs(v.routes.vitals[m] - v.routeBrowser[m])));
  }
  return {
    n: withRoutes.length,
    views: stats(withRoutes.map((v) => v.routes.views)),
    routeViews: stats(withRoutes.map((v) => v.routes.routeViews)),
    browserSoftNavs: stats(all.map((v) => v.softNavigations?.length)),
    routeAgentMs: stats(all.map((v) => v.trace?.route?.agentMs)),
    how: withRoutes[0]?.routes.how ?? null,
    vitals,
    absDiffVsBrowser: diff,
    browser: { LCP: stats(all.map((v) => v.routeBrowser?.LCP)), INP: stats(all.map((v) => v.routeBrowser?.INP)) },
  };
}

/** The item whose `key` is the median (the upper one of an even count), or null. */
function medianBy(list, key) {
  const sorted = [...list].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor(sorted.length / 2)] || null;
}

/** Where an agent's time goes: median ms per file and per function (0 where absent), load and session windows. */
function breakdown(all, sessions) {
  const med = (list, key, field, name) => {
    const keys = new Set(list.flatMap((v) => (v.trace?.[key]?.[field] || []).map(([k]) => name(k))));
    const out = [];
    for (const k of keys) {
      const per = list.map((v) => (v.trace?.[key]?.[field] || []).filter(([x]) => name(x) === k).reduce((s, [, ms]) => s + ms, 0));
      out.push([k, +stats(per).median.toFixed(2)]);
    }
    return out.sort((a, b) => b[1] - a[1]).filter(([, ms]) => ms > 0);
  };
  const file = (u) => u.split('/').pop();
  const id = (k) => k;
  return {
    loadFiles: med(all, 'load', 'byUrl', file),
    loadFns: med(all, 'load', 'byFn', id).slice(0, 6),
    sessionFiles: med(sessions, 'session', 'byUrl', file),
    sessionFns: med(sessions, 'session', 'byFn', id).slice(0, 6),
  };
}

// ---------------------------------------------------------------- markdown
const int = (x) => Math.round(x).toLocaleString('en-US');
const fmt = {
  bytes: (x) => `${int(x)} B`,
  kb: (x) => (x < 10240 ? `${(x / 1024).toFixed(1)} KB` : `${int(x / 1024)} KB`),
  ms: (x) => `${x < 10 ? x.toFixed(1) : int(x)} ms`,
  n: (x) => (Number.isInteger(x) ? String(x) : x.toFixed(1)),
  cls: (x) => x.toFixed(4),
};
function cell(s, f, { ratioTo, range = true } = {}) {
  if (!s) return '—';
  let out = f(s.median);
  if (range && s.n > 1 && s.min !== s.max) out += ` (${f(s.min)}–${f(s.max)})`;
  if (ratioTo && ratioTo.median > 0 && s !== ratioTo) out += ` · ${ratio(s.median / ratioTo.median)}`;
  return out;
}
const ratio = (r) => `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)}×`;

export function markdown(meta, sum) {
  const ids = meta.contenders.map((c) => c.id);
  const label = Object.fromEntries(meta.contenders.map((c) => [c.id, c.label]));
  const short = Object.fromEntries(meta.contenders.map((c) => [c.id, c.short || c.id]));
  const peers = ids.filter((i) => i !== 'baseline');
  const R = sum['rum-agent'];
  const L = [];
  const row = (cells) => L.push(`| ${cells.join(' | ')} |`);
  const page = sum.baseline;
  L.push(`# rum-agent side-by-side benchmark`);
  L.push('');
  L.push(
    `${meta.date.slice(0, 10)} · ${meta.browser} headless on ${meta.cores} cores · ${meta.runs} runs per contender, interleaved ` +
      `(${page.views.page} ordinary page views + ${page.views.session} long sessions each) · ` +
      `product page: ${page.pageRequests ? int(page.pageRequests.median) : '?'} requests, ${page.pageBytes ? fmt.kb(page.pageBytes.median) : '?'} ` +
      `· emulated network ${(meta.network.downloadThroughput * 8) / 1e6}/${(meta.network.uploadThroughput * 8) / 1e6} Mbit/s, ${meta.network.latency} ms latency · ` +
      `${meta.durationS} s in all.` +
      (meta.jsFlags ? ` **Chromium run with \`--js-flags=${meta.jsFlags}\`** (an experiment).` : ''),
  );
  L.push('');
  L.push(
    'Median (min–max) over the views; `N×` is the ratio of medians to rum-agent (or to the baseline where it says so), from the same run. ' +
      'Ordinary page view: load, 40 scripted interactions, a tab switch hides the page, then the hidden tab navigates away (pagehide). ' +
      `Long session: the same with ${meta.interactions.toLocaleString('en-US')} interactions. How each column is measured: bench/README.md.`,
  );
  L.push('');
  L.push('## Cost to the page');
  L.push('');
  row([
    'contender',
    'download (brotli, as served)',
    'main thread at load (agent)',
    'largest agent slice of one task',
    'whole main thread at load (Δ baseline)',
    'long tasks at load (agent / all)',
    'agent ready (init resolved)',
    'of which init',
    'main thread, 1,000 interactions (agent)',
    'JS heap + wasm after 1,000 interactions (Δ baseline)',
  ]);
  row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']);
  const busy0 = sum.baseline.loadBusyMs;
  for (const id of ids) {
    const s = sum[id];
    const base = id === 'baseline';
    row([
      label[id],
      base ? '—' : cell(s.downloadBytes, fmt.bytes, { ratioTo: R.downloadBytes, range: false }),
      base ? '—' : cell(s.loadAgentMs, fmt.ms, { ratioTo: R.loadAgentMs }),
      base ? '—' : cell(s.loadMaxAgentInTaskMs, fmt.ms, { range: false }),
      base
        ? `${cell(s.loadBusyMs, fmt.ms, { range: false })} (page alone)`
        : s.loadBusyMs && busy0
          ? `${s.loadBusyMs.median >= busy0.median ? '+' : '−'}${fmt.ms(Math.abs(s.loadBusyMs.median - busy0.median))} · ${ratio(s.loadBusyMs.median / busy0.median)} baseline`
          : '—',
      base ? `— / ${cell(s.loadLongTasks, fmt.n, { range: false })}` : `${cell(s.loadAgentLongTasks, fmt.n, { range: false })} / ${cell(s.loadLongTasks, fmt.n, { range: false })}`,
      base ? '—' : cell(s.readyMs, fmt.ms, { ratioTo: R.readyMs }),
      base ? '—' : cell(s.readySinceStartMs, fmt.ms, { range: false }),
      base ? '—' : cell(s.sessionAgentMs, fmt.ms, { ratioTo: R.sessionAgentMs }),
      base
        ? `${cell(s.jsHeapBytes, fmt.kb)} (page alone)`
        : `${cell(s.memoryDeltaBytes, fmt.kb, { ratioTo: R.memoryDeltaBytes })}${s.wasmBytes?.median ? ` incl. ${fmt.kb(s.wasmBytes.median)} wasm` : ''}`,
    ]);
  }
  if (sum.floor) {
    L.push('');
    L.push(
      "*wasm floor* is not a product: the least a WebAssembly agent built like rum-agent can be (bench/floor/: six buffered observers, " +
        'error and lifecycle listeners, one JSON line per entry, one beacon at hide; no metric logic, no config checks, no batching rules). ' +
        'Its numbers are what wasm itself costs: instantiation, the glue, and compiling each function on its first call.',
    );
  }
  if (peers.some((id) => sum[id].repeat)) repeatTable();
  function repeatTable() {
    L.push('');
    L.push('## Repeat view (same browser profile, HTTP cache warm)');
    L.push('');
    L.push(
      'After each first view, the same page again in the same browser context, as a returning visitor loads it: every file revalidated ' +
        '(`304 Not Modified`, no body), code caches as the first view left them; load, hide, leave (no session). ' +
        'The table: the repeat views after an ordinary page view (the long sessions\' are in the sentence below it), first view → repeat view, medians; "compiled code from a cache": V8\'s code-cache events in the repeat views ' +
        '(wasm: `v8.wasm.moduleCacheHit` per view, and `v8.wasm.cachedModule` / TurboFan-compiled modules in the first views; scripts: ' +
        'compilations of the agent\'s files that consumed a code cache, and those that wrote one: Chromium writes a script\'s code cache on its second load and reads it from the third).',
    );
    L.push('');
    row(['contender', 'download (agent files)', 'main thread at load (agent)', 'largest agent slice of one task', 'whole main thread at load (Δ baseline)', 'long tasks at load (agent / all)', 'agent ready (init resolved)', 'of which init', 'wasm functions compiled lazily at load', 'compiled code from a cache (repeat views)']);
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---']);
    const two = (a, b, f) => `${a ? f(a.median) : '—'} → ${b ? f(b.median) : '—'}`;
    const busyR = sum.baseline.repeat?.loadBusyMs;
    for (const id of ids) {
      const s = sum[id];
      const r = s.repeat;
      if (!r) continue;
      const base = id === 'baseline';
      const wasm = s.loadLazyCompiles?.median > 0;
      const cc = r.codeCache;
      const cache = base
        ? '—'
        : wasm
          ? `wasm: hit in ${cc.wasmCacheHit || 0}/${cc.views} views (first views: ${s.codeCache.wasmCached || 0} written, ${s.codeCache.wasmTopTier || 0} tiered up)`
          : `scripts: ${cc.jsFromCache || 0} of ${cc.jsCompiles || 0} compilations (cache written by ${cc.jsCacheWritten || 0})`;
      row([
        label[id],
        base ? '—' : `${two(s.downloadBytes, r.downloadBytes, fmt.bytes)}${r.notModified ? ` (${r.notModified} × 304)` : ''}`,
        base ? '—' : two(s.loadAgentMs, r.loadAgentMs, fmt.ms),
        base ? '—' : two(s.loadMaxAgentInTaskMs, r.loadMaxAgentInTaskMs, fmt.ms),
        base
          ? `${cell(r.loadBusyMs, fmt.ms, { range: false })} (page alone)`
          : r.loadBusyMs && busyR
            ? `${r.loadBusyMs.median >= busyR.median ? '+' : '−'}${fmt.ms(Math.abs(r.loadBusyMs.median - busyR.median))} · ${ratio(r.loadBusyMs.median / busyR.median)} baseline`
            : '—',
        base ? `— / ${cell(r.loadLongTasks, fmt.n, { range: false })}` : `${cell(r.loadAgentLongTasks, fmt.n, { range: false })} / ${cell(r.loadLongTasks, fmt.n, { range: false })}`,
        base ? '—' : two(s.readyMs, r.readyMs, fmt.ms),
        base ? '—' : two(s.readySinceStartMs, r.readySinceStartMs, fmt.ms),
        wasm ? `${two(s.loadLazyCompiles, r.loadLazyCompiles, fmt.n)} (${two(s.loadLazyCompileMs, r.loadLazyCompileMs, fmt.ms)})` : '—',
        cache,
      ]);
    }
    const R2 = R.repeat;
    const RS = R.repeatAfterSession;
    if (R2) {
      const hits = (r) => `${r.codeCache.wasmCacheHit || 0} of ${r.codeCache.views}`;
      const cached = (c) => `${c.wasmTopTier || 0} of ${c.views} had functions tiered up to TurboFan, ${c.wasmCached || 0} wrote the module to the code cache`;
      L.push('');
      L.push(
        `Whether V8 reused rum-agent's compiled wasm: \`v8.wasm.moduleCacheHit\` in ${hits(R2)} repeat views after an ordinary page view ` +
          `(of those first views, ${cached(R.codeCachePages)}), and in ${RS ? hits(RS) : '—'} repeat views after a ${meta.interactions.toLocaleString('en-US')}-interaction session ` +
          `(of those, ${cached(R.codeCacheSessions)})` +
          (RS ? `; main thread at load in those: ${cell(RS.loadAgentMs, fmt.ms, { range: false })}, largest slice ${cell(RS.loadMaxAgentInTaskMs, fmt.ms, { range: false })}, ${RS.loadLazyCompiles ? fmt.n(RS.loadLazyCompiles.median) : '—'} lazy compilations` : '') +
          '. V8 caches a module\'s code only after functions have tiered up to TurboFan (only hot ones do); without a cache hit every view compiles ' +
          `the functions it calls again, lazily, on the main thread (${R2.loadLazyCompiles ? fmt.n(R2.loadLazyCompiles.median) : '?'} in a repeat view's load window): ` +
          'what a warm HTTP cache saves is the download (a revalidation instead of the bytes).',
      );
    }
  }
  L.push('');
  L.push('## What it sends (to a collector on another origin)');
  L.push('');
  row(['contender', 'beacon bytes per page view', 'same, if gzip-compressed', 'resource timings sent', 'requests per page view (CORS preflights)', 'header bytes per page view', 'main thread at hide (agent)', 'bytes, 1,000-interaction session', 'requests, 1,000-interaction session']);
  row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']);
  for (const id of peers) {
    const s = sum[id];
    row([
      label[id],
      cell(s.beaconBytes, fmt.bytes, { ratioTo: R.beaconBytes }),
      cell(s.beaconGzipBytes, fmt.bytes, { range: false }),
      cell(s.resourcesReported, fmt.n, { range: false }),
      `${cell(s.beaconRequests, fmt.n, { range: false })} (${cell(s.beaconPreflights, fmt.n, { range: false })})`,
      cell(s.beaconHeaderBytes, fmt.bytes, { range: false }),
      cell(s.hideAgentMs, fmt.ms, { range: false }),
      cell(s.sessionBeaconBytes, fmt.bytes, { ratioTo: R.sessionBeaconBytes }),
      cell(s.sessionBeaconRequests, fmt.n, { range: false }),
    ]);
  }
  L.push('');
  L.push(
    'What one ordinary page view sent, by kind: ' +
      peers.map((id) => `${short[id]}: ${Object.entries(sum[id].kinds).map(([k, n]) => `${k} ${n}`).join(', ')}`).join('; ') +
      '.',
  );
  L.push('');
  L.push('## Web Vitals each one reports (ordinary page views)');
  L.push('');
  L.push(
    "Median of the value each agent sent (views where it sent one / views), and in brackets the median |difference| from the browser's own entries of the same view " +
      '(LCP, FCP, TTFB, CLS read with buffered observers after load, web-vitals rules). INP has no such reference; web-vitals is the reference row.',
  );
  L.push('');
  row(['contender', 'LCP', 'CLS', 'INP', 'FCP', 'TTFB']);
  row(['---', '---:', '---:', '---:', '---:', '---:']);
  const vit = (s, m) => {
    const v = s.vitals[m];
    if (!v.reported) return `not reported (0/${v.views})`;
    const f = m === 'CLS' ? fmt.cls : fmt.ms;
    const d = v.absDiffVsBrowser ? ` [Δ ${m === 'CLS' ? v.absDiffVsBrowser.median.toFixed(4) : v.absDiffVsBrowser.median.toFixed(1)}]` : '';
    return `${f(v.reported.median)} (${v.reported.n}/${v.views})${d}`;
  };
  for (const id of peers) row([label[id], ...['LCP', 'CLS', 'INP', 'FCP', 'TTFB'].map((m) => vit(sum[id], m))]);
  const b = sum.baseline.vitals;
  row(['*browser entries, no agent*', ...['LCP', 'CLS', 'INP', 'FCP', 'TTFB'].map((m) => (b[m].browser ? (m === 'CLS' ? fmt.cls : fmt.ms)(b[m].browser.median) : '—'))]);
  L.push('');
  L.push('## Views reported after a soft navigation');
  L.push('');
  if (!peers.some((id) => sum[id].routes?.n > 0)) L.push('Not measured in this run (recorded before the bench made a soft navigation).', '');
  else routeTable();
  function routeTable() {
    const bs = sum.baseline.routes?.browserSoftNavs;
    L.push(
      'After the session each view clicks "Next product" (history.pushState and a new product with a new hero image: a soft navigation' +
        (bs ? `; the browser emitted ${fmt.n(bs.median)} \`soft-navigation\` entr${bs.median === 1 ? 'y' : 'ies'} per view (median)` : '') +
        '), then makes 4 interactions on the new route, one of them the 30 ms "add to cart". From the beacons of every recorded view (medians): ' +
        'how many page views / route views they contain (the landing one included), how many of those the agent started for the route change, and the vitals ' +
        'it attributed to the new route itself ((n/m): views where it did; [Δ …]: median |difference| from the browser\'s own entries of the same view: ' +
        'LCP the largest interaction-contentful-paint of the navigation, INP the longest interaction after it). Document-wide values sent while the route was shown do not count.',
    );
    L.push('');
    row(['contender', 'views in its beacons', 'of which for the route change', 'route LCP', 'route INP', 'route CLS', 'route FCP', 'route TTFB', 'main thread, soft navigation + 4 interactions (agent)', 'read from']);
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---']);
    const rv = (r, m) => {
      const v = r?.vitals[m];
      if (!v) return `none (0/${r?.n ?? 0})`;
      const d = r.absDiffVsBrowser?.[m];
      return `${(m === 'CLS' ? fmt.cls : fmt.ms)(v.median)} (${v.n}/${r.n})${d ? ` [Δ ${d.median.toFixed(1)}]` : ''}`;
    };
    for (const id of peers) {
      const r = sum[id].routes;
      const known = r?.n > 0; // the floor sends raw entries: nothing to decode
      row([
        label[id],
        known ? cell(r.views, fmt.n, { range: false }) : '—',
        known ? cell(r.routeViews, fmt.n, { range: false }) : '—',
        ...['LCP', 'INP', 'CLS', 'FCP', 'TTFB'].map((m) => (known ? rv(r, m) : '—')),
        cell(r?.routeAgentMs ?? null, fmt.ms, { range: false }),
        known ? r.how : 'raw entries, no views',
      ]);
    }
    const br = sum.baseline.routes?.browser;
    if (br) row(['*browser entries, no agent*', '', '', br.LCP ? fmt.ms(br.LCP.median) : '—', br.INP ? fmt.ms(br.INP.median) : '—', '', '', '', '', '']);
    L.push('');
  }
  const wv = sum['web-vitals'];
  if (R.sessionAgentMs && wv?.sessionAgentMs) {
    L.push('## Issue 5: vitals code over a 1,000-interaction session');
    L.push('');
    L.push(
      `Main-thread time charged to the agent while the ${meta.interactions.toLocaleString('en-US')} interactions ran (and ${meta.idleMs} ms after, for idle-callback work), medians of ${R.sessionAgentMs.n} sessions each: ` +
        `rum-agent ${fmt.ms(R.sessionAgentMs.median)} (${fmt.ms(R.sessionAgentMs.min)}–${fmt.ms(R.sessionAgentMs.max)}), ` +
        `web-vitals ${fmt.ms(wv.sessionAgentMs.median)} (${fmt.ms(wv.sessionAgentMs.min)}–${fmt.ms(wv.sessionAgentMs.max)}): ` +
        `**rum-agent / web-vitals = ${(R.sessionAgentMs.median / wv.sessionAgentMs.median).toFixed(2)}** ` +
        `(${((R.sessionAgentMs.median / meta.interactions) * 1000).toFixed(1)} µs vs ${((wv.sessionAgentMs.median / meta.interactions) * 1000).toFixed(1)} µs per interaction). ` +
        'rum-agent also runs its long-task, LoAF and error observers in that time; web-vitals only its five metrics.',
    );
    L.push('');
  }
  L.push("## Where rum-agent's time goes");
  L.push('');
  const br = R.breakdown;
  const list = (xs) => xs.map(([k, ms]) => `${k} ${ms.toFixed(1)} ms`).join(', ') || '—';
  L.push(`- At load (median per view): compile/instantiate ${R.loadCompileMs ? fmt.ms(R.loadCompileMs.median) : '—'} (median); by file: ${list(br.loadFiles)}.`);
  L.push(`- Hottest functions at load: ${list(br.loadFns)}.`);
  if (R.loadAgentCpuMs) {
    L.push(
      `- Main thread at load scaled by each task's CPU share (thread time / wall time, less inflated by a busy machine): ` +
        peers.filter((id) => sum[id].loadAgentCpuMs).map((id) => `${short[id]} ${fmt.ms(sum[id].loadAgentCpuMs.median)}${sum[id].repeat?.loadAgentCpuMs ? ` (repeat view ${fmt.ms(sum[id].repeat.loadAgentCpuMs.median)})` : ''}`).join(', ') +
        `; wasm functions compiled lazily at load: ${R.loadLazyCompiles ? fmt.n(R.loadLazyCompiles.median) : '—'} (${R.loadLazyCompileMs ? fmt.ms(R.loadLazyCompileMs.median) : '—'}).`,
    );
  }
  const big = R.largestSlice;
  if (big) {
    L.push(
      `- Largest agent slice of one task (the median view's): ${fmt.ms(big.agentMs)} of a ${fmt.ms(big.taskMs)} task at ${fmt.ms(big.atMs)}: ` +
        `${big.taskCpuMs != null ? `${fmt.ms(big.taskCpuMs)} of CPU; ` : ''}compile ${fmt.ms(big.compileMs)} (${big.lazyCompiles} lazy wasm compilations); hottest: ${list(big.fns)}.`,
    );
  }
  L.push(`- During the long session (median per session), by file: ${list(br.sessionFiles)}; hottest: ${list(br.sessionFns)}.`);
  L.push(`- Files: ${R.agentFiles.map((f) => `${f.file} ${int(f.raw)} B raw / ${int(f.br)} B brotli`).join(', ')}.`);
  const issues = peers.filter((id) => sum[id].exceptions.length || sum[id].errors.length);
  if (issues.length) {
    L.push('');
    L.push('## Errors seen');
    for (const id of issues) L.push(`- ${label[id]}: ${[...sum[id].errors, ...sum[id].exceptions].join('; ')}`);
  }
  L.push('');
  return L.join('\n');
}

/** The JSON file: meta and summary readable, then one page view per line. */
export function resultsJson(meta, summary, views) {
  const body = views.map((v) => '  ' + JSON.stringify(v)).join(',\n');
  return `{\n"meta": ${JSON.stringify(meta, null, 1)},\n"summary": ${JSON.stringify(summary, null, 1)},\n"views": [\n${body}\n]}\n`;
}

export function report(meta, views) {
  const summary = summarize(meta, views);
  return { summary, md: markdown(meta, summary) };
}

// `node bench/lib/report.mjs bench/results/latest.json`: rewrites latest.md
// (and the summary in the JSON) from the recorded views, without a new run.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = path.resolve(process.argv[2]);
  const data = JSON.parse(fs.readFileSync(file, 'utf8'));
  const { summary, md } = report(data.meta, data.views);
  fs.writeFileSync(file, resultsJson(data.meta, summary, data.views));
  fs.writeFileSync(path.join(path.dirname(file), 'latest.md'), md);
  process.stdout.write(md);
}

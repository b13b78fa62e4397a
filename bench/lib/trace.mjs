// Main-thread time attributed to an agent, from one Chromium trace.
//
// The trace holds the renderer's tasks (RunTask), V8's compile events and
// V8's sampling CPU profile (category disabled-by-default-v8.cpu_profiler,
// one sample every ~0.2 ms). A sample is charged to the script of its
// innermost stack frame that has a URL: native and built-in frames (DOM
// calls, JSON.stringify, a layout the script forced) go to the script that
// called them, and a page callback that an agent's wrapper calls goes to the
// page. The agent's time is the union of its samples' intervals and of the
// main-thread compile events of its files (top-level script and module
// compilation shows in the profile as "(program)", not under a URL); for a
// contender that ships WebAssembly, main-thread wasm compilation too.
// Garbage collection cannot be charged to anyone from a profile and is
// reported apart, as is the whole main thread's busy time.

const LONG_TASK_MS = 50;
const SAMPLE_CAP_US = 1000; // a gap after a sample longer than this is not charged to it

const top = (m, n) =>
  [...m.entries()]
    .sort((x, y) => y[1] - x[1])
    .slice(0, n)
    .map(([k, v]) => [k, +(v / 1000).toFixed(2)]);

/** Sorted, merged [start, end) intervals (µs). */
function merge(intervals) {
  intervals.sort((a, b) => a[0] - b[0]);
  const out = [];
  for (const [s, e] of intervals) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Total length of `merged` inside [a, b) (µs). */
function covered(merged, a, b) {
  let sum = 0;
  for (const [s, e] of merged) {
    if (e <= a) continue;
    if (s >= b) break;
    sum += Math.min(e, b) - Math.max(s, a);
  }
  return sum;
}

const argUrl = (e) => e.args?.data?.url || e.args?.fileName || e.args?.data?.fileName || e.args?.url || '';

/**
 * `events`: the trace; `page`: a substring of the page's URL (its
 * navigationStart event names the renderer main thread and time 0);
 * `agentUrls`: Set of the agent's file URLs; `wasm`: whether main-thread
 * wasm compilation is the agent's. Returns `window(fromMs, toMs)` (page
 * time, ms since navigation start) → metrics for that window.
 */
export function analyzeTrace(events, { page, agentUrls, wasm = false }) {
  const nav = events.find((e) => e.name === 'navigationStart' && String(e.args?.data?.documentLoaderURL || '').includes(page));
  if (!nav) throw new Error(`trace: no navigationStart for ${page}`);
  const { pid, tid } = nav;
  const origin = nav.ts;
  const main = events.filter((e) => e.pid === pid && e.tid === tid);

  // Top-level tasks of the main thread.
  const tasks = [];
  for (const e of main.filter((e) => e.name === 'RunTask' && e.ph === 'X').sort((a, b) => a.ts - b.ts)) {
    const last = tasks[tasks.length - 1];
    if (last && e.ts < last.ts + last.dur) continue; // nested
    tasks.push({ ts: e.ts, dur: e.dur || 0, tdur: e.tdur });
  }

  // The CPU profile of this thread (chunks carry nodes, samples, time deltas).
  const profiles = new Map();
  for (const e of events) {
    if (e.pid !== pid) continue;
    if (e.name === 'Profile') profiles.set(e.id, { tid: e.tid, start: e.args.data.startTime, chunks: [] });
  }
  for (const e of events) if (e.name === 'ProfileChunk' && e.pid === pid && profiles.has(e.id)) profiles.get(e.id).chunks.push(e);
  // The main thread's profile (workers have their own).
  const profile = [...profiles.values()].find((p) => p.tid === tid) || [...profiles.values()].sort((a, b) => b.chunks.length - a.chunks.length)[0];

  const agentIntervals = [];
  const gcIntervals = [];
  const agentSamples = []; // [start, end, url, fn]
  if (profile) {
    const nodes = new Map();
    const samples = [];
    let t = profile.start;
    for (const c of profile.chunks.sort((a, b) => a.ts - b.ts)) {
      const cp = c.args.data.cpuProfile || {};
      for (const n of cp.nodes || []) nodes.set(n.id, n);
      const deltas = c.args.data.timeDeltas || [];
      (cp.samples || []).forEach((id, i) => {
        t += deltas[i] || 0;
        samples.push([t, id]);
      });
    }
    const cls = new Map();
    const classify = (id) => {
      if (cls.has(id)) return cls.get(id);
      let n = nodes.get(id);
      const leafName = n?.callFrame?.functionName;
      let out = { kind: 'other' };
      if (leafName === '(garbage collector)') out = { kind: 'gc' };
      else if (leafName === '(idle)' || leafName === '(program)' || leafName === '(root)') out = { kind: 'other' };
      else {
        // A native or built-in leaf (no URL) is charged to its scripted caller; named in the breakdown.
        const leaf = n && !n.callFrame?.url && n.callFrame?.functionName ? ` → ${n.callFrame.functionName}` : '';
        while (n && !n.callFrame?.url) n = nodes.get(n.parent);
        if (n && agentUrls.has(n.callFrame.url)) {
          const f = n.callFrame;
          const where = f.codeType === 'wasm' || /\.wasm$/.test(f.url) ? '' : `:${f.columnNumber}`;
          out = { kind: 'agent', url: f.url, fn: `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}${where}${leaf}` };
        }
      }
      cls.set(id, out);
      return out;
    };
    for (let i = 0; i < samples.length; i++) {
      const [ts, id] = samples[i];
      const next = i + 1 < samples.length ? samples[i + 1][0] : ts;
      const end = ts + Math.min(next - ts, SAMPLE_CAP_US);
      const c = classify(id);
      if (c.kind === 'agent') {
        agentIntervals.push([ts, end]);
        agentSamples.push([ts, end, c.url, c.fn]);
      } else if (c.kind === 'gc') gcIntervals.push([ts, end]);
    }
  }

  // Compilation on the main thread of the agent's files (and its wasm).
  const compile = [];
  for (const e of main) {
    if (e.ph !== 'X' || !e.dur) continue;
    const url = argUrl(e);
    const isWasm = /^(v8\.)?wasm\./i.test(e.name);
    if ((url && agentUrls.has(url) && /compile|cache|parse|evaluate/i.test(e.name)) || (wasm && isWasm && /compile|instantiate|streaming/i.test(e.name))) compile.push([e.ts, e.ts + e.dur, e.name, e.args]);
  }
  // Whether compiled code came from a cache: V8's wasm code-cache events
  // (Chromium's devtools.timeline names: `cachedModule` = written to the
  // code cache, `moduleCacheHit` = read from it; only modules with
  // TurboFan-tiered code are cached) and, for scripts, compile events of the
  // agent's files that consumed a code cache, or produced one (Chromium
  // produces a script's code cache on its second load, uses it from the third).
  const codeCache = { wasmCacheHit: 0, wasmCached: 0, wasmCacheInvalid: 0, wasmTopTier: 0, jsCompiles: 0, jsFromCache: 0, jsCacheWritten: 0 };
  for (const e of events) {
    if (e.pid !== pid) continue;
    if (e.name === 'v8.wasm.moduleCacheHit') codeCache.wasmCacheHit++;
    else if (e.name === 'v8.wasm.cachedModule') codeCache.wasmCached++;
    else if (e.name === 'v8.wasm.moduleCacheInvalid') codeCache.wasmCacheInvalid++;
    else if (e.name === 'v8.wasm.compiledModule') codeCache.wasmTopTier++;
    else if (e.ph === 'X' && /^(v8\.compile|v8\.compileModule|V8\.CompileCode)$/.test(e.name) && agentUrls.has(argUrl(e))) {
      codeCache.jsCompiles++;
      const d = e.args?.data || {};
      if (d.consumedCacheSize > 0 && !d.cacheRejected) codeCache.jsFromCache++;
      if (d.producedCacheSize > 0) codeCache.jsCacheWritten++;
    }
  }
  const agent = merge([...agentIntervals, ...compile.map(([s, e]) => [s, e])]);
  const compileMerged = merge(compile.map(([s, e]) => [s, e]));
  const gc = merge(gcIntervals);

  /** Metrics for the window [fromMs, toMs) of page time. */
  function window(fromMs, toMs) {
    const a = origin + fromMs * 1000;
    const b = origin + toMs * 1000;
    const inWin = tasks.filter((k) => k.ts >= a && k.ts < b);
    const long = inWin.filter((k) => k.dur >= LONG_TASK_MS * 1000);
    const agentLong = long.filter((k) => k.dur - covered(agent, k.ts, k.ts + k.dur) < LONG_TASK_MS * 1000);
    const byUrl = new Map();
    const byFn = new Map();
    for (const [s, e, url, fn] of agentSamples) {
      if (s < a || s >= b) continue;
      byUrl.set(url, (byUrl.get(url) || 0) + (e - s));
      byFn.set(fn, (byFn.get(fn) || 0) + (e - s));
    }
    // Per task: the agent's time in it and the wasm functions V8 compiled
    // lazily in it; the largest is broken down further below.
    const perTask = inWin.map((k) => {
      const inTask = (t) => t >= k.ts && t < k.ts + k.dur;
      return { k, inTask, mine: covered(agent, k.ts, k.ts + k.dur), lazy: compile.filter(([t, , n]) => inTask(t) && /lazy/i.test(n)) };
    });
    const ms = (us) => +(us / 1000).toFixed(1);
    // taskCpuMs: the task's thread time (CPU), which a busy machine does not
    // inflate the way it does wall time (the thread waiting for a core).
    const slice = ({ k, mine, lazy }) => ({ atMs: ms(k.ts - origin), taskMs: ms(k.dur), taskCpuMs: k.tdur === undefined ? null : ms(k.tdur), agentMs: ms(mine), lazyCompiles: lazy.length });
    // Every task the agent had more than 1 ms of, in order (the JSON keeps them).
    const slices = perTask
      .filter((t) => t.mine > 1000)
      .map((t) => ({ ...slice(t), ...(process.env.BENCH_LAZY_DUMP && { lazy: t.lazy.map(([, , , args]) => args) }) }));
    const big = perTask.reduce((m, t) => (!m || t.mine > m.mine ? t : m), null);
    let largest = null;
    if (big && big.mine > 0) {
      const fns = new Map();
      for (const [s, e, , fn] of agentSamples) if (big.inTask(s)) fns.set(fn, (fns.get(fn) || 0) + (e - s));
      largest = { ...slice(big), compileMs: ms(covered(compileMerged, big.k.ts, big.k.ts + big.k.dur)), fns: top(fns, 5) };
    }
    const lazy = compile.filter(([t, , n]) => t >= a && t < b && /lazy/i.test(n));
    // The agent's time in each task scaled by the task's CPU share (thread
    // time / wall time): an estimate that a loaded machine inflates less.
    const agentCpu = perTask.reduce((sum, t) => sum + (t.k.tdur !== undefined && t.k.dur > 0 ? (t.mine * Math.min(t.k.tdur, t.k.dur)) / t.k.dur : t.mine), 0);
    return {
      largest,
      slices,
      lazyCompiles: lazy.length,
      lazyCompileMs: ms(lazy.reduce((s, [t, e]) => s + (e - t), 0)),
      agentMs: covered(agent, a, b) / 1000,
      agentCpuMs: ms(agentCpu),
      compileMs: covered(compileMerged, a, b) / 1000,
      gcMs: covered(gc, a, b) / 1000,
      busyMs: inWin.reduce((s, k) => s + Math.min(k.dur, b - k.ts), 0) / 1000,
      longTasks: long.length,
      longTaskMs: long.map((k) => +(k.dur / 1000).toFixed(1)),
      agentLongTasks: agentLong.length,
      maxAgentInTaskMs: inWin.reduce((m, k) => Math.max(m, covered(agent, k.ts, k.ts + k.dur)), 0) / 1000,
      byUrl: top(byUrl, 6),
      byFn: top(byFn, 10),
    };
  }
  return { window, codeCache, hasProfile: !!profile, profileStartMs: profile ? (profile.start - origin) / 1000 : null };
}

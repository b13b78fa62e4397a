// rum-agent: loads the agent's WebAssembly and hands it the config.
// Everything else is Rust. This file stays tiny and hand-written.
import load, { configure, start } from './rum_agent.js';

const G = globalThis;
// Makes `function (...args)` that hands its `this` to a Rust hook: the HTTP
// instrumentation wraps XMLHttpRequest methods, and Rust closures cannot see
// `this`. The only logic here; the hook decides everything.
const wrap = (f, h) =>
  function (...a) {
    return h(this, f, a);
  };
// Runs `f` once, in a task of its own, soon, even in a hidden tab: there a
// timer waits for the next 1-second wake-up, a message does not. The timer
// stays as a backstop for a page whose MessageChannel never delivers.
const task = (f) => {
  let done;
  const g = () => done || ((done = 1), f());
  try {
    const c = new MessageChannel();
    c.port1.onmessage = g;
    c.port2.postMessage(0);
  } catch {}
  setTimeout(g, 100);
};
// One agent per page, even if this module is loaded twice (two URLs, two
// bundles): the state lives on the global object, not in the module.
const S = (G[Symbol.for('rum-agent')] ||= {});
// The loader snippet's queue, when the page installed it (js/snippet.js).
const stub = G.rumAgent && G.rumAgent.q ? G.rumAgent : 0;

// Start fetching the wasm now, in parallel with the glue and the page,
// rather than when init() runs. Marked handled here: if nobody calls init(),
// a failed fetch must not become an unhandled rejection in the page.
// Once per page, even when this module is evaluated twice.
let wasm = S.f;
try {
  if (!wasm) (wasm = S.f = fetch(new URL('rum_agent_bg.wasm', import.meta.url))).catch(() => {});
} catch {}

function boot(config, fromTag) {
  if (S.p) {
    if (!S.w) (S.w = 1), console.warn('rum-agent: init() was called again; returning the running agent');
    return S.p;
  }
  return (S.p = load(wasm ? { module_or_path: wasm } : undefined)
    .then(
      // Start-up in tasks of its own: the compile's last step and
      // instantiation end the task that resolved `load`, checking the config
      // is the next (it rejects init() with a TypeError naming the field),
      // building the agent's state the next, installing its listeners the
      // one after: one long slice of the page's main thread would be four
      // shorter ones.
      () => new Promise(task),
      (e) => {
        const m = String(e && e.message);
        // A CSP without 'wasm-unsafe-eval' refuses to compile WebAssembly;
        // a connect-src without the wasm's origin (or a 404) refuses the fetch.
        throw /unsafe-eval|CSP|Content Security/i.test(m)
          ? new Error("rum-agent: the page's Content-Security-Policy blocks WebAssembly: add 'wasm-unsafe-eval' to script-src")
          : /fetch|network|404/i.test(m)
            ? new Error(`rum-agent: could not load rum_agent_bg.wasm (${m}): check that it is served next to rum.js and that connect-src allows its origin`)
            : e;
      },
    )
    .then(() => configure(config, !!fromTag, wrap))
    .then(() => new Promise(task))
    .then(() => configure(undefined, false, wrap))
    .then(() => new Promise(task))
    .then(() => {
      const a = (S.a = start(undefined, !!fromTag, wrap, task));
      // The agent's listeners are in place: drop the snippet's (in the same
      // task, so no event is seen twice) and replay what it caught, in order.
      if (stub) {
        const q = stub.q;
        stub.off();
        a.__replay(['d', stub.d || 0]);
        for (const x of q) a.__replay(x);
      }
      if (!G.rumAgent || G.rumAgent === stub) G.rumAgent = a;
      return a;
    })
    .catch((e) => {
      S.p = 0;
      if (stub) stub.off();
      throw e;
    }));
}

/** `const rum = await init({ url, app: { name, version, environment }, ... })` */
export function init(config) {
  return boot(config);
}

// Started by the loader snippet, or by `<script type="module" src=".../rum.js"
// data-url="..." data-app-name="...">`: config from the data attributes, a
// relative data-url resolved against the page.
const tag = stub ? 0 : G.document && [...document.querySelectorAll('script[data-url]')].find((s) => s.src == import.meta.url);
const data = stub ? stub.c : tag && tag.dataset;
const abs = (u) => {
  try {
    return u && new URL(u, document.baseURI).href;
  } catch {
    return u;
  }
};
// Started from the page's markup: wait until the document is parsed and the
// browser is idle, so start-up never delays DOMContentLoaded or first paint
// (buffered observers and the snippet's queue lose nothing meanwhile).
const idle = () =>
  new Promise((r) => {
    const go = () => (G.requestIdleCallback ? requestIdleCallback(r, { timeout: 1000 }) : setTimeout(r));
    document.readyState == 'loading' ? addEventListener('DOMContentLoaded', go, { once: true }) : go();
  });
if (data) idle().then(() => boot({ ...data, url: abs(data.url) }, 1)).catch((e) => console.error(e));

// rum-agent: loads the agent's WebAssembly and hands it the config.
// Everything else is Rust. This file stays tiny and hand-written.
import load, { start } from './rum_agent.js';

// One agent per page, even if this module is loaded twice (two URLs, two
// bundles): the state lives on the global object, not in the module.
const S = (globalThis[Symbol.for('rum-agent')] ||= {});

function boot(config, fromTag) {
  if (S.p) {
    if (!S.w) (S.w = 1), console.warn('rum-agent: init() was called again; returning the running agent');
    return S.p;
  }
  return (S.p = load()
    .then(
      () => (S.a = start(config, !!fromTag)),
      (e) => {
        // A CSP without 'wasm-unsafe-eval' refuses to compile WebAssembly.
        throw /unsafe-eval|CSP|Content Security/i.test(e && e.message)
          ? new Error("rum-agent: the page's Content-Security-Policy blocks WebAssembly: add 'wasm-unsafe-eval' to script-src")
          : e;
      },
    )
    .catch((e) => {
      S.p = 0;
      throw e;
    }));
}

/** `const rum = await init({ url, app: { name, version, environment }, ... })` */
export function init(config) {
  return boot(config);
}

// `<script type="module" src=".../rum.js" data-url="..." data-app-name="...">`
// starts the agent from its data attributes.
const tag = globalThis.document && [...document.querySelectorAll('script[data-url]')].find((s) => s.src == import.meta.url);
if (tag) boot(tag.dataset, 1).catch((e) => console.error(e));

// rum-agent loader snippet: the first <script> in <head>.
//
//   <script data-src="/rum/rum.js" data-url="https://collector.example/collect"
//           data-app-name="shop" data-app-version="1.4.2">…this, minified…</script>
//
// It never blocks: it only queues, and injects rum.js as an async module.
// From its first line it catches errors (capture phase, so failed images and
// scripts too), unhandled rejections and Content-Security-Policy violations,
// with their original events (time, Error object, stack), and queues calls made to `window.rumAgent` before the
// agent is ready. When the agent starts, it replays the queue once, in
// order, and removes these listeners. If rum.js cannot load (blocked,
// offline, 404), it stops queueing and removes its listeners: the page is
// left as it was. Its text is constant (configuration lives in the data
// attributes), so a CSP can allow it by hash.
((w, d) => {
  try {
    const s = d.currentScript;
    let q = [];
    let max = 100;
    const add = (x) => (q.length < max ? q.push(x) : (stub.d = (stub.d || 0) + 1));
    // Each event and its tag in the queue; `error` in the capture phase, the
    // only place a failed <img> or <script> can be seen.
    const on = [
      ['error', 'e'],
      ['unhandledrejection', 'r'],
      ['securitypolicyviolation', 'c'],
    ].map(([k, tag]) => [k, (e) => add([tag, e])]);
    const listen = (m) => on.map(([k, f]) => w[m](k, f, k == 'error'));
    const stub = (w.rumAgent = {
      q,
      c: s.dataset,
      off() {
        listen('removeEventListener');
        max = 0;
        stub.q = q = [];
      },
    });
    for (const m of 'pushError pushEvent pushMeasurement setUser setView flush'.split(' '))
      stub[m] = (...a) => add([m, a, performance.now()]);
    listen('addEventListener');
    const m = d.createElement('script');
    m.type = 'module';
    m.src = s.dataset.src;
    m.nonce = s.nonce;
    m.onerror = () => (stub.off(), m.remove());
    d.head.append(m);
  } catch (e) {}
})(window, document);

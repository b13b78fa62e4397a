// The strict-CSP page's only script (www/test/faults/csp.html): the npm
// install (init()), plus a probe that records Chromium's own message when the
// policy refuses to compile WebAssembly. With `?violate`, it then breaks the
// policy (three blocked images, one blocked fetch) and records every event
// the agent queues (beforeSend).
const collector = document.querySelector('meta[name=collector]').content;
const violate = new URLSearchParams(location.search).has('violate');
const out = (window.cspResult = { violations: [], sent: [] });
document.addEventListener('securitypolicyviolation', (e) => out.violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI }));
try {
  // The smallest valid module: "\0asm", version 1.
  await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  out.probe = 'compiled';
} catch (e) {
  out.probe = `${e.name}: ${e.message}`;
}
try {
  // ?build=full: CSP violation reports are in the full build.
  const build = new URLSearchParams(location.search).get('build');
  const { init } = await import(build ? `/pkg/${build}/rum.js` : '/pkg/rum.js');
  const beforeSend = (e) => (out.sent.push(e), e);
  const rum = await init({ url: collector, app: { name: 'csp-test' }, ...(violate && { beforeSend }) });
  rum.pushEvent('csp-ok');
  rum.flush();
  out.ok = true;
  if (violate) {
    // Never contacted: the policy refuses them before any request.
    for (let i = 0; i < 3; i++) document.body.append(Object.assign(new Image(), { src: 'http://127.0.0.1:9/blocked.png' }));
    fetch('http://127.0.0.1:9/api').catch(() => {});
    // The events are dispatched in tasks of their own.
    setTimeout(() => (rum.flush(), (out.flushed = true)), 500);
  }
} catch (e) {
  out.error = `${e.name}: ${e.message}`;
}
// The page carries on either way.
document.getElementById('btn').addEventListener('click', () => (out.clicked = true));
document.getElementById('status').textContent = 'page script ran';
out.done = true;

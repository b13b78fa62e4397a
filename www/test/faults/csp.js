// The strict-CSP page's only script (www/test/faults/csp.html): the npm
// install (init()), plus a probe that records Chromium's own message when the
// policy refuses to compile WebAssembly.
const collector = document.querySelector('meta[name=collector]').content;
const out = (window.cspResult = { violations: [] });
document.addEventListener('securitypolicyviolation', (e) => out.violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI }));
try {
  // The smallest valid module: "\0asm", version 1.
  await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  out.probe = 'compiled';
} catch (e) {
  out.probe = `${e.name}: ${e.message}`;
}
try {
  const { init } = await import('/pkg/rum.js');
  const rum = await init({ url: collector, app: { name: 'csp-test' } });
  rum.pushEvent('csp-ok');
  rum.flush();
  out.ok = true;
} catch (e) {
  out.error = `${e.name}: ${e.message}`;
}
// The page carries on either way.
document.getElementById('btn').addEventListener('click', () => (out.clicked = true));
document.getElementById('status').textContent = 'page script ran';
out.done = true;

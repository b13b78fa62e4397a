// Runs Google's web-vitals 6 (attribution build, default options) and
// rum-agent in the same page. web-vitals' reports go to /wv, ours to the
// collector; the test compares the final value of each metric.
import { onCLS, onFCP, onINP, onLCP, onTTFB } from '/node_modules/web-vitals/dist/web-vitals.attribution.js';
// ?build=full loads pkg/full/ (the attribution details are there), else pkg/.
const build = new URLSearchParams(location.search).get('build');
const { init } = await import(build ? `/pkg/${build}/rum.js` : '/pkg/rum.js');

// Reports made while the page is visible are sent from a task of their own,
// so web-vitals' callbacks stay as cheap as a real reporter's (bfcache LCP
// and FCP are read in a frame callback: a slow reporter there would delay
// ours); reports made while hidden go at once, the page may be leaving.
const send = (m) => (document.visibilityState === 'hidden' ? beacon(m) : setTimeout(() => beacon(m)));
const beacon = (m) => {
  const a = m.attribution || {};
  const body = {
    name: m.name,
    value: m.value,
    nav: m.navigationType,
    id: m.id,
    target: a.target || a.largestShiftTarget || a.interactionTarget || '',
    url: a.url || '',
  };
  navigator.sendBeacon('/wv', JSON.stringify(body));
};
onCLS(send);
onFCP(send);
onINP(send);
onLCP(send);
onTTFB(send);

const collector = new URLSearchParams(location.search).get('collector') || `${location.origin}/collect`;
window.ours = [];
window.bothReady = init({
  url: collector,
  app: { name: 'vitals-test', version: '1' },
  batch: { flushIntervalMs: 600000 },
}).then((rum) => {
  window.rum = rum;
  return true;
});

/** Blocks the main thread for `ms` (a slow event handler). */
window.busy = (ms) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

// Google's web-vitals 6 (attribution build) with `reportSoftNavs: true` and
// rum-agent in the same single-page app. web-vitals' reports go to /wv (with
// the navigation each belongs to), ours to the collector; the test compares
// every value, navigation by navigation.
import { onCLS, onFCP, onINP, onLCP, onTTFB } from '/node_modules/web-vitals/dist/web-vitals.attribution.js';
// ?build=full loads pkg/full/ (the attribution details are there), else pkg/.
const build = new URLSearchParams(location.search).get('build');
const { init } = await import(build ? `/pkg/${build}/rum.js` : '/pkg/rum.js');

const send = (m) => (document.visibilityState === 'hidden' ? beacon(m) : setTimeout(() => beacon(m)));
const beacon = (m) => {
  const a = m.attribution || {};
  navigator.sendBeacon(
    '/wv',
    JSON.stringify({
      name: m.name,
      value: m.value,
      nav: m.navigationType,
      navId: m.navigationId,
      // Soft navigations: the entry's start (performance time), on the epoch clock.
      start: m.navigationType === 'soft-navigation' ? performance.timeOrigin + m.navigationStartTime : 0,
      url: m.navigationURL,
      target: a.target || a.largestShiftTarget || a.interactionTarget || '',
    }),
  );
};
const opts = { reportSoftNavs: true };
const params = new URLSearchParams(location.search);
const startAgent = () => {
  window.bothReady = init({
    url: `${location.origin}/collect`,
    app: { name: 'soft-test', version: '1' },
    batch: { flushIntervalMs: 600000 },
    ...(params.get('soft') === 'off' ? { softNavigations: false } : {}),
  }).then((rum) => {
    window.rum = rum;
    return true;
  });
};
onCLS(send, opts);
onFCP(send, opts);
onINP(send, opts);
onLCP(send, opts);
onTTFB(send, opts);
// `?late=1`: the agent starts only when the test says so (after soft
// navigations: it reads them from the browser's buffers).
if (params.get('late')) window.startAgent = startAgent;
else startAgent();

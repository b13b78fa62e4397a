// web-vitals 6 (standard build) with the smallest reporter its README
// suggests: queue every report, send the queue with one sendBeacon when the
// page is hidden (web-vitals itself reports CLS, INP and LCP at that moment).
// `reportSoftNavs: true` (web-vitals 6): each soft navigation gets its own
// LCP, FCP, TTFB, CLS and INP; the navigation each report belongs to is sent
// with it (type, id, URL), as a backend needs to group them.
import { onCLS, onFCP, onINP, onLCP, onTTFB } from 'web-vitals';

export function start(url) {
  const queue = new Set();
  const add = (m) => queue.add(m);
  const flush = () => {
    if (!queue.size) return;
    const body = JSON.stringify([...queue].map((m) => ({ name: m.name, value: m.value, rating: m.rating, id: m.id, nav: m.navigationType, navId: m.navigationId, url: m.navigationURL })));
    // sendBeacon falls back to a keepalive fetch when refused (the README's pattern).
    if (!(navigator.sendBeacon && navigator.sendBeacon(url, body))) fetch(url, { body, method: 'POST', keepalive: true });
    queue.clear();
  };
  addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && flush());
  const opts = { reportSoftNavs: true };
  onCLS(add, opts);
  onFCP(add, opts);
  onINP(add, opts);
  onLCP(add, opts);
  onTTFB(add, opts);
}

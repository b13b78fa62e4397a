// Native-protocol batches (docs/protocol.md) for collector tests, shaped like
// what the agent sends.
let counter = 0;

export function uid(prefix) {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export const CHROME_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

/** A batch; `events` are plain event objects (`{k, t, …}`). */
export function batch({ view = uid('pv'), session = uid('s'), seq = 1, version = '1.0.0', url = 'https://shop.example/', tz = 'Europe/Paris', ua = CHROME_UA, events = [] } = {}) {
  const now = Date.now();
  return {
    v: 1,
    seq,
    sdk: { name: 'rum-agent', version: '0.1.0' },
    app: { name: 'shop', version, env: 'test' },
    session: { id: session, start: now - 10000 },
    view: { id: view, url, nav: 'navigate', start: now - 5000 },
    env: { ua, vw: 1280, vh: 720, tz, lang: 'en-US' },
    sent: now,
    events,
  };
}

export const vital = (name, value) => ({ k: 'vital', t: Date.now() - 1000, name, value });
export const jsError = (msg) => ({ k: 'error', t: Date.now() - 500, src: 'js', type: 'TypeError', msg, count: 1 });
export const http = (status, fail) => ({ k: 'http', t: Date.now() - 200, api: 'fetch', method: 'GET', url: 'https://shop.example/api', status, dur: 50, ...(fail ? { fail } : {}) });
export const nav = (load) => ({ k: 'nav', t: Date.now() - 4000, type: 'navigate', fetchStart: 1, requestStart: 20, responseStart: 120, responseEnd: 150, domComplete: load - 5, loadEventEnd: load });

/** 20 events as a page view sends them: nav, resources, vitals, an error, calls. */
export function realistic20() {
  const ev = [nav(900)];
  for (let i = 0; i < 12; i++) ev.push({ k: 'res', t: Date.now() - 3000 + i, url: `https://cdn.shop.example/a/${i}.js`, type: 'script', start: 100 + i, dur: 40 + i, size: 3000 });
  ev.push(vital('LCP', 1800), vital('FCP', 900), vital('TTFB', 120), vital('CLS', 0.02));
  ev.push(jsError('x is not a function'));
  ev.push(http(200), { k: 'long', t: Date.now(), src: 'longtask', count: 2, total: 180, max: 120 });
  return ev;
}

export async function post(base, body, { headers = {}, query = '' } = {}) {
  const r = await fetch(`${base}/collect${query}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

// Reads the Web Vitals each contender reported out of what the sink
// received for one page view (its own wire format). The last value of a
// metric wins, as a backend keeps it. Times in ms, CLS unitless. `decode`
// reads the landing (hard) navigation's vitals; `routes` what the beacons say
// about the soft navigation the bench makes after the session.
import zlib from 'node:zlib';

function text(r) {
  let b = r.body;
  try {
    if (r.headers['content-encoding'] === 'gzip' || (b[0] === 0x1f && b[1] === 0x8b)) b = zlib.gunzipSync(b);
    else if (r.headers['content-encoding'] === 'deflate') b = zlib.inflateSync(b);
  } catch {
    return '';
  }
  return b.toString('utf8');
}
const json = (s) => {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
};
const ndjson = (s) => s.split('\n').filter(Boolean).map(json).filter(Boolean);

// rum-agent: a vital belongs to a soft view when its event or its batch's view says so.
const isSoft = (b, e) => e.nav === 'soft-navigation' || b?.view?.nav === 'soft-navigation';
const VITALS = ['LCP', 'CLS', 'INP', 'FCP', 'TTFB'];

const DECODERS = {
  'rum-agent'(bodies, out) {
    for (const b of bodies.map(json))
      for (const e of b?.events || []) if (e.k === 'vital' && e.name in out && !isSoft(b, e)) out[e.name] = e.value;
  },
  'web-vitals'(bodies, out) {
    for (const list of bodies.map(json)) for (const m of Array.isArray(list) ? list : []) if (m.name in out && m.nav !== 'soft-navigation') out[m.name] = m.value;
  },
  faro(bodies, out) {
    for (const b of bodies.map(json))
      for (const m of b?.measurements || []) {
        if (m.type !== 'web-vitals') continue;
        for (const [k, n] of [['lcp', 'LCP'], ['cls', 'CLS'], ['inp', 'INP'], ['fcp', 'FCP'], ['ttfb', 'TTFB']]) if (k in m.values) out[n] = m.values[k];
      }
  },
  datadog(bodies, out) {
    // View updates carry the vitals in ns; the highest document_version is
    // the latest. The landing view only (route_change views are `routes`').
    let best = -1;
    for (const e of bodies.flatMap(ndjson)) {
      if (e.type !== 'view' || e.view?.loading_type === 'route_change' || !(e._dd?.document_version > best)) continue;
      best = e._dd.document_version;
      const v = e.view;
      const ms = (x) => (x === undefined ? undefined : x / 1e6);
      out.LCP = ms(v.largest_contentful_paint) ?? out.LCP;
      out.CLS = v.cumulative_layout_shift ?? out.CLS;
      out.INP = ms(v.interaction_to_next_paint) ?? out.INP;
      out.FCP = ms(v.first_contentful_paint) ?? out.FCP;
      out.TTFB = ms(v.first_byte) ?? out.TTFB;
    }
  },
  elastic(bodies, out) {
    for (const e of bodies.flatMap(ndjson)) {
      const t = e.transaction;
      if (!t || t.type === 'route-change') continue;
      const a = t.marks?.agent || {};
      if (a.largestContentfulPaint !== undefined) out.LCP = a.largestContentfulPaint;
      if (a.firstContentfulPaint !== undefined) out.FCP = a.firstContentfulPaint;
      if (a.timeToFirstByte !== undefined) out.TTFB = a.timeToFirstByte;
      if (t.experience?.cls !== undefined) out.CLS = t.experience.cls;
      if (t.context?.tags?.inp_value !== undefined) out.INP = t.context.tags.inp_value;
    }
  },
  aws(bodies, out) {
    const names = {
      'com.amazon.rum.largest_contentful_paint_event': 'LCP',
      'com.amazon.rum.cumulative_layout_shift_event': 'CLS',
      'com.amazon.rum.interaction_to_next_paint_event': 'INP',
      'com.amazon.rum.first_contentful_paint_event': 'FCP',
      'com.amazon.rum.time_to_first_byte_event': 'TTFB',
    };
    for (const b of bodies.map(json))
      for (const e of b?.RumEvents || []) {
        const n = names[e.type];
        const d = n && json(e.details);
        if (d && typeof d.value === 'number') out[n] = d.value;
      }
  },
};

/** What a view's beacons carried: resource-timing entries and event kinds, per format. */
const KINDS = {
  'rum-agent': (bodies) => bodies.map(json).flatMap((b) => (b?.events || []).map((e) => e.k)),
  'web-vitals': (bodies) => bodies.map(json).flatMap((l) => (Array.isArray(l) ? l.map(() => 'vital') : [])),
  floor: (bodies) => bodies.map(json).flatMap((l) => (Array.isArray(l) ? l.map((e) => (e.k === 'resource' ? 'res' : e.k)) : [])),
  faro: (bodies) =>
    bodies.map(json).flatMap((b) => [
      ...(b?.events || []).map((e) => (e.name === 'faro.performance.resource' ? 'res' : e.name)),
      ...(b?.measurements || []).map((m) => m.type),
      ...(b?.logs || []).map(() => 'log'),
      ...(b?.exceptions || []).map(() => 'error'),
    ]),
  datadog: (bodies) => bodies.flatMap(ndjson).map((e) => (e.type === 'resource' ? 'res' : e.type)),
  elastic: (bodies) => bodies.flatMap(ndjson).map((e) => (e.span ? (e.span.type === 'resource' ? 'res' : `span:${e.span.type}`) : e.transaction ? `tx:${e.transaction.type}` : Object.keys(e)[0])),
  aws: (bodies) => bodies.map(json).flatMap((b) => (b?.RumEvents || []).map((e) => (/resource_event$/.test(e.type) ? 'res' : e.type.replace('com.amazon.rum.', '')))),
};

export function contents(contender, requests) {
  const bodies = requests.filter((r) => r.method !== 'OPTIONS').map(text);
  const kinds = {};
  for (const k of (KINDS[contender] || (() => []))(bodies)) kinds[k] = (kinds[k] || 0) + 1;
  // What the same bodies would weigh gzip-compressed (as CompressionStream sends them).
  const gzipBytes = bodies.reduce((sum, b) => sum + (b ? zlib.gzipSync(b).length : 0), 0);
  return { resources: kinds.res || 0, kinds, gzipBytes };
}

/** { LCP, CLS, INP, FCP, TTFB } as reported (undefined: not reported). */
export function decode(contender, requests) {
  const out = { LCP: undefined, CLS: undefined, INP: undefined, FCP: undefined, TTFB: undefined };
  const f = DECODERS[contender];
  if (f) f(requests.filter((r) => r.method !== 'OPTIONS').map(text), out);
  return out;
}

/**
 * Per-route reporting, read from the beacons of one page view that made one
 * soft navigation: { views, routeViews, vitals, how }.
 * `views`: page views / route views the beacons contain (the landing one
 * included); `routeViews`: those the agent started for a route change (a
 * view, transaction, page view or event, per agent); `vitals`: the metrics
 * (name → last value) the agent attributed to the soft route itself, not
 * document-wide values sent while the route was shown.
 */
const ROUTES = {
  'rum-agent'(bodies) {
    const views = new Map();
    const vitals = {};
    for (const b of bodies.map(json)) {
      if (b?.view?.id && !views.has(b.view.id)) views.set(b.view.id, b.view.nav);
      for (const e of b?.events || []) if (e.k === 'vital' && VITALS.includes(e.name) && isSoft(b, e)) vitals[e.name] = e.value;
    }
    return { views: views.size, routeViews: [...views.values()].filter((n) => n === 'soft-navigation').length, vitals, how: 'views with nav soft-navigation' };
  },
  'web-vitals'(bodies) {
    const navs = new Map();
    const vitals = {};
    for (const list of bodies.map(json))
      for (const m of Array.isArray(list) ? list : []) {
        navs.set(m.navId || m.nav, m.nav);
        if (m.nav === 'soft-navigation') vitals[m.name] = m.value;
      }
    return { views: navs.size, routeViews: [...navs.values()].filter((n) => n === 'soft-navigation').length, vitals, how: 'reports grouped by navigationId' };
  },
  faro(bodies) {
    const views = new Set();
    let nav = 0;
    const vitals = {};
    for (const b of bodies.map(json)) {
      // Faro has no page view: its beacons carry the page URL (meta.page, read
      // at send time) and a view only when the app calls setView.
      if (b?.meta?.page?.url) views.add(new URL(b.meta.page.url).pathname);
      nav += (b?.events || []).filter((e) => e.name === 'faro.navigation').length;
      for (const m of b?.measurements || [])
        if (m.type === 'web-vitals' && m.context?.navigation_type === 'soft-navigation')
          for (const [k, n] of [['lcp', 'LCP'], ['cls', 'CLS'], ['inp', 'INP'], ['fcp', 'FCP'], ['ttfb', 'TTFB']]) if (k in m.values) vitals[n] = m.values[k];
    }
    return { views: views.size, routeViews: nav, vitals, how: 'meta.page URLs; faro.navigation events' };
  },
  datadog(bodies) {
    const latest = new Map(); // view id → latest update
    for (const e of bodies.flatMap(ndjson))
      if (e.type === 'view' && e.view?.id && !(latest.get(e.view.id)?._dd?.document_version >= e._dd?.document_version)) latest.set(e.view.id, e);
    const route = [...latest.values()].filter((e) => e.view.loading_type === 'route_change');
    const vitals = {};
    const ms = (x) => (x === undefined ? undefined : x / 1e6);
    for (const { view: v } of route)
      for (const [n, x] of [['LCP', ms(v.largest_contentful_paint)], ['CLS', v.cumulative_layout_shift], ['INP', ms(v.interaction_to_next_paint)], ['FCP', ms(v.first_contentful_paint)], ['TTFB', ms(v.first_byte)]])
        if (x !== undefined && x !== null) vitals[n] = x;
    return { views: latest.size, routeViews: route.length, vitals, how: 'view ids; loading_type route_change' };
  },
  elastic(bodies) {
    const tx = bodies.flatMap(ndjson).map((e) => e.transaction).filter(Boolean);
    const views = tx.filter((t) => t.type === 'page-load' || t.type === 'route-change');
    const vitals = {};
    for (const t of tx.filter((t) => t.type === 'route-change')) {
      const a = t.marks?.agent || {};
      for (const [n, x] of [['LCP', a.largestContentfulPaint], ['FCP', a.firstContentfulPaint], ['TTFB', a.timeToFirstByte], ['CLS', t.experience?.cls], ['INP', t.context?.tags?.inp_value]])
        if (x !== undefined) vitals[n] = x;
    }
    return { views: views.length, routeViews: views.length - tx.filter((t) => t.type === 'page-load').length, vitals, how: 'page-load and route-change transactions' };
  },
  aws(bodies) {
    const pages = bodies
      .map(json)
      .flatMap((b) => b?.RumEvents || [])
      .filter((e) => e.type === 'com.amazon.rum.page_view_event');
    // The first is the landing page (every bench view starts a new session).
    // Its vitals come from web-vitals without `reportSoftNavs`: document-wide, never a route's.
    return { views: pages.length, routeViews: Math.max(0, pages.length - 1), vitals: {}, how: 'page_view_events' };
  },
};

export function routes(contender, requests) {
  const f = ROUTES[contender];
  return f ? f(requests.filter((r) => r.method !== 'OPTIONS').map(text)) : null;
}

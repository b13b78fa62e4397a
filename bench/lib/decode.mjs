// Reads the Web Vitals each contender reported out of what the sink
// received for one page view (its own wire format). The last value of a
// metric wins, as a backend keeps it. Times in ms, CLS unitless.
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

const DECODERS = {
  'rum-agent'(bodies, out) {
    for (const b of bodies.map(json)) for (const e of b?.events || []) if (e.k === 'vital' && e.name in out) out[e.name] = e.value;
  },
  'web-vitals'(bodies, out) {
    for (const list of bodies.map(json)) for (const m of Array.isArray(list) ? list : []) if (m.name in out) out[m.name] = m.value;
  },
  faro(bodies, out) {
    for (const b of bodies.map(json))
      for (const m of b?.measurements || []) {
        if (m.type !== 'web-vitals') continue;
        for (const [k, n] of [['lcp', 'LCP'], ['cls', 'CLS'], ['inp', 'INP'], ['fcp', 'FCP'], ['ttfb', 'TTFB']]) if (k in m.values) out[n] = m.values[k];
      }
  },
  datadog(bodies, out) {
    // View updates carry the vitals in ns; the highest document_version is the latest.
    let best = -1;
    for (const e of bodies.flatMap(ndjson)) {
      if (e.type !== 'view' || !(e._dd?.document_version > best)) continue;
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
      if (!t) continue;
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

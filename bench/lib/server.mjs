// The benchmark's two loopback servers.
//
// Site (the shop, as a CDN would serve it): the product page with the
// contender's snippet, its ~40 resources, and the agents' files. Text and
// wasm are precompressed with brotli (quality 11) and sent with
// `Content-Encoding: br`; images are PNGs generated at their displayed size.
// Every response carries `Cache-Control: no-cache` (the browser revalidates
// each time) and, for files and images, an `ETag`: a request with a matching
// `If-None-Match` gets `304 Not Modified` and no body, as from a CDN. A first
// view (a fresh browser context, empty cache) downloads everything; a repeat
// view in the same context revalidates and reuses its HTTP cache (and the
// code caches keyed to it): equal for all contenders.
//
// Sink (a collector on another origin, as a real one is): accepts anything
// under /sink/<contender>/<view>/, answers CORS preflights, and records
// every request (method, path, header and body bytes as received).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { encodePng } from '../../tests/e2e/lib/server.mjs';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
};

const etag = (body) => `"${crypto.createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`;

export function brotli(buf) {
  return zlib.brotliCompressSync(buf, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 22, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
  });
}

// ---------------------------------------------------------------- PNG
/**
 * A w×h RGB PNG: a diagonal gradient in a colour picked from `name`, a
 * "product" ellipse, and sparse grain (one pixel in `grainEvery`) so it
 * weighs about what a photo of that size does: the 640×480 hero ≈ 97 KB, a
 * 200×200 card ≈ 22 KB, a 72×72 thumbnail ≈ 3.7 KB.
 */
export function png(name, w, h, grainEvery = 3) {
  let seed = 0;
  for (const ch of name) seed = (seed * 31 + ch.charCodeAt(0)) >>> 0;
  const hue = [(seed % 5) * 40 + 60, ((seed >> 3) % 5) * 30 + 90, ((seed >> 6) % 5) * 25 + 110];
  let x = seed || 1;
  const rows = [];
  for (let y = 0; y < h; y++) {
    const r = Buffer.alloc(1 + w * 3);
    r[0] = 4; // Paeth filter
    const up = rows.length ? rows[rows.length - 1].raw : null;
    const raw = Buffer.alloc(w * 3);
    for (let i = 0; i < w; i++) {
      const dx = (i - w / 2) / (w * 0.32);
      const dy = (y - h * 0.55) / (h * 0.22);
      const inShoe = dx * dx + dy * dy < 1;
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      const grain = (x >> 8) % grainEvery === 0 ? ((x >> 20) % 9) - 4 : 0;
      for (let c = 0; c < 3; c++) {
        const base = inShoe ? hue[c] * 0.6 + (i % 16 < 2 ? 20 : 0) : 255 - ((i + y) * 60) / (w + h) - c * 8;
        raw[i * 3 + c] = Math.max(0, Math.min(255, Math.round(base + grain)));
      }
    }
    for (let i = 0; i < raw.length; i++) {
      const a = i >= 3 ? raw[i - 3] : 0;
      const b = up ? up[i] : 0;
      const cc = up && i >= 3 ? up[i - 3] : 0;
      const pp = a + b - cc;
      const pa = Math.abs(pp - a), pb = Math.abs(pp - b), pc = Math.abs(pp - cc);
      const pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : cc;
      r[1 + i] = (raw[i] - pred) & 0xff;
    }
    r.raw = raw;
    rows.push(r);
  }
  return encodePng(w, h, rows, 9);
}

// ---------------------------------------------------------------- servers
const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

/**
 * Starts the site and the sink.
 * `pageDir`: the shop's files; `agentsDir`: build/<contender>/<file>;
 * `snippet(contender, view)`: the HTML that replaces <!--AGENT-->.
 * `apiDelayMs`: server think time of the JSON APIs.
 */
export async function startServers({ pageDir, agentsDir, snippet, apiDelayMs = 120 }) {
  const cache = new Map(); // path → { body, headers, raw }
  function fileEntry(file, compress) {
    const key = file;
    if (!cache.has(key)) {
      const raw = fs.readFileSync(file);
      const type = MIME[path.extname(file)] || 'application/octet-stream';
      const body = compress ? brotli(raw) : raw;
      cache.set(key, { raw: raw.length, body, headers: { 'content-type': type, etag: etag(body), ...(compress ? { 'content-encoding': 'br' } : {}) } });
    }
    return cache.get(key);
  }
  const images = new Map();
  const template = fs.readFileSync(path.join(pageDir, 'product.html'), 'utf8');

  /** Per-view counters, reset by the harness. */
  const site = { agentBytes: 0, agentRawBytes: 0, agentFiles: [], pageRequests: 0, pageBytes: 0 };
  const send = (res, status, headers, body) => {
    res.writeHead(status, { 'cache-control': 'no-cache', 'timing-allow-origin': '*', ...headers });
    res.end(body);
    return body ? body.length : 0;
  };
  // A cached copy still valid: 304, no body (the headers a 304 may carry).
  const fresh = (req, res, headers) => {
    if (!headers.etag || req.headers['if-none-match'] !== headers.etag) return false;
    send(res, 304, { etag: headers.etag }, null);
    return true;
  };
  const siteServer = http.createServer(async (req, res) => {
    const u = new URL(req.url, 'http://x');
    const p = u.pathname;
    try {
      if (p === '/product.html') {
        const c = u.searchParams.get('c') || 'baseline';
        const html = Buffer.from(template.replace('<!--AGENT-->', snippet(c, u.searchParams.get('v') || '0')));
        const body = brotli(html);
        site.pageRequests++;
        site.pageBytes += send(res, 200, { 'content-type': MIME['.html'], 'content-encoding': 'br' }, body);
        return;
      }
      if (p.startsWith('/agents/')) {
        const [, , name, file] = p.split('/');
        const f = path.join(agentsDir, name, file);
        if (!f.startsWith(agentsDir) || !fs.existsSync(f)) return send(res, 404, {}, null);
        const e = fileEntry(f, true);
        const cached = fresh(req, res, e.headers);
        if (!cached) site.agentBytes += send(res, 200, e.headers, e.body);
        site.agentRawBytes += e.raw;
        site.agentFiles.push({ file, raw: e.raw, br: e.body.length, ...(cached && { notModified: true }) });
        return;
      }
      const img = p.match(/^\/img\/([a-z0-9-]+)\/(\d+)x(\d+)\.png$/);
      if (img) {
        if (!images.has(p)) images.set(p, png(img[1], Number(img[2]), Number(img[3])));
        const headers = { 'content-type': 'image/png', etag: etag(images.get(p)) };
        site.pageRequests++;
        if (!fresh(req, res, headers)) site.pageBytes += send(res, 200, headers, images.get(p));
        return;
      }
      if (p.startsWith('/static/') || p.startsWith('/api/')) {
        const rel = p.replace(/^\/static\//, '').replace(/^\/api\//, 'api/');
        const f = path.join(pageDir, rel);
        if (!f.startsWith(pageDir) || !fs.existsSync(f)) return send(res, 404, {}, null);
        if (p.startsWith('/api/')) await new Promise((r) => setTimeout(r, apiDelayMs));
        const e = fileEntry(f, true);
        site.pageRequests++;
        if (!fresh(req, res, e.headers)) site.pageBytes += send(res, 200, e.headers, e.body);
        return;
      }
      send(res, 404, { 'content-type': 'text/plain' }, null);
    } catch (e) {
      send(res, 500, { 'content-type': 'text/plain' }, Buffer.from(String(e)));
    }
  });

  /** Every request the sink received: { contender, view, method, path, headerBytes, bodyBytes, body, headers, t }. */
  const received = [];
  const sinkServer = http.createServer(async (req, res) => {
    const parts = [];
    for await (const c of req) parts.push(c);
    const body = Buffer.concat(parts);
    const u = new URL(req.url, 'http://x');
    const m = u.pathname.match(/^\/sink\/([^/]+)\/([^/]+)/);
    // Request line + headers as they went over the wire (HTTP/1.1).
    let headerBytes = `${req.method} ${req.url} HTTP/1.1\r\n`.length + 2;
    for (let i = 0; i < req.rawHeaders.length; i += 2) headerBytes += req.rawHeaders[i].length + req.rawHeaders[i + 1].length + 4;
    received.push({
      contender: m ? m[1] : '?',
      view: m ? m[2] : '?',
      method: req.method,
      path: u.pathname + u.search,
      headers: req.headers,
      headerBytes,
      bodyBytes: body.length,
      body,
      t: Date.now(),
    });
    const origin = req.headers.origin;
    res.writeHead(req.method === 'OPTIONS' ? 204 : 202, {
      ...(origin ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'origin' } : {}),
      'access-control-allow-methods': 'GET, POST, PUT, OPTIONS',
      'access-control-allow-headers': req.headers['access-control-request-headers'] || 'content-type',
      // A collector lets browsers cache its preflight answer (Chromium caps this at 2 h).
      'access-control-max-age': '7200',
    });
    res.end();
  });

  const sitePort = await listen(siteServer);
  const sinkPort = await listen(sinkServer);
  return {
    siteUrl: `http://127.0.0.1:${sitePort}`,
    sinkUrl: `http://127.0.0.1:${sinkPort}`,
    site,
    received,
    resetSite() {
      Object.assign(site, { agentBytes: 0, agentRawBytes: 0, agentFiles: [], pageRequests: 0, pageBytes: 0 });
    },
    close: () => Promise.all([siteServer, sinkServer].map((s) => new Promise((r) => (s.closeAllConnections?.(), s.close(r))))),
  };
}

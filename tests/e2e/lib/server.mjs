// A test web server: serves www/, pkg/ and node_modules/ with fault
// injection, and a recording collector endpoint whose answers tests script.
//
//   ?delay=MS      answer after MS milliseconds (slow images, slow wasm)
//   ?status=N      answer with status N and an empty body (broken image, 404 module)
//   /img/W/H.png   a solid PNG of exactly W×H pixels (LCP candidates must be
//                  served at their displayed size)
//   POST /collect  records the body; answers from `plan` (default 204)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/**
 * An 8-bit RGB PNG of w×h pixels from its filtered scanlines (each row:
 * filter byte + w×3 bytes), deflated at zlib `level`.
 */
export function encodePng(w, h, rows, level = zlib.constants.Z_DEFAULT_COMPRESSION) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows), { level })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A solid-colour RGB PNG of w×h pixels (with a little noise so it is not trivially tiny). */
export function png(w, h, seed = 1) {
  const row = Buffer.alloc(1 + w * 3);
  const rows = [];
  let x = seed;
  for (let y = 0; y < h; y++) {
    const r = Buffer.from(row);
    for (let i = 1; i < r.length; i++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      r[i] = 90 + (x % 40);
    }
    rows.push(r);
  }
  return encodePng(w, h, rows);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the server on 127.0.0.1 (random port).
 * Returns { url, port, beacons, plan, headers, close }:
 *   beacons: [{ body, json, headers, t }] recorded POSTs to /collect
 *   plan: array of { status, headers, delayMs } consumed one per POST /collect (then 204)
 *   headers: { '/path': { name: value } } extra response headers per path
 */
export async function startServer() {
  const beacons = [];
  const wv = [];
  const echoes = [];
  const plan = [];
  const headers = {};
  // Per-path delays (ms) and statuses, for slow or blocked files.
  const delays = {};
  const statuses = {};
  const waiters = new Set();
  const server = http.createServer((req, res) =>
    // A client that aborts mid-request (abort and timeout tests) is not an error.
    handle(req, res).catch(() => res.destroy()),
  );
  const handle = async (req, res) => {
    const u = new URL(req.url, 'http://x');
    const q = u.searchParams;
    const cors = {
      'access-control-allow-origin': req.headers.origin || '*',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type',
      vary: 'origin',
    };
    if (q.get('delay')) await sleep(Number(q.get('delay')));
    if (delays[u.pathname]) await sleep(delays[u.pathname]);
    if (statuses[u.pathname]) return res.writeHead(statuses[u.pathname], { 'content-type': 'text/plain' }).end();
    // A classic script of a given size that does a little work: a stand-in
    // for an agent that blocks the parser.
    const js = u.pathname.match(/^\/js\/(\d+)\.js$/);
    if (js) {
      const n = Number(js[1]);
      let body = 'var __blk=0;';
      let i = 0;
      while (body.length < n - 40) body += `function f${i}(a){return a*${i}+__blk}__blk+=f${i++}(1);`;
      return res.writeHead(200, { 'content-type': 'text/javascript' }).end(body);
    }
    if (u.pathname === '/wv' && req.method === 'POST') {
      // web-vitals' own reports, from test pages that run it beside our agent.
      const parts = [];
      for await (const c of req) parts.push(c);
      try {
        wv.push(JSON.parse(Buffer.concat(parts).toString('utf8')));
      } catch {}
      res.writeHead(204, cors).end();
      for (const w of waiters) w();
      return;
    }
    if (u.pathname.endsWith('/collect') || u.pathname.startsWith('/v1/') || u.pathname === '/faro/collect') {
      if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
      const parts = [];
      for await (const c of req) parts.push(c);
      const raw = Buffer.concat(parts);
      // The agent gzips what it sends while the page is visible (no
      // Content-Encoding header: a collector recognises the magic bytes).
      const gzipped = raw[0] === 0x1f && raw[1] === 0x8b;
      const body = (gzipped ? zlib.gunzipSync(raw) : raw).toString('utf8');
      const step = plan.shift() || { status: 204 };
      let json = null;
      try {
        json = JSON.parse(body);
      } catch {}
      if (step.status < 300) beacons.push({ path: u.pathname, body, json, gzipped, bytes: raw.length, headers: req.headers, t: Date.now() });
      const answer = () => res.writeHead(step.status, { ...cors, ...(step.headers || {}) }).end();
      if (step.delayMs) setTimeout(answer, step.delayMs);
      else answer();
      for (const w of waiters) w();
      return;
    }
    if (u.pathname === '/echo') {
      // Echoes the request (headers, body, traceparent), for HTTP tests.
      if (req.method === 'OPTIONS') {
        return res.writeHead(204, { ...cors, 'access-control-allow-headers': req.headers['access-control-request-headers'] || '' }).end();
      }
      const parts = [];
      for await (const c of req) parts.push(c);
      const out = { method: req.method, headers: req.headers, body: Buffer.concat(parts).toString('utf8'), traceparent: req.headers.traceparent || null };
      echoes.push(out);
      const h = { 'content-type': 'application/json', ...cors, 'server-timing': 'app;dur=12.5' };
      if (q.get('stream')) {
        res.writeHead(200, h);
        for (let i = 0; i < 5; i++) {
          res.write(JSON.stringify(out).slice(0, 40));
          await sleep(20);
        }
        return res.end();
      }
      return res.writeHead(Number(q.get('status') || 200), h).end(JSON.stringify(out));
    }
    const status = Number(q.get('status') || 0);
    if (status) return res.writeHead(status, { 'content-type': 'text/plain' }).end();
    const img = u.pathname.match(/^\/img\/(\d+)\/(\d+)\.png$/);
    if (img) {
      return res
        .writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store', 'timing-allow-origin': '*' })
        .end(png(Number(img[1]), Number(img[2]), Number(q.get('seed') || 1)));
    }
    let file;
    if (u.pathname.startsWith('/pkg/')) file = path.join(ROOT, u.pathname);
    else if (u.pathname.startsWith('/node_modules/')) file = path.join(ROOT, u.pathname);
    else file = path.join(ROOT, 'www', u.pathname);
    if (file.endsWith('/')) file += 'index.html';
    if (!file.startsWith(ROOT)) return res.writeHead(403).end();
    fs.readFile(file, (err, data) => {
      if (err) return res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      // Test pages name their collector as __COLLECTOR__; `?collector=` picks
      // it (default: this server's recording endpoint).
      if (file.endsWith('.html')) {
        const collector = q.get('collector') || `http://127.0.0.1:${port}/collect`;
        let html = data.toString('utf8').replaceAll('__COLLECTOR__', collector);
        // The loader snippet exactly as built (pkg/snippet.js), inlined.
        if (html.includes('__SNIPPET__')) html = html.replace('__SNIPPET__', fs.readFileSync(path.join(ROOT, 'pkg/snippet.js'), 'utf8'));
        // `?build=full`: a page's script tags load that build of the package.
        if (/^[a-z]+$/.test(q.get('build') || '')) html = html.replaceAll('"/pkg/rum.js"', `"/pkg/${q.get('build')}/rum.js"`);
        data = Buffer.from(html);
      }
      res.writeHead(200, {
        'content-type': MIME[path.extname(file)] || 'application/octet-stream',
        // no-store would keep pages out of the back/forward cache.
        'cache-control': 'no-cache',
        'timing-allow-origin': '*',
        ...(headers[u.pathname] || {}),
      });
      res.end(data);
    });
  };
  let port = 0;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    beacons,
    wv,
    echoes,
    plan,
    headers,
    delays,
    statuses,
    /** Resolves when `pred(beacons)` is true (checked on every beacon), or rejects after `ms`. */
    waitFor(pred, ms = 10000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const v = pred(beacons, wv);
          if (v) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(v);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${ms} ms waiting for beacons (${beacons.length} so far)`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

/**
 * The recorded native batches, each request once: the agent may deliver one
 * request twice (a beacon and its stored copy, docs/protocol.md), and a
 * collector stores it once by (`view.id`, `seq`).
 */
export function unique(beacons) {
  const seen = new Set();
  return beacons.filter((b) => {
    if (!b.json || !b.json.view) return true;
    const key = `${b.json.view.id} ${b.json.seq}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Every event of every recorded native batch, with its batch attached. */
export function events(beacons) {
  return beacons.flatMap((b) => (b.json && b.json.events ? b.json.events.map((e) => ({ ...e, batch: b.json })) : []));
}

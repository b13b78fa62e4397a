// Starts the real rum-collector binary for end-to-end tests:
//
//   const c = await startCollector({ args: ['--static', '/demo=www/demo'] });
//   … c.url (http://127.0.0.1:PORT), c.port, c.dbPath …
//   await c.stop();
//
// The binary is process.env.RUM_COLLECTOR_BIN or target/release/rum-collector
// (build it with `cargo build --release -p rum-collector`). Each collector
// gets a fresh database in a temporary directory and a free port
// (`--listen 127.0.0.1:0`; the binary prints `listening on http://…`).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const COLLECTOR_BIN = process.env.RUM_COLLECTOR_BIN || path.join(ROOT, 'target/release/rum-collector');

export async function startCollector({ args = [], env, dbPath, cwd = ROOT, timeoutMs = 20000 } = {}) {
  if (!fs.existsSync(COLLECTOR_BIN)) {
    throw new Error(`${COLLECTOR_BIN} is missing: run \`cargo build --release -p rum-collector\` first`);
  }
  const dir = dbPath ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'rum-collector-'));
  const db = dbPath || path.join(dir, 'rum.db');
  const child = spawn(COLLECTOR_BIN, ['--listen', '127.0.0.1:0', '--db', db, ...args], {
    cwd,
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`rum-collector did not start in ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`rum-collector exited (${code ?? signal}) before listening\n${stderr}`));
    });
  });
  const port = Number(new URL(url).port);
  let stopped = null;
  return {
    url,
    port,
    dbPath: db,
    pid: child.pid,
    process: child,
    get stderr() {
      return stderr;
    },
    /** Graceful stop (SIGTERM: finish requests, commit, checkpoint). */
    async stop({ keepDb = false } = {}) {
      if (!stopped) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        stopped = exited;
      }
      const r = await stopped;
      if (dir && !keepDb) fs.rmSync(dir, { recursive: true, force: true });
      return r;
    },
    /** kill -9: no chance to flush anything. */
    async kill() {
      child.kill('SIGKILL');
      stopped = exited;
      return exited;
    },
  };
}

/** GET a JSON API path of a started collector. */
export async function api(c, pathAndQuery) {
  // `c.readKey`: a collector started with --read-key.
  const headers = c.readKey ? { authorization: `Bearer ${c.readKey}` } : {};
  const r = await fetch(c.url + pathAndQuery, { headers });
  if (!r.ok) throw new Error(`${pathAndQuery}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
}

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor(fn, { timeoutMs = 15000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ---- Native-protocol batches (docs/protocol.md) for collector tests, shaped like what the agent sends.
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
export const action = (name, dur, extra = {}) => ({ k: 'action', t: Date.now() - 300, type: 'click', name, target: 'button#b', dur, ...extra });
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

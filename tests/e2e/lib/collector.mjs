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
  const r = await fetch(c.url + pathAndQuery);
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

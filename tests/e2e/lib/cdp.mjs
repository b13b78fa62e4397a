// A minimal Chrome DevTools Protocol client over our own Chromium process,
// shared by the end-to-end tests and the benchmark (bench/lib/cdp.mjs).
//
// Playwright makes every page it manages "visible" and disables the
// back/forward cache; Web Vitals and agents' flush-on-hide depend on both.
// So these drive Chromium through plain CDP: real tab switches
// (Target.activateTarget) hide a page, background targets load hidden,
// history navigation restores from the bfcache, and input comes from
// Input.dispatch* (trusted events).
import WebSocket from 'ws';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM, ARGS } from './browser.mjs';

/** `args`: Chromium's flags (the tests' by default); `prefix`: of the profile directory. */
export async function launchChrome(extraArgs = [], { args = ARGS, prefix = 'rum-cdp-' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const proc = spawn(CHROMIUM, [...args, '--remote-debugging-port=0', `--user-data-dir=${dir}`, ...extraArgs, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wsUrl = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('chromium did not start: ' + buf)), 30000);
    proc.stderr.on('data', (d) => {
      buf += d;
      const m = buf.match(/DevTools listening on (ws:\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => reject(new Error(`chromium exited (${code}): ${buf}`)));
  });
  const ws = new WebSocket(wsUrl, { perMessageDeflate: false, maxPayload: 1024 * 1024 * 1024 });
  await new Promise((r, j) => (ws.on('open', r), ws.on('error', j)));
  let nextId = 0;
  const pending = new Map();
  const listeners = new Set();
  ws.on('message', (data) => {
    const msg = JSON.parse(data);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject, method } = pending.get(msg.id);
      pending.delete(msg.id);
      msg.error ? reject(new Error(`${method}: ${msg.error.message} (${msg.error.code})`)) : resolve(msg.result);
    } else if (msg.method) {
      for (const l of listeners) l(msg);
    }
  });
  const send = (method, params = {}, sessionId) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject, method });
      ws.send(JSON.stringify({ id, method, params, sessionId }));
    });
  const on = (f) => (listeners.add(f), () => listeners.delete(f));
  /** A browser-level event (any session), optionally matching `pred`. */
  const waitEvent = (method, pred = () => true, ms = 60000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => (off(), reject(new Error(`timed out waiting for ${method}`))), ms);
      const off = on((msg) => {
        if (msg.method === method && pred(msg)) {
          clearTimeout(timer);
          off();
          resolve(msg.params);
        }
      });
    });

  async function newPage({ browserContextId, background = false, url = 'about:blank' } = {}) {
    const { targetId } = await send('Target.createTarget', { url, background, ...(browserContextId ? { browserContextId } : {}) });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(send, on, targetId, sessionId);
    await page.init();
    return page;
  }

  /**
   * Records a trace (browser-wide, so a renderer swap at navigation is
   * still in it); returns a function that stops and resolves to the events.
   */
  async function startTracing(categories) {
    await send('Tracing.start', {
      transferMode: 'ReturnAsStream',
      traceConfig: { recordMode: 'recordAsMuchAsPossible', includedCategories: categories, excludedCategories: ['*'] },
    });
    return async () => {
      const done = waitEvent('Tracing.tracingComplete');
      await send('Tracing.end');
      const { stream } = await done;
      const chunks = [];
      for (;;) {
        const r = await send('IO.read', { handle: stream, size: 8 * 1024 * 1024 });
        chunks.push(r.base64Encoded ? Buffer.from(r.data, 'base64').toString('utf8') : r.data);
        if (r.eof) break;
      }
      await send('IO.close', { handle: stream });
      const parsed = JSON.parse(chunks.join(''));
      return Array.isArray(parsed) ? parsed : parsed.traceEvents;
    };
  }

  return {
    send,
    on,
    waitEvent,
    newPage,
    startTracing,
    async close() {
      const exited = new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      // A clean exit takes its child processes with it (SIGKILL can leave a
      // renderer writing into the profile directory for a moment).
      await Promise.race([send('Browser.close').catch(() => {}), new Promise((r) => setTimeout(r, 3000))]);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      ws.close();
      // Best effort, and once more a moment later: a helper process that
      // outlives the browser by a few ms can recreate the profile directory.
      const rm = () => {
        try {
          fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
        } catch {}
      };
      rm();
      await new Promise((r) => setTimeout(r, 300));
      rm();
    },
  };
}

export class Page {
  constructor(send, on, targetId, sessionId) {
    this.send = (m, p) => send(m, p, sessionId);
    this.browserSend = send;
    this.on = on;
    this.targetId = targetId;
    this.sessionId = sessionId;
    this.exceptions = [];
    this.console = [];
  }

  async init() {
    this.on((msg) => {
      if (msg.sessionId !== this.sessionId) return;
      if (msg.method === 'Runtime.exceptionThrown') this.exceptions.push(msg.params.exceptionDetails);
      if (msg.method === 'Runtime.consoleAPICalled')
        this.console.push({ type: msg.params.type, text: msg.params.args.map((a) => a.value ?? a.description).join(' ') });
    });
    await this.send('Page.enable');
    await this.send('Runtime.enable');
  }

  waitEvent(method, ms = 30000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => (off(), reject(new Error(`timed out waiting for ${method}`))), ms);
      const off = this.on((msg) => {
        if (msg.sessionId === this.sessionId && msg.method === method) {
          clearTimeout(timer);
          off();
          resolve(msg.params);
        }
      });
    });
  }

  /** Navigates and waits for the load event. */
  async goto(url) {
    const loaded = this.waitEvent('Page.loadEventFired');
    await this.send('Page.navigate', { url });
    await loaded;
  }

  async evaluate(expression) {
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error('evaluate failed: ' + JSON.stringify(r.exceptionDetails));
    return r.result.value;
  }

  async waitFor(expression, ms = 30000) {
    const end = Date.now() + ms;
    for (;;) {
      if (await this.evaluate(expression).catch(() => false)) return;
      if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** A trusted click at (x, y) (CSS pixels in the viewport). */
  async clickAt(x, y) {
    await this.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
    await this.send('Input.dispatchMouseEvent', { type: 'mousePressed', x, y, button: 'left', buttons: 1, clickCount: 1 });
    await this.send('Input.dispatchMouseEvent', { type: 'mouseReleased', x, y, button: 'left', buttons: 0, clickCount: 1 });
  }

  /** A trusted click in the middle of the element matching `selector`. */
  async click(selector) {
    const box = await this.evaluate(
      `(() => { const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()`,
    );
    await this.clickAt(box.x, box.y);
  }

  /** A trusted key press (one interaction). */
  async press(key = 'a') {
    await this.send('Input.dispatchKeyEvent', { type: 'keyDown', key, text: key });
    await this.send('Input.dispatchKeyEvent', { type: 'keyUp', key });
  }

  /** Brings this tab to the front (the previous front tab becomes hidden). */
  async activate() {
    await this.browserSend('Target.activateTarget', { targetId: this.targetId });
  }

  async close() {
    await this.browserSend('Target.closeTarget', { targetId: this.targetId }).catch(() => {});
  }
}

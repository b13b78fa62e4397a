// A minimal Chrome DevTools Protocol client over our own Chromium process.
//
// Playwright makes every page it manages "visible" and disables the
// back/forward cache; Web Vitals depend on both. So the vitals tests drive
// Chromium through plain CDP: real tab switches (Target.activateTarget) hide
// a page, background targets load hidden, history navigation restores from
// the bfcache, and input comes from Input.dispatch* (trusted events).
import WebSocket from 'ws';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM, ARGS } from './browser.mjs';

export async function launchChrome(extraArgs = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rum-cdp-'));
  const proc = spawn(CHROMIUM, [...ARGS, '--remote-debugging-port=0', `--user-data-dir=${dir}`, ...extraArgs, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wsUrl = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('chromium did not start: ' + buf)), 20000);
    proc.stderr.on('data', (d) => {
      buf += d;
      const m = buf.match(/DevTools listening on (ws:\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  const ws = new WebSocket(wsUrl, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
  await new Promise((r, j) => (ws.on('open', r), ws.on('error', j)));
  let nextId = 0;
  const pending = new Map();
  const listeners = new Set();
  ws.on('message', (data) => {
    const msg = JSON.parse(data);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject } = pending.get(msg.id);
      pending.delete(msg.id);
      msg.error ? reject(new Error(`${msg.error.message} (${msg.error.code})`)) : resolve(msg.result);
    } else if (msg.method) {
      for (const l of listeners) l(msg);
    }
  });
  const send = (method, params = {}, sessionId) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params, sessionId }));
    });
  const on = (f) => (listeners.add(f), () => listeners.delete(f));

  async function newPage({ background = false } = {}) {
    const { targetId } = await send('Target.createTarget', { url: 'about:blank', background });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(send, on, targetId, sessionId);
    await page.init();
    return page;
  }

  return {
    send,
    newPage,
    async close() {
      ws.close();
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
      // Chromium may still be writing its profile as it dies: best effort,
      // and once more a moment later (a helper process that outlived the
      // browser by a few ms could recreate it).
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

  waitEvent(method, ms = 15000) {
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

  async waitFor(expression, ms = 15000) {
    const end = Date.now() + ms;
    for (;;) {
      if (await this.evaluate(expression).catch(() => false)) return;
      if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A trusted click in the middle of the element matching `selector`. */
  async click(selector) {
    const box = await this.evaluate(
      `(() => { const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()`,
    );
    for (const type of ['mouseMoved', 'mousePressed', 'mouseReleased']) {
      await this.send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', buttons: type === 'mousePressed' ? 1 : 0, clickCount: 1 });
    }
  }

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

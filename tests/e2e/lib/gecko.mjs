// Headless Firefox (Debian's firefox-esr) through geckodriver's WebDriver
// HTTP API: enough to load pages, run scripts and read results.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

export const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
export const GECKODRIVER = process.env.GECKODRIVER || `${process.env.HOME}/.cargo/bin/geckodriver`;

export const available = () => fs.existsSync(FIREFOX) && fs.existsSync(GECKODRIVER);

const freePort = () =>
  new Promise((r) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => r(p));
    });
  });

export async function launchFirefox() {
  const port = await freePort();
  const proc = spawn(GECKODRIVER, ['--host', '127.0.0.1', '--port', String(port)], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    const j = await r.json();
    if (!r.ok) throw new Error(`${method} ${path}: ${JSON.stringify(j.value)}`);
    return j.value;
  };
  for (let i = 0; ; i++) {
    try {
      await call('GET', '/status');
      break;
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const session = await call('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'firefox', 'moz:firefoxOptions': { binary: FIREFOX, args: ['-headless'] } } },
  });
  const id = session.sessionId;
  return {
    version: session.capabilities.browserVersion,
    goto: (url) => call('POST', `/session/${id}/url`, { url }),
    /** Runs `script` (a function body; may return a promise) and returns its value. */
    run: (script, args = []) => call('POST', `/session/${id}/execute/async`, {
      script: `const done = arguments[arguments.length - 1]; Promise.resolve((async () => { ${script} })()).then(done, (e) => done({ error: String(e) }));`,
      args,
    }),
    /** A real (trusted) click on the first element matching `css`, through WebDriver. */
    async click(css) {
      const el = await call('POST', `/session/${id}/element`, { using: 'css selector', value: css });
      await call('POST', `/session/${id}/element/${Object.values(el)[0]}/click`, {});
    },
    async close() {
      await call('DELETE', `/session/${id}`).catch(() => {});
      proc.kill();
    },
  };
}

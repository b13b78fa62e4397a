// Source maps end to end: a real app bundled and minified by esbuild (with
// source maps) throws from a named function and rejects a promise from
// another module, in Chromium and in Firefox; the agent reports to a real
// rum-collector; only then are the maps uploaded with
// `rum-collector sourcemaps upload`; /api/events, /api/errors and the
// dashboard then show the original file, line, column and function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCollector, api, waitFor, ROOT, COLLECTOR_BIN } from './lib/collector.mjs';
import { launch, newPage } from './lib/browser.mjs';
import { launchFirefox, available as firefoxAvailable } from './lib/gecko.mjs';

const RELEASE = '3.1.4';
const KEY = 'upload-secret';
const APP = path.join(ROOT, 'tests/e2e/sourcemap-app');

/** 1-based line and column of `needle` in a source of the app. */
function where(file, needle) {
  const lines = fs.readFileSync(path.join(APP, 'src', file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `${needle} not in ${file}`);
  return { line: i + 1, col: lines[i].indexOf(needle) + 1 };
}

function build() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rum-sourcemap-app-'));
  fs.cpSync(APP, work, { recursive: true });
  const dist = path.join(work, 'dist');
  execFileSync(path.join(ROOT, 'node_modules/.bin/esbuild'), [
    'src/main.js', '--bundle', '--minify', '--sourcemap', '--format=iife', '--target=es2020',
    `--outdir=${path.join(dist, 'assets')}`, '--entry-names=[name]-[hash]', '--log-level=error',
  ], { cwd: work });
  const [bundle] = fs.readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.js'));
  assert.ok(fs.existsSync(path.join(dist, 'assets', bundle + '.map')), 'esbuild wrote the map');
  return { work, dist, bundle };
}

function page(dist, bundle, collectorUrl) {
  fs.writeFileSync(path.join(dist, 'index.html'), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>shop</title>
<script type="module" src="/pkg/rum.js" data-url="${collectorUrl}/collect" data-app-name="shop" data-app-version="${RELEASE}" data-flush-interval-ms="100000"></script>
</head><body><h1>Shop</h1><script src="./assets/${bundle}"></script></body></html>`);
}

const errorsOf = async (c, browser) =>
  (await api(c, '/api/events?kind=error&limit=100')).events.filter((e) => e.browser.includes(browser) && ['js', 'promise'].includes(e.attributes.src));

test('errors from a minified esbuild bundle read as their sources once the maps are uploaded', async (t) => {
  const { work, dist, bundle } = build();
  const c = await startCollector({ args: ['--static', `/pkg=${path.join(ROOT, 'pkg')}`, '--static', `/app=${dist}`, '--admin-key', KEY] });
  const chromium = await launch();
  const ff = firefoxAvailable() ? await launchFirefox() : null;
  t.after(async () => {
    await ff?.close();
    await chromium.close();
    await c.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });
  page(dist, bundle, c.url);
  const url = `${c.url}/app/index.html`;

  // 1. The errors arrive, minified.
  const p = await newPage(chromium);
  await p.goto(url);
  await p.waitForFunction(() => window.appDone === true);
  await p.goto('about:blank');
  const browsers = ['Chrome'];
  if (ff) {
    await ff.goto(url);
    await ff.run('while (!window.appDone) await new Promise((r) => setTimeout(r, 20)); return true;');
    await ff.goto('about:blank');
    browsers.push('Firefox');
  } else {
    t.diagnostic('firefox-esr or geckodriver missing: Chromium only');
  }
  for (const b of browsers) await waitFor(async () => (await errorsOf(c, b)).length >= 2, { what: `two errors from ${b}` });
  const before = (await errorsOf(c, 'Chrome')).find((e) => e.attributes.type === 'RangeError');
  assert.ok(before.attributes.frames[0].file.endsWith(`/app/assets/${bundle}`), 'a minified frame');
  assert.equal(before.attributes.frames[0].original, undefined, 'no map yet');
  assert.equal(before.attributes.frames[0].line, 1, 'minified: one line');
  console.log('before upload:', JSON.stringify(before.attributes));

  // 2. Upload: refused without the key; a directory with one bad map sends
  // nothing; then the documented command.
  const denied = await fetch(`${c.url}/api/sourcemaps`, { method: 'POST', body: '{}' });
  assert.equal(denied.status, 401);
  const badDir = path.join(work, 'bad');
  fs.cpSync(path.join(dist, 'assets'), badDir, { recursive: true });
  fs.writeFileSync(path.join(badDir, 'broken.js.map'), '{"version":3,"sources":["a.js"],"mappings":"AKAA"');
  assert.throws(
    () => execFileSync(COLLECTOR_BIN, ['sourcemaps', 'upload', '--collector', c.url, '--release', RELEASE, '--url-prefix', '/app/assets/', '--key', KEY, badDir], { encoding: 'utf8', stdio: 'pipe' }),
    (e) => e.status === 1 && /1 invalid source map\(s\), nothing sent/.test(e.stderr) && /broken\.js\.map: not valid JSON/.test(e.stderr),
  );
  const none = await (await fetch(`${c.url}/api/sourcemaps`, { headers: { authorization: `Bearer ${KEY}` } })).json();
  assert.deepEqual(none.sourcemaps, [], 'nothing was sent');
  const out = execFileSync(COLLECTOR_BIN, ['sourcemaps', 'upload', '--collector', c.url, '--release', RELEASE, '--url-prefix', '/app/', dist], {
    env: { ...process.env, RUM_ADMIN_KEY: KEY },
    encoding: 'utf8',
  });
  assert.match(out, new RegExp(`/app/assets/${bundle.replace('.', '\\.')}`));
  assert.match(out, /uploaded 1 source map\(s\) for release 3\.1\.4/);
  const listed = await (await fetch(`${c.url}/api/sourcemaps?release=${RELEASE}`, { headers: { authorization: `Bearer ${KEY}` } })).json();
  assert.deepEqual(listed.sourcemaps.map((m) => m.url), [`/app/assets/${bundle}`]);

  // 3. The same stored events now read as their sources, in both stack formats.
  const thrown = where('cart.js', 'throw new RangeError');
  const newAt = where('cart.js', 'new RangeError');
  const rejected = where('prices.js', 'throw new TypeError');
  const rejectedNew = where('prices.js', 'new TypeError');
  for (const b of browsers) {
    const evs = await errorsOf(c, b);
    const range = evs.find((e) => e.attributes.type === 'RangeError');
    const o = range.attributes.frames[0].original;
    assert.ok(o, `${b}: the RangeError's top frame is symbolicated: ${JSON.stringify(range.attributes.frames)}`);
    assert.equal(o.file, '../../src/cart.js', b);
    assert.equal(o.fn, 'computeTotal', b);
    assert.equal(o.line, thrown.line, b);
    assert.ok([thrown.col, newAt.col].includes(o.col), `${b}: column ${o.col}`);
    assert.ok(o.context.lines.some((l) => l.includes('throw new RangeError')), `${b}: source context`);
    assert.ok(range.attributes.frames[0].file.endsWith(bundle), `${b}: the minified frame is kept`);
    const type = evs.find((e) => e.attributes.type === 'TypeError' && e.attributes.src === 'promise');
    const o2 = type.attributes.frames[0].original;
    assert.ok(o2, `${b}: the rejection's top frame is symbolicated: ${JSON.stringify(type.attributes.frames)}`);
    assert.equal(o2.file, '../../src/prices.js', b);
    assert.equal(o2.fn, 'loadPrices', b);
    assert.equal(o2.line, rejected.line, b);
    assert.ok([rejected.col, rejectedNew.col].includes(o2.col), `${b}: column ${o2.col}`);
    assert.equal(range.attributes.original?.fn, 'computeTotal', `${b}: the event's own location`);
    if (b === 'Chrome') console.log('after upload:', JSON.stringify(range.attributes));
    else console.log(`${b} after upload, top frames:`, JSON.stringify(range.attributes.frames[0]), JSON.stringify(type.attributes.frames[0]));
  }

  console.log(`symbolicated in ${browsers.join(' and ')}`);

  // 4. Grouped by cause: one issue per bug, whatever the browser's stack format.
  const { errors } = await api(c, '/api/errors?since=1h');
  const issue = errors.find((e) => e.type === 'RangeError');
  assert.equal(issue.count, browsers.length);
  assert.equal(issue.browsers.length, browsers.length, issue.browsers.join());
  for (const b of browsers) assert.ok(issue.browsers.some((n) => n.includes(b)), `${b} in ${issue.browsers}`);
  assert.deepEqual(issue.releases, [RELEASE]);
  assert.equal(issue.culprit, `computeTotal (../../src/cart.js:${thrown.line}:${issue.frame.col})`);
  const summary = await api(c, '/api/summary?since=1h');
  assert.deepEqual(summary.top_errors.map((e) => e.culprit).sort(), errors.map((e) => e.culprit).sort());

  // 5. The dashboard shows where.
  const dash = await newPage(chromium);
  await dash.goto(c.url + '/');
  await dash.waitForSelector('body[data-loaded]');
  const shown = await dash.$$eval('#errors [data-testid="error-where"]', (els) => els.map((e) => e.textContent));
  assert.ok(shown.includes(`at ${issue.culprit}`), `dashboard: ${shown}`);
  assert.ok(shown.some((s) => s.startsWith('at loadPrices (../../src/prices.js:')), `dashboard: ${shown}`);
  assert.deepEqual(dash.pageErrors, []);
});

// The built package in real Chromium: script tag and Vite-built npm app.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { events, ROOT } from './lib/server.mjs';
import { newPage, useServerAndBrowser } from './lib/browser.mjs';

const env = useServerAndBrowser();

/** Line (1-based) of the first line of `file` containing `needle`. */
function lineOf(file, needle) {
  const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `${needle} in ${file}`);
  return i + 1;
}

test('script tag: navigation, resources and errors reach the collector', async () => {
  env.server.beacons.length = 0;
  const page = await newPage(env.browser);
  const url = `${env.server.url}/test/basic.html`;
  await page.goto(url);
  await page.evaluate(() => window.ready);
  await page.waitForFunction(() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0);
  await page.waitForFunction(() => document.getElementById('late-broken')?.complete);
  const navInPage = await page.evaluate(() => performance.getEntriesByType('navigation')[0].toJSON());
  const tzInPage = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  // Leaving the page is the real trigger (pagehide → sendBeacon).
  await page.goto('about:blank');
  await env.server.waitFor((b) => {
    const evs = events(b);
    return evs.some((e) => e.k === 'nav') && evs.filter((e) => e.k === 'error').length >= 4;
  });
  const evs = events(env.server.beacons);
  const batch = evs[0].batch;
  assert.equal(batch.v, 1);
  assert.equal(batch.app.name, 'basic-test');
  assert.equal(batch.app.version, '2.0.1');
  assert.equal(batch.app.env, 'test');
  assert.equal(batch.view.url, url);
  assert.ok(batch.session.id.length >= 16);
  // The user agent rides in the User-Agent header, not in the body.
  assert.equal(batch.env.ua, undefined);
  assert.match(env.server.beacons[0].headers['user-agent'], /Chrome/);
  // From the first batch on (Temporal: read at start, no ICU load).
  assert.equal(batch.env.tz, tzInPage);

  // Navigation timing: the page's own entry, to the 0.1 ms we send.
  const nav = evs.find((e) => e.k === 'nav');
  for (const k of ['fetchStart', 'requestStart', 'responseStart', 'responseEnd', 'domInteractive',
    'domContentLoadedEventEnd', 'domComplete', 'loadEventStart', 'loadEventEnd', 'duration']) {
    assert.ok(Math.abs((nav[k] || 0) - navInPage[k]) <= 0.051, `${k}: ${nav[k]} vs ${navInPage[k]}`);
  }
  assert.equal(nav.type, navInPage.type);
  assert.equal(nav.transferSize || 0, navInPage.transferSize);

  // Resources: the delayed hero image, with its real duration.
  const hero = evs.find((e) => e.k === 'res' && e.url.includes('/img/400/200.png'));
  assert.ok(hero, 'hero image resource');
  assert.equal(hero.type, 'img');
  assert.ok(hero.dur >= 290, `hero dur ${hero.dur}`);
  assert.ok(!evs.some((e) => e.k === 'res' && e.url.includes('/collect')), 'own beacons excluded');

  // Errors: the thrown TypeError with frames at the page's real lines.
  const thrown = evs.find((e) => e.k === 'error' && e.src === 'js');
  assert.equal(thrown.type, 'TypeError');
  assert.equal(thrown.msg, 'boom from basic page');
  assert.equal(thrown.frames[0].fn, 'explode');
  assert.equal(thrown.frames[0].file, url);
  assert.equal(thrown.frames[0].line, lineOf('www/test/basic.html', "throw new TypeError('boom"));
  assert.equal(thrown.line, thrown.frames[0].line);
  const rejected = evs.find((e) => e.k === 'error' && e.src === 'promise');
  assert.equal(rejected.msg, 'rejected in basic page');
  assert.equal(rejected.frames[0].fn, 'failLater');
  assert.equal(rejected.frames[0].line, lineOf('www/test/basic.html', "throw new Error('rejected"));
  const broken = evs.find((e) => e.k === 'error' && e.src === 'resource' && e.file.includes('late-missing'));
  assert.ok(broken, 'late broken image reported');
  assert.equal(broken.tag, 'img');
  // The image that failed before the agent started is found in Resource Timing.
  const early = evs.find((e) => e.k === 'error' && e.src === 'resource' && e.file.includes('/missing.png'));
  assert.ok(early, 'early broken image reported');
  assert.match(early.msg, /\(HTTP 404\)$/);
  assert.deepEqual(page.pageErrors.filter((e) => !/boom|rejected/.test(e)), []);
  await page.close();
});

test('npm package: packed, installed into a Vite app, built, and reporting', async () => {
  env.server.beacons.length = 0;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rum-vite-'));
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: path.join(ROOT, 'pkg') })
    .toString()
    .trim()
    .split('\n')
    .pop();
  fs.cpSync(path.join(ROOT, 'tests/e2e/vite-app'), work, { recursive: true });
  execFileSync('npm', ['install', '--no-save', '--offline', '--no-audit', '--no-fund', path.join(work, tarball)], { cwd: work });
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error', '--outDir', path.join(ROOT, 'www/.vite-app')], { cwd: work });
  const page = await newPage(env.browser);
  await page.goto(`${env.server.url}/.vite-app/index.html?collector=${encodeURIComponent(env.server.url + '/collect')}`);
  const result = await page.waitForFunction(() => window.rumResult).then((h) => h.jsonValue());
  assert.equal(result, 'ok');
  await page.evaluate(() => window.rum.flush());
  await env.server.waitFor((b) => events(b).some((e) => e.k === 'event' && e.name === 'vite-app-ready'));
  const ev = events(env.server.beacons).find((e) => e.name === 'vite-app-ready');
  assert.equal(ev.batch.app.name, 'vite-app');
  assert.equal(ev.attrs.bundler, 'vite');
  assert.deepEqual(page.pageErrors, []);
  await page.close();
  fs.rmSync(path.join(ROOT, 'www/.vite-app'), { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

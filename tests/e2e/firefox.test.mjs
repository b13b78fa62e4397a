// Firefox: the agent loads, reports what Firefox supports (no layout-shift,
// no long tasks there), parses Firefox's stack format, and throws nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, events, ROOT } from './lib/server.mjs';
import { launchFirefox, available } from './lib/gecko.mjs';
import { ACTIONS_BUILD } from './lib/builds.mjs';

let server, ff;
before(async () => {
  server = await startServer();
  if (available()) ff = await launchFirefox();
});
after(async () => {
  await ff?.close();
  await server?.close();
});

const lineOf = (file, needle) => fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;

test('Firefox: errors with parsed frames, navigation, resources, supported vitals, no error from us', { skip: !available() && 'firefox-esr or geckodriver missing' }, async () => {
  server.beacons.length = 0;
  const url = `${server.url}/test/basic.html`;
  await ff.goto(url);
  const state = await ff.run(`
    await window.ready;
    while (!(performance.getEntriesByType('navigation')[0]?.loadEventEnd > 0)) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 400));
    return { ua: navigator.userAgent, ours: (window.ourErrors || []) };
  `);
  assert.match(state.ua, /Firefox/);
  await ff.goto('about:blank');
  await server.waitFor((b) => {
    const evs = events(b);
    return evs.some((e) => e.k === 'nav') && evs.filter((e) => e.k === 'error').length >= 3;
  });
  const evs = events(server.beacons);
  assert.equal(evs[0].batch.app.name, 'basic-test');
  assert.ok(evs.some((e) => e.k === 'res' && e.url.includes('/img/400/200.png')), 'resources');
  const thrown = evs.find((e) => e.k === 'error' && e.src === 'js');
  assert.equal(thrown.type, 'TypeError');
  assert.equal(thrown.msg, 'boom from basic page');
  assert.equal(thrown.frames[0].fn, 'explode', 'Firefox stack parsed');
  assert.equal(thrown.frames[0].line, lineOf('www/test/basic.html', "throw new TypeError('boom"));
  assert.ok(evs.some((e) => e.k === 'error' && e.src === 'promise' && e.frames?.[0]?.fn === 'failLater'));
  assert.ok(evs.some((e) => e.k === 'error' && e.src === 'resource' && e.tag === 'img'));
  const vitals = evs.filter((e) => e.k === 'vital').map((e) => e.name);
  assert.ok(vitals.includes('TTFB') && vitals.includes('FCP'), `vitals: ${vitals}`);
  assert.ok(!vitals.includes('CLS') && !vitals.includes('TTI'), 'nothing Firefox cannot measure');
  // No error from our own files reached the page.
  assert.ok(!evs.some((e) => e.k === 'error' && /rum_agent|\/pkg\/rum\.js/.test(e.file || '')));
  console.log(`Firefox ${ff.version}: vitals ${[...new Set(vitals)].join(', ')}; ${evs.length} events`);
});

test('Firefox: an SPA route reports under its own URL', { skip: !available() && 'firefox-esr or geckodriver missing' }, async () => {
  server.beacons.length = 0;
  const landing = `${server.url}/test/spa.html`;
  await ff.goto(landing);
  const hasNavigationApi = await ff.run(`
    await window.ready;
    await window.fail('ff landing');
    history.pushState({}, '', '/test/spa/checkout');
    await window.fail('ff checkout');
    return !!window.navigation;
  `);
  await ff.goto('about:blank');
  const msgs = ['ff landing', 'ff checkout'];
  await server.waitFor((b) => msgs.every((m) => events(b).some((e) => e.k === 'error' && e.msg === m)));
  const url = (m) => events(server.beacons).find((e) => e.k === 'error' && e.msg === m).batch.view.url;
  assert.equal(url('ff landing'), landing);
  // pushState is seen through the Navigation API (Firefox 147+).
  assert.equal(url('ff checkout'), hasNavigationApi ? `${server.url}/test/spa/checkout` : landing);
  console.log(`Firefox ${ff.version}: Navigation API ${hasNavigationApi ? 'present' : 'absent'}`);
});

test('Firefox: user actions without long-animation-frame data, no error from us', { skip: !available() && 'firefox-esr or geckodriver missing' }, async () => {
  server.beacons.length = 0;
  await ff.goto(`${server.url}/test/actions.html?build=${ACTIONS_BUILD}`);
  await ff.run(`await window.ready; await new Promise((r) => setTimeout(r, 300));`);
  await ff.click('#buy');
  await ff.run(`while (!document.getElementById('status').textContent.startsWith('added')) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 1300));`);
  await ff.click('#dead');
  const loaf = await ff.run(`await new Promise((r) => setTimeout(r, 1300)); await window.rum.flush();
    return PerformanceObserver.supportedEntryTypes.includes('long-animation-frame');`);
  assert.equal(loaf, false, 'Firefox has no LoAF');
  await server.waitFor((b) => events(b).filter((e) => e.k === 'action').length >= 2);
  const actions = events(server.beacons).filter((e) => e.k === 'action');
  const buy = actions.find((a) => a.target.endsWith('#buy'));
  assert.equal(buy.name, 'Add to cart');
  assert.equal(buy.http, 1);
  assert.ok(buy.dur >= 300, `duration covers the fetch: ${buy.dur}`);
  assert.equal(buy.long, undefined);
  assert.deepEqual(actions.find((a) => a.target.endsWith('#dead')).frust, ['dead']);
  await ff.goto('about:blank');
  assert.ok(!events(server.beacons).some((e) => e.k === 'error'), 'no error from the agent');
  console.log(`Firefox ${ff.version}: ${actions.length} actions`);
});

test('Firefox: the single-page app of soft.test.mjs: routes relabel, no soft view, no error', { skip: !available() && 'firefox-esr or geckodriver missing' }, async () => {
  server.beacons.length = 0;
  const landing = `${server.url}/test/soft/`;
  await ff.goto(landing);
  const state = await ff.run(`
    const errors = [];
    addEventListener('error', (e) => errors.push(String(e.message)));
    const wait = (ms) => new Promise((r) => setTimeout(r, ms));
    // both.js picks the build (?build=) with a dynamic import: bothReady
    // exists once that import has resolved.
    while (!window.bothReady) await wait(20);
    await window.bothReady;
    document.getElementById('go-p2').click();
    await wait(300);
    document.getElementById('go-p3').click();
    await wait(300);
    // Back (popstate): seen with or without the Navigation API.
    document.getElementById('back').click();
    await wait(300);
    await window.rum.pushEvent('after back');
    return { errors, softApi: PerformanceObserver.supportedEntryTypes.includes('soft-navigation'), path: location.pathname, hasNavigationApi: !!window.navigation };
  `);
  assert.equal(state.softApi, false, 'Firefox has no Soft Navigation API');
  assert.equal(state.path, '/test/soft/p2');
  assert.deepEqual(state.errors, []);
  await ff.goto('about:blank');
  await server.waitFor((b) => events(b).some((e) => e.k === 'event' && e.name === 'after back'));
  const evs = events(server.beacons);
  assert.equal(new Set(evs.map((e) => e.batch.view.id)).size, 1, 'one page view');
  assert.ok(!evs.some((e) => e.batch.view.nav === 'soft-navigation' || e.nav === 'soft-navigation'), 'no soft view');
  assert.equal(evs.find((e) => e.k === 'event' && e.name === 'after back').batch.view.url, `${server.url}/test/soft/p2`, 'the route relabels the view');
  assert.ok(!evs.some((e) => e.k === 'error'), 'no error');
});

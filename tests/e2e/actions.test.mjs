// User actions in Chromium: names (text, data-rum-name, labels; never an
// input's value), durations that cover the work an action started, and the
// frustration signals (rage, dead and error clicks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { events, startServer } from './lib/server.mjs';
import { startCollector, api } from './lib/collector.mjs';
import { useServerAndBrowser, newPage } from './lib/browser.mjs';
import { ACTIONS_BUILD } from './lib/builds.mjs';

const env = useServerAndBrowser();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Click actions are reported once the page settled (100 ms quiet) and the
// rage window (1 s after the last click) has passed.
const SETTLED = 1300;

test('clicks, submits and keys become named actions with their durations and frustration signals', async () => {
  const { server, browser } = env;
  server.beacons.length = 0;
  const page = await newPage(browser);
  await page.goto(`${server.url}/test/actions.html?build=${ACTIONS_BUILD}`);
  await page.evaluate(() => window.ready);
  await page.waitForFunction(() => performance.getEntriesByType('navigation')[0]?.loadEventEnd > 0);
  await sleep(300); // the agent's later start-up stages

  await page.click('#buy');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('added'));
  await sleep(SETTLED);
  await page.click('#named span');
  await sleep(SETTLED);
  await page.click('#pw');
  await page.keyboard.type('hunter2-SECRET-pw');
  await sleep(SETTLED);
  await page.click('#signin');
  await sleep(SETTLED);
  for (let i = 0; i < 5; i++) await page.click('#rage');
  await sleep(SETTLED);
  await page.click('#dead');
  await sleep(SETTLED);
  await page.click('#boom');
  await sleep(SETTLED);
  await page.click('#order');
  await sleep(SETTLED);
  await page.click('#search');
  await sleep(SETTLED);
  await page.keyboard.type('typed-value-XYZ');
  await page.keyboard.press('Enter');
  await sleep(400);
  await page.evaluate(() => window.rum.flush());
  await server.waitFor((b) => events(b).some((e) => e.k === 'action' && e.type === 'key'));

  const actions = events(server.beacons).filter((e) => e.k === 'action');
  const on = (sel) => actions.filter((a) => a.target.endsWith(sel));
  const one = (sel) => {
    const list = on(sel);
    assert.equal(list.length, 1, `one action on ${sel}: ${JSON.stringify(actions, null, 1)}`);
    return list[0];
  };
  console.log(JSON.stringify(actions.map(({ batch, ...a }) => a)));

  const buy = one('#buy');
  assert.equal(buy.type, 'click');
  assert.equal(buy.name, 'Add to cart');
  assert.equal(buy.http, 1);
  assert.ok(buy.dur >= 300 && buy.dur < 2000, `duration covers the 300 ms fetch: ${buy.dur}`);
  assert.equal(buy.frust, undefined);

  assert.equal(one('#named').name, 'Checkout step 2', 'data-rum-name wins over the text');
  const signin = one('#signin');
  assert.equal(signin.name, 'Sign in');
  assert.equal(on('#login').length, 0, 'the submit is the click\'s own action');
  assert.equal(on('#pw').length, 1, 'a click on the password field');
  assert.equal(on('#pw')[0].name, 'Password', 'named by its label');
  assert.equal(one('#order').name, 'Place order', 'an input button is named by its value');

  const rage = one('#rage');
  assert.equal(rage.clicks, 5);
  assert.deepEqual(rage.frust, ['rage']);
  assert.deepEqual(one('#dead').frust, ['dead']);
  const boom = one('#boom');
  assert.deepEqual(boom.frust, ['error'], JSON.stringify(boom));
  assert.ok(boom.errors >= 1);

  const key = actions.find((a) => a.type === 'key');
  assert.equal(key.name, 'Search');
  assert.ok(key.target.endsWith('#search'));
  assert.equal(actions.filter((a) => a.type === 'key').length, 1, 'typing is not an action, Enter is');

  // What the user typed never leaves the page.
  for (const b of server.beacons) {
    const text = JSON.stringify(b.json) + (typeof b.body === 'string' ? b.body : '');
    assert.ok(!text.includes('hunter2'), 'password value sent');
    assert.ok(!text.includes('typed-value'), 'input value sent');
  }
  assert.deepEqual(page.pageErrors.filter((e) => !e.includes('Explode handler failed')), []);
  await page.close();
});

test('actionNames: data-only names actions only by data-rum-name', async () => {
  const { server, browser } = env;
  server.beacons.length = 0;
  const page = await newPage(browser);
  await page.goto(`${server.url}/test/actions.html?build=${ACTIONS_BUILD}&names=data-only`);
  await page.evaluate(() => window.ready);
  await sleep(300);
  await page.click('#named');
  await sleep(SETTLED);
  await page.click('#buy');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('added'));
  await sleep(SETTLED);
  await page.evaluate(() => window.rum.flush());
  await server.waitFor((b) => events(b).filter((e) => e.k === 'action').length >= 2);
  const actions = events(server.beacons).filter((e) => e.k === 'action');
  assert.equal(actions.find((a) => a.target.endsWith('#named')).name, 'Checkout step 2');
  const buy = actions.find((a) => a.target.endsWith('#buy'));
  assert.equal(buy.name, undefined, 'no name from the text');
  await page.close();
});

test('the full build sends actions as faro.user.action (stored by /faro/collect) and as OTLP browser.user_action', async (t) => {
  const { server, browser } = env;
  const otel = await startServer(); // another origin, as a real OTLP receiver is
  const c = await startCollector();
  t.after(async () => {
    await otel.close();
    await c.stop();
  });
  const agentPage = (q) => `${server.url}/test/formats/agent.html?${new URLSearchParams({ build: ACTIONS_BUILD, ...q })}`;
  const clickBuy = async (url) => {
    const page = await newPage(browser);
    await page.goto(url);
    assert.equal(await page.evaluate(() => window.ready), 'started', await page.evaluate(() => window.initError));
    await sleep(300);
    await page.click('#buy');
    await sleep(SETTLED);
    await page.evaluate(() => window.rum.flush());
    return page;
  };

  server.beacons.length = 0;
  await clickBuy(agentPage({ format: 'faro', to: `${server.url}/faro/collect` }));
  await server.waitFor((b) => b.some((x) => x.path === '/faro/collect' && x.body.includes('faro.user.action')));
  const faroBodies = server.beacons.filter((x) => x.path === '/faro/collect');
  const ev = faroBodies.flatMap((b) => b.json.events || []).find((e) => e.name === 'faro.user.action');
  assert.equal(ev.attributes.userActionName, 'Buy');
  assert.equal(ev.attributes.userActionTrigger, 'click');
  assert.ok(Number(ev.attributes.userActionDuration) > 0);
  assert.ok(Object.values(ev.attributes).every((v) => typeof v === 'string'), 'Faro attributes are strings');
  for (const b of faroBodies) {
    const r = await fetch(`${c.url}/faro/collect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b.body });
    assert.ok(r.ok, `${r.status} ${await r.text()}`);
  }
  const stored = await api(c, '/api/events?kind=action&limit=10');
  assert.equal(stored.events[0].name, 'Buy');
  assert.equal(stored.events[0].attributes.type, 'click');
  assert.equal(stored.events[0].attributes.http, 1);

  await clickBuy(agentPage({ format: 'otlp', to: otel.url }));
  await otel.waitFor((b) => b.some((x) => x.path === '/v1/logs' && x.body.includes('browser.user_action')));
  const records = otel.beacons
    .filter((x) => x.path === '/v1/logs')
    .flatMap((b) => b.json.resourceLogs[0].scopeLogs[0].logRecords)
    .filter((r) => r.eventName === 'browser.user_action');
  const attrs = Object.fromEntries(records[0].attributes.map((a) => [a.key, Object.values(a.value)[0]]));
  assert.equal(attrs['browser.user_action.name'], 'Buy');
  assert.equal(attrs['browser.user_action.type'], 'click');
  assert.equal(attrs['browser.user_action.http_calls'], '1', 'an int64 as a decimal string');
  assert.ok(attrs['browser.user_action.duration'] > 0);
});

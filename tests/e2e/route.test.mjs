// Single-page-app routes: each error reaches the collector under the URL it
// happened on, not the one the app was loaded with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { events } from './lib/server.mjs';
import { newPage, useServerAndBrowser } from './lib/browser.mjs';

const env = useServerAndBrowser();

/** The page URL of the batch that carried the error `msg`. */
async function urlsOf(msgs) {
  await env.server.waitFor((b) => msgs.every((m) => events(b).some((e) => e.k === 'error' && e.msg === m)));
  const evs = events(env.server.beacons);
  return Object.fromEntries(msgs.map((m) => [m, evs.find((e) => e.k === 'error' && e.msg === m).batch.view.url]));
}

test('SPA: pushState, an in-page anchor and back/forward each report under the right URL', async () => {
  env.server.beacons.length = 0;
  const page = await newPage(env.browser);
  const landing = `${env.server.url}/test/spa.html`;
  await page.goto(landing);
  await page.evaluate(() => window.ready);
  await page.evaluate(() => window.fail('on landing'));
  await page.evaluate(() => history.pushState({}, '', '/test/spa/checkout?step=1'));
  await page.evaluate(() => window.fail('on checkout'));
  // An anchor on the same route is not a new route.
  await page.evaluate(() => (location.hash = 'reviews'));
  await page.evaluate(() => window.fail('at the anchor'));
  // Back twice (the anchor, then the checkout route): the landing URL again.
  await page.evaluate(() => history.go(-2));
  await page.waitForFunction(() => location.pathname === '/test/spa.html');
  await page.evaluate(() => window.fail('back on landing'));
  await page.evaluate(() => history.replaceState({}, '', '/test/spa/#/cart'));
  await page.evaluate(() => window.fail('on a hash route'));
  await page.goto('about:blank');
  const urls = await urlsOf(['on landing', 'on checkout', 'at the anchor', 'back on landing', 'on a hash route']);
  assert.deepEqual(urls, {
    'on landing': landing,
    'on checkout': `${env.server.url}/test/spa/checkout?step=1`,
    'at the anchor': `${env.server.url}/test/spa/checkout?step=1`,
    'back on landing': landing,
    'on a hash route': `${env.server.url}/test/spa/#/cart`,
  });
  // The page's five errors, and nothing from the agent.
  assert.equal(page.pageErrors.length, 5, page.pageErrors.join('\n'));
  // One page view throughout: a route is not a new document.
  assert.equal(new Set(events(env.server.beacons).map((e) => e.batch.view.id)).size, 1);
});

test('SPA without the Navigation API: back/forward and hash routes are still seen', async () => {
  env.server.beacons.length = 0;
  const page = await newPage(env.browser);
  const landing = `${env.server.url}/test/spa.html?nonav`;
  await page.goto(landing);
  await page.evaluate(() => window.ready);
  assert.equal(await page.evaluate(() => window.navigation), undefined);
  await page.evaluate(() => (location.hash = '/cart'));
  await page.evaluate(() => window.fail('hash route'));
  await page.evaluate(() => history.back());
  await page.waitForFunction(() => location.hash === '');
  await page.evaluate(() => window.fail('back'));
  await page.goto('about:blank');
  const urls = await urlsOf(['hash route', 'back']);
  assert.deepEqual(urls, { 'hash route': `${landing}#/cart`, back: landing });
});

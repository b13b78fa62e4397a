// A small shop bundle: esbuild minifies it with source maps (see
// tests/e2e/sourcemaps.test.mjs). Two errors once rum-agent runs: a throw
// from a named function of cart.js, a rejected promise from prices.js.
import { computeTotal } from './cart.js';
import { loadPrices } from './prices.js';

const agent = async () => {
  while (!globalThis[Symbol.for('rum-agent')]?.p) await new Promise((r) => setTimeout(r, 10));
  return globalThis[Symbol.for('rum-agent')].p;
};

agent().then(() => {
  setTimeout(() => {
    window.total = computeTotal([{ price: 60 }, { price: 70 }]);
  }, 0);
  loadPrices('eur');
  setTimeout(() => {
    window.appDone = true;
  }, 300);
});

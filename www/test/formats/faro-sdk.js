// The real Grafana Faro web SDK (npm @grafana/faro-web-sdk, exact version in
// the root package.json), bundled by tests/e2e/formats.test.mjs with esbuild
// into faro-sdk.bundle.js for faro-sdk.html. It sends to `?to=`.
import { faro, getWebInstrumentations, initializeFaro, LogLevel } from '@grafana/faro-web-sdk';

const to = new URLSearchParams(location.search).get('to');
initializeFaro({
  url: to,
  app: { name: 'faro-sdk-test', version: '9.9.9', environment: 'e2e' },
  instrumentations: getWebInstrumentations({ captureConsole: false }),
  batching: { enabled: true, sendTimeout: 300 },
  sessionTracking: { enabled: true, persistent: false },
});

window.faroActions = () => {
  faro.api.setUser({ id: 'u-9', username: 'ada', attributes: { plan: 'pro' } });
  faro.api.pushEvent('checkout', { step: 'payment', items: '3' });
  faro.api.pushMeasurement({ type: 'cart', values: { total: 129.9, items: 3 } }, { context: { currency: 'EUR' } });
  faro.api.pushLog(['order placed'], { level: LogLevel.INFO, context: { order: '42' } });
  faro.api.pushError(new RangeError('quantity out of range'), { context: { component: 'Cart' } });
  setTimeout(() => {
    throw new TypeError('faro page exploded');
  }, 0);
};
window.faroReady = true;

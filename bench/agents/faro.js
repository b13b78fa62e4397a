// Grafana Faro web SDK, as its quick start shows: initializeFaro with the
// collector URL and the app; instrumentations are the defaults
// (getWebInstrumentations(): performance, user actions, errors, web vitals,
// session, view, navigation, CSP, console). No tracing package.
// `experimental.trackNavigation`: Faro 2.12's only route tracking (the
// navigation instrumentation, off by default): a `faro.navigation` event when
// a URL change and a DOM mutation follow an interaction. Its web vitals have
// no per-route mode (it calls web-vitals without `reportSoftNavs`).
import { initializeFaro } from '@grafana/faro-web-sdk';

export function start(url) {
  initializeFaro({ url, app: { name: 'bench-shop', version: '1.0.0', environment: 'bench' }, experimental: { trackNavigation: true } });
}

// Grafana Faro web SDK, as its quick start shows: initializeFaro with the
// collector URL and the app; instrumentations are the defaults
// (getWebInstrumentations(): performance, user actions, errors, web vitals,
// session, view, navigation, CSP, console). No tracing package.
import { initializeFaro } from '@grafana/faro-web-sdk';

export function start(url) {
  initializeFaro({ url, app: { name: 'bench-shop', version: '1.0.0', environment: 'bench' } });
}

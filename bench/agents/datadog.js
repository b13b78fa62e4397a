// Datadog browser RUM slim (no session replay), npm setup from its docs:
// datadogRum.init with every RUM collection the docs' snippet turns on;
// `proxy` points the intake at our sink (the documented way to send
// through your own endpoint). The ids are placeholders: nothing checks them.
// Views: automatic (the default, `trackViewsManually: false`): a new
// `route_change` view when history.pushState changes the path; the
// experimental `soft_navigation` feature (7.x) gives such a view an LCP from
// Chromium's Soft Navigation API.
import { datadogRum } from '@datadog/browser-rum-slim';

export function start(url) {
  datadogRum.init({
    applicationId: '00000000-0000-4000-8000-000000000000',
    clientToken: 'pub00000000000000000000000000000000',
    service: 'bench-shop',
    env: 'bench',
    version: '1.0.0',
    sessionSampleRate: 100,
    trackUserInteractions: true,
    trackResources: true,
    trackLongTasks: true,
    proxy: url,
    enableExperimentalFeatures: ['soft_navigation'],
  });
}

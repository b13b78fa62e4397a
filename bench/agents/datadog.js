// Datadog browser RUM slim (no session replay), npm setup from its docs:
// datadogRum.init with every RUM collection the docs' snippet turns on;
// `proxy` points the intake at our sink (the documented way to send
// through your own endpoint). The ids are placeholders: nothing checks them.
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
  });
}

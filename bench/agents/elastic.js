// Elastic APM RUM, npm setup from its docs: init with the service and the
// APM server URL (our sink answers its intake path). Defaults otherwise:
// page-load and user-interaction transactions, errors, long tasks, and
// (the `history` instrumentation, on by default) a `route-change`
// transaction per history.pushState.
import { init } from '@elastic/apm-rum';

export function start(url) {
  init({ serviceName: 'bench-shop', serviceVersion: '1.0.0', environment: 'bench', serverUrl: url });
}

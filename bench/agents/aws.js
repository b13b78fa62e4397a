// Amazon CloudWatch RUM web client (aws-rum-web), npm setup from its docs:
// new AwsRum(appMonitorId, version, region, config). Offline there is no
// Cognito identity pool to sign with, so `signing: false` and our sink as the
// `endpoint`; the telemetries are the console snippet's (performance,
// errors, http; no session replay, as for Datadog slim). Route changes: its
// page-view plugin (always on, `disableAutoPageView: false`) records a
// `page_view_event` per history.pushState; its web vitals are the document's
// (web-vitals without `reportSoftNavs`).
import { AwsRum } from 'aws-rum-web';

export function start(url) {
  new AwsRum('00000000-0000-4000-8000-000000000000', '1.0.0', 'us-east-1', {
    endpoint: url,
    signing: false,
    sessionSampleRate: 1,
    telemetries: ['performance', 'errors', 'http'],
    allowCookies: true,
  });
}

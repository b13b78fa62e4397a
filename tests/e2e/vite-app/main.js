// A user's app: `npm install rum-agent`, then init() from the package.
import { init } from 'rum-agent';

const collector = new URLSearchParams(location.search).get('collector');
init({ url: collector, app: { name: 'vite-app', version: '0.0.1' } })
  .then((rum) => {
    window.rum = rum;
    rum.pushEvent('vite-app-ready', { bundler: 'vite' });
    window.rumResult = 'ok';
  })
  .catch((e) => {
    window.rumResult = String(e);
  });

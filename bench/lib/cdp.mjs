// The benchmark's Chromium: the shared plain-CDP client of the end-to-end
// tests (tests/e2e/lib/cdp.mjs), with a fixed window and nothing that runs
// code of its own (extensions, default apps, audio).
import { launchChrome as launch, Page } from '../../tests/e2e/lib/cdp.mjs';
import { ARGS as BASE } from '../../tests/e2e/lib/browser.mjs';

export const ARGS = [...BASE, '--disable-default-apps', '--disable-extensions', '--mute-audio', '--window-size=1280,800'];

export const launchChrome = (extraArgs = []) => launch(extraArgs, { args: ARGS, prefix: 'rum-bench-' });

export { Page };

// The floor's shim: loads the wasm, starts it, resolves to an empty agent.
import load, { start } from './rum_agent.js';

export async function init(config) {
  await load({ module_or_path: new URL('rum_agent_bg.wasm', import.meta.url) });
  start(config);
  return {};
}

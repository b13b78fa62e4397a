// Bundles each peer the way its docs say for npm users (its package entry,
// a bundler, production mode, minified) into build/<name>/agent.js, an ES
// module exporting start(sinkUrl); copies rum-agent's built pkg/ files as
// they are published. Usage: node bench/bundle.mjs [pkgDir]
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const BUILD = path.join(HERE, 'build');
export const PEERS = ['web-vitals', 'faro', 'datadog', 'elastic', 'aws'];
export const RUM_AGENT_FILES = ['rum.js', 'rum_agent_bg.wasm'];
/** The wasm floor as `cargo xtask bench` builds it (bench/floor/). */
export const FLOOR_DIR = path.join(HERE, '..', 'target', 'bench-floor');

export async function bundleAll(pkgDir = path.join(HERE, '..', 'pkg'), floorDir = FLOOR_DIR) {
  fs.rmSync(BUILD, { recursive: true, force: true });
  for (const name of PEERS) {
    await esbuild.build({
      entryPoints: [path.join(HERE, 'agents', `${name}.js`)],
      outfile: path.join(BUILD, name, 'agent.js'),
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      // Elastic (and any library reading it) picks its production build.
      define: { 'process.env.NODE_ENV': '"production"' },
      legalComments: 'none',
      logLevel: 'warning',
      nodePaths: [path.join(HERE, 'node_modules')],
    });
  }
  // rum-agent: the npm package exactly as built (a snapshot, so a rebuild of
  // pkg/ during the run cannot change what is measured).
  fs.mkdirSync(path.join(BUILD, 'rum-agent'), { recursive: true });
  for (const f of RUM_AGENT_FILES) fs.copyFileSync(path.join(pkgDir, f), path.join(BUILD, 'rum-agent', f));
  if (RUM_AGENT_FILES.every((f) => fs.existsSync(path.join(floorDir, f)))) {
    fs.mkdirSync(path.join(BUILD, 'floor'), { recursive: true });
    for (const f of RUM_AGENT_FILES) fs.copyFileSync(path.join(floorDir, f), path.join(BUILD, 'floor', f));
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundleAll(process.argv[2]);
  for (const d of fs.readdirSync(BUILD)) for (const f of fs.readdirSync(path.join(BUILD, d))) console.log(`${d}/${f}`, fs.statSync(path.join(BUILD, d, f)).size);
}

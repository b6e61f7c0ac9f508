// Builds everything the bin, the package exports and the served bundle need:
// dist/server + dist/shared (tsc), then the client (vite library build) as it is served:
// dist/client/moin-session.<hash>.js, the stable entry dist/client/moin-session.js, and their
// .br/.gz (writeClientAssets in server/http/client-assets.ts, compiled by the tsc step).
import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => `${root}node_modules/.bin/${name}`;
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, {cwd: root, stdio: 'inherit'});
  if (r.status !== 0) {
    console.error(`build: ${[cmd, ...args].join(' ')} failed`);
    process.exit(r.status ?? 1);
  }
};
const started = Date.now();
// dist/ is not wiped first: tests running in parallel may be reading it. CI builds a clean clone.
run(bin('tsc'), ['-p', 'tsconfig.build.json']);
run(bin('vite'), ['build', '--logLevel', 'warn']);
const {writeClientAssets} = await import(`${root}dist/server/http/client-assets.js`);
const {module} = writeClientAssets(`${root}dist/client`);
console.log(`build: dist/client/moin-session.js → ${module} (+ .br, .gz)`);
console.log(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);

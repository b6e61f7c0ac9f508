// The one test gate (`npm test`): lint, format check, typecheck, knip, vitest (shared, server, e2e) and
// web-test-runner (client, in Chromium). Every stage runs even if an earlier one fails; the last
// line is `tests: N passed, N failed`, and the exit code is non-zero if anything failed.
import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync, rmSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => `${root}node_modules/.bin/${name}`;
let passed = 0;
let failed = 0;
const problems = [];

function stage(name, cmd, args, {capture = false} = {}) {
  console.log(`\n=== ${name}: ${[cmd.replace(root, ''), ...args].join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (capture) {
    process.stdout.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
  }
  console.log(`=== ${name}: exit ${r.status} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return r;
}

function gate(name, cmd, args) {
  const r = stage(name, cmd, args);
  if (r.status === 0) passed++;
  else {
    failed++;
    problems.push(name);
  }
}

const overrides = {
  '/usr/bin/chromium': process.env.CHROMIUM_PATH,
  '/usr/bin/firefox-esr': process.env.FIREFOX_PATH,
};
for (const need of ['/usr/bin/chromium', '/usr/bin/firefox-esr', 'redis-server', 'python3']) {
  const found = need.startsWith('/')
    ? existsSync(overrides[need] ?? need)
    : spawnSync('which', [need]).status === 0;
  if (!found) {
    console.error(
      `test: ${need} is missing. Install it (apt-get install ${need.replace('/usr/bin/', '')}); the tests do not skip without it.`
    );
    failed++;
    problems.push(`missing ${need}`);
  }
}

gate('eslint', bin('eslint'), ['.']);
gate('prettier', bin('prettier'), ['--check', '.']);
// Each runtime folder alone first (shared: no DOM and no Node types; client: DOM only; server:
// Node only), then everything together with the tests.
gate('typecheck runtimes', bin('tsc'), ['-b', 'tsconfig.runtimes.json']);
gate('typecheck', bin('tsc'), ['-p', '.']);
// Unused files, exports, types and dependencies (knip.jsonc says what is exempt and why).
gate('knip', bin('knip'), []);

rmSync(`${root}.vitest-report.json`, {force: true});
const vt = stage('vitest', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  '--outputFile.json=.vitest-report.json',
]);
try {
  const report = JSON.parse(readFileSync(`${root}.vitest-report.json`, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  if (report.numFailedTests > 0) problems.push(`vitest: ${report.numFailedTests} failed`);
  if (vt.status !== 0 && report.numFailedTests === 0) {
    failed++;
    problems.push('vitest: exited non-zero (a suite failed to load or a hook failed)');
  }
  if (report.numTotalTests === 0) {
    failed++;
    problems.push('vitest: ran no test');
  }
} catch {
  failed++;
  problems.push('vitest: no report');
}

const wt = stage('web-test-runner', bin('web-test-runner'), [], {capture: true});
const out = `${wt.stdout ?? ''}\n${wt.stderr ?? ''}`;
const m = [...out.matchAll(/(\d+) passed, (\d+) failed/g)].pop();
if (m) {
  passed += Number(m[1]);
  failed += Number(m[2]);
  if (Number(m[2]) > 0) problems.push(`web-test-runner: ${m[2]} failed`);
}
if (wt.status !== 0 && (!m || Number(m[2]) === 0)) {
  failed++;
  problems.push('web-test-runner: exited non-zero');
}
if (!m) {
  failed++;
  problems.push('web-test-runner: no summary');
}

if (problems.length) console.log(`\nfailed stages: ${problems.join('; ')}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);

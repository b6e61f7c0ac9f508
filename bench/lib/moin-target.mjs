// Our server as a bench target: the built service (dist/) with the default SQLite store on a fresh
// file, a user added through the CLI, logged in over HTTP, and a full trail, so the measured
// GET /api/session is exactly the wiki back end's hot path for a stored logged-in session.
// `node moin-target.mjs [store]`: store defaults to a fresh "sqlite:" file; pass "redis://..." to
// run the same target on Redis.
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {Session} from 'node:inspector/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {announce, exitOnSignal} from './child.mjs';
import {BENCH_PAGES, BENCH_PASSWORD, BENCH_USER} from './fixture.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'moin-bench-'));
const config = {
  store: process.argv[2] ?? `sqlite:${join(dir, 'sessions.db')}`,
  users_file: join(dir, 'users.json'),
  // The client bench serves its page from another origin on loopback.
  allowed_origins: JSON.parse(process.env['MOIN_BENCH_ORIGINS'] ?? '[]'),
  // More config keys as JSON (the Redis HA bench: redis_wait_replicas).
  ...JSON.parse(process.env['MOIN_BENCH_CONFIG'] ?? '{}'),
};
const configFile = join(dir, 'config.json');
// A target that cannot get ready says why on stderr and leaves no temp folder behind.
const fail = (message) => {
  console.error(`moin-target: ${message}`);
  rmSync(dir, {recursive: true, force: true});
  process.exit(1);
};
writeFileSync(configFile, JSON.stringify(config));

const add = spawnSync(
  process.execPath,
  [join(root, 'bin/moin-session.js'), 'users', 'add', BENCH_USER, '--config', configFile],
  {input: `${BENCH_PASSWORD}\n`, encoding: 'utf8'}
);
if (add.status !== 0) {
  fail(`users add failed (${add.status}): ${add.stderr}`);
}

const {createSessionService} = await import(join(root, 'dist/server/index.js'));
const service = createSessionService(config);
const {url} = await service.listen(0, '127.0.0.1');
const json = {'content-type': 'application/json', origin: url};
const login = await fetch(`${url}/api/login`, {
  method: 'POST',
  headers: json,
  body: JSON.stringify({name: BENCH_USER, password: BENCH_PASSWORD}),
});
const cookie = login.headers.getSetCookie()[0]?.split(';')[0];
if (login.status !== 200 || !cookie) {
  fail(`login answered ${login.status}: ${await login.text()}`);
}
for (const page of BENCH_PAGES) {
  const r = await fetch(`${url}/api/trail`, {
    method: 'POST',
    headers: {...json, cookie},
    body: JSON.stringify({page}),
  });
  if (r.status !== 200) {
    fail(`POST /api/trail answered ${r.status}: ${await r.text()}`);
  }
}
// MOIN_BENCH_PROFILE_DIR: profile the serving only (node --cpu-prof would also count the set-up
// above, the CLI's scrypt above all), written as a .cpuprofile when the target stops.
const profileDir = process.env['MOIN_BENCH_PROFILE_DIR'];
const profiler = profileDir ? new Session() : null;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
announce({url, path: '/api/session', cookie});
exitOnSignal(async () => {
  if (profiler) {
    const {profile} = await profiler.post('Profiler.stop');
    writeFileSync(join(profileDir, `moin-${process.pid}.cpuprofile`), JSON.stringify(profile));
  }
  await service.close();
  rmSync(dir, {recursive: true, force: true});
});

// The Redis figures of issue 5, on one redis-server this script spawns (appendonly yes, appendfsync
// everysec: the setting docs/deployment.md recommends):
// 1. GET /api/session for a stored logged-in session: moin-session on its Redis store against
//    express-session 1.19 + connect-redis 9 (redis@5 client) in Express 5, on the same Redis, with
//    the same cookie settings, each target in its own child process, autocannon here with the same
//    connections, pipelining, warm-up and duration, rounds interleaved, median reported.
// 2. Visits (POST /api/trail) per second over two moin-session instances on that Redis, against one
//    instance alone: all on one hot session (every visit contends for the same record), and spread
//    over one session per connection. After each run the session revs are checked: every 200 answer
//    must be one rev (no lost update).
//
// `npm run build && node bench/redis.mjs [--rounds N] [--duration S] [--warmup S] [--connections N]`
// Prints human lines, then one JSON line. NOT a test: nothing here passes or fails on a number.
// (Internal: `node bench/redis.mjs --target moin CONFIG` runs one instance as a child target;
// express-session + connect-redis is bench/anchors/express-session.mjs with `redis URL`.)
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import autocannon from 'autocannon';
import {announce, exitOnSignal, startTarget} from './lib/child.mjs';
import {BENCH_PASSWORD, BENCH_USER} from './lib/fixture.mjs';
import {int, pad, times} from './lib/format.mjs';
import {LOAD_OPTIONS, measure, median} from './lib/load.mjs';
import {startRedisProcess} from './lib/redis-server.mjs';

// Page names never repeat within a process, so no visit can find its page already newest.
let seq = 0;
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const root = here('..');
const {values, positionals} = parseArgs({
  options: {...LOAD_OPTIONS, target: {type: 'string'}},
  allowPositionals: true,
});

if (values.target === 'moin') await moinTarget(positionals[0]);
else await main();

// ---------------------------------------------------------------------------------------------
// Child targets

/** One moin-session instance (built dist/) on a config file; announces its URL. */
async function moinTarget(configFile) {
  const {createSessionService} = await import(join(root, 'dist/server/index.js'));
  const service = createSessionService(JSON.parse(readFileSync(configFile, 'utf8')));
  const {url} = await service.listen(0, '127.0.0.1');
  announce({url});
  exitOnSignal(() => service.close());
}

// ---------------------------------------------------------------------------------------------
// The bench

async function main() {
  const load = {
    connections: Number(values.connections),
    pipelining: Number(values.pipelining),
    warmupSeconds: Number(values.warmup),
    durationSeconds: Number(values.duration),
  };
  const rounds = Number(values.rounds);
  const redis = await startRedis();
  const started = [];
  try {
    console.log(
      `redis: redis-server ${redis.version} (appendonly yes, appendfsync everysec) on ${redis.url}; ` +
        `autocannon ${load.connections} connections, pipelining ${load.pipelining}, ` +
        `${load.warmupSeconds} s warm-up + ${load.durationSeconds} s`
    );
    const get = await getBench(redis.url, load, rounds, started);
    const visits = await visitBench(redis.url, load, started);
    const summary = {
      command: `node bench/redis.mjs${process.argv.length > 2 ? ' ' + process.argv.slice(2).join(' ') : ''}`,
      redis: {version: redis.version, appendonly: 'yes', appendfsync: 'everysec'},
      load,
      rounds,
      get,
      visits,
    };
    console.log(JSON.stringify(summary));
  } finally {
    await Promise.all(started.map((t) => t.stop()));
    await redis.stop();
  }
}

async function getBench(redisUrl, load, rounds, started) {
  console.log(`redis: GET /api/session, stored logged-in session, median of ${rounds} rounds`);
  const targets = [
    {
      id: 'moin',
      label: 'moin-session (Redis store)',
      file: here('./lib/moin-target.mjs'),
      args: [redisUrl],
    },
    {
      id: 'connectRedis',
      label: 'express-session + connect-redis 9',
      file: here('./anchors/express-session.mjs'),
      args: ['redis', redisUrl],
    },
  ];
  const running = [];
  for (const target of targets) {
    const t = await startTarget(target.file, target.args);
    started.push(t);
    await checkSession(target.label, `${t.url}${t.path}`, t.cookie);
    running.push({target, t, samples: []});
  }
  for (let round = 0; round < rounds; round++) {
    for (const r of running) {
      const m = await measure({url: `${r.t.url}${r.t.path}`, headers: {cookie: r.t.cookie}}, load);
      if (m.failures > 0) throw new Error(`${r.target.label}: ${m.failures} failed requests`);
      r.samples.push(m);
      console.log(
        `  round ${round + 1} ${pad(r.target.label, 36)} ${pad(int(m.reqPerSec), 7)} req/s`
      );
    }
  }
  const out = {};
  for (const {target, samples} of running) {
    out[target.id] = {
      label: target.label,
      reqPerSec: median(samples.map((m) => m.reqPerSec)),
      p50Ms: median(samples.map((m) => m.p50Ms)),
      p99Ms: median(samples.map((m) => m.p99Ms)),
      rounds: samples.map((m) => m.reqPerSec),
    };
  }
  const ratio = out.moin.reqPerSec / out.connectRedis.reqPerSec;
  for (const r of Object.values(out)) {
    console.log(
      `  ${pad(r.label, 36)} ${pad(int(r.reqPerSec), 7)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms`
    );
  }
  console.log(`  moin-session / express-session + connect-redis = ${times(ratio)}`);
  return {targets: out, ratioVsConnectRedis: ratio};
}

async function visitBench(redisUrl, load, started) {
  console.log('redis: visits (POST /api/trail) per second, moin-session instances on one Redis');
  const dir = mkdtempSync(join(tmpdir(), 'moin-bench-redis-'));
  try {
    const configFile = join(dir, 'config.json');
    writeFileSync(
      configFile,
      // The visit bench posts trail visits flat out: no per-session visit rate limit in the way;
      // and it logs the one bench user in once per connection: no per-user session cap either.
      JSON.stringify({
        store: redisUrl,
        users_file: join(dir, 'users.json'),
        log_level: 'warn',
        visit_rate: 100_000,
        visit_burst: 100_000,
        max_sessions_per_user: 0,
      })
    );
    const add = spawnSync(
      process.execPath,
      [join(root, 'bin/moin-session.js'), 'users', 'add', BENCH_USER, '--config', configFile],
      {input: `${BENCH_PASSWORD}\n`, encoding: 'utf8'}
    );
    if (add.status !== 0) throw new Error(`users add failed (${add.status}): ${add.stderr}`);
    const instances = [];
    for (let i = 0; i < 2; i++) {
      const t = await startTarget(here('./redis.mjs'), ['--target', 'moin', configFile]);
      started.push(t);
      instances.push(t);
    }
    const hot = [await login(instances[0].url)];
    const spread = [];
    for (let i = 0; i < load.connections; i++) spread.push(await login(instances[i % 2].url));
    const runs = {};
    for (const [id, label, targets, cookies] of [
      ['oneInstanceHot', '1 instance, one hot session', instances.slice(0, 1), hot],
      ['twoInstancesHot', '2 instances, one hot session', instances, hot],
      [
        'oneInstanceSpread',
        `1 instance, ${load.connections} sessions`,
        instances.slice(0, 1),
        spread,
      ],
      ['twoInstancesSpread', `2 instances, ${load.connections} sessions`, instances, spread],
    ]) {
      const r = await visitRun(targets, cookies, load);
      runs[id] = {label, ...r};
      console.log(
        `  ${pad(label, 36)} ${pad(int(r.visitsPerSec), 7)} visits/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms` +
          `  ${r.failures} failed; ${appliedNote(r)}`
      );
    }
    const hotRatio = runs.twoInstancesHot.visitsPerSec / runs.oneInstanceHot.visitsPerSec;
    const spreadRatio = runs.twoInstancesSpread.visitsPerSec / runs.oneInstanceSpread.visitsPerSec;
    console.log(
      `  2 instances / 1 instance: hot session ${times(hotRatio)}, spread ${times(spreadRatio)}`
    );
    return {runs, twoVsOne: {hot: hotRatio, spread: spreadRatio}};
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

/**
 * Visits with distinct page names (each one changes the trail, so each is one rev), the load split
 * evenly over `targets`, cookies handed out round-robin. Returns visits/s and the rev check.
 */
async function visitRun(targets, cookies, load) {
  const revsBefore = await Promise.all(cookies.map((c) => revOf(targets[0].url, c)));
  const fire = (t, i, duration) =>
    run({
      url: `${t.url}/api/trail`,
      connections: Math.max(1, Math.round(load.connections / targets.length)),
      pipelining: load.pipelining,
      duration,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            const n = seq++;
            return {
              ...req,
              headers: {
                'content-type': 'application/json',
                origin: t.url,
                cookie: cookies[n % cookies.length],
              },
              body: JSON.stringify({page: `I${i}-Page${n}`}),
            };
          },
        },
      ],
    });
  // A short warm-up (the instances are warm from the runs before): keeps the whole script within
  // the 150 s that `npm run bench` gives a sub-bench.
  const warm =
    load.warmupSeconds > 0
      ? await Promise.all(targets.map((t, i) => fire(t, i, Math.min(1, load.warmupSeconds))))
      : [];
  const results = await Promise.all(targets.map((t, i) => fire(t, i, load.durationSeconds)));
  const after = await Promise.all(cookies.map((c) => revOf(targets[0].url, c)));
  const count = (rs, field) => rs.reduce((n, r) => n + r[field], 0);
  const ok = count(results, '2xx');
  const allOk = ok + count(warm, '2xx');
  const failures = ['non2xx', 'errors', 'timeouts'].reduce((n, f) => n + count(results, f), 0);
  const revDelta = after.reduce((n, rev, i) => n + rev - revsBefore[i], 0);
  return {
    visitsPerSec: Math.round(results.reduce((n, r) => n + r.requests.average, 0)),
    p50Ms: median(results.map((r) => r.latency.p50)),
    p99Ms: median(results.map((r) => r.latency.p99)),
    ok,
    failures,
    // Every 200 answer (warm-up included) is a distinct page, so it grew its session's rev by
    // exactly one. Revs may grow by more: visits still in flight when autocannon stopped are
    // applied without being counted. Fewer would be lost updates.
    answered: allOk,
    applied: revDelta,
    lost: Math.max(0, allOk - revDelta),
  };
}

/**
 * `answered 1,200, applied 1,300 (100 more: in flight when the load stopped, applied but never
 * answered), lost 0`: every answered visit is a new page, so it grew its session's rev by one.
 */
export function appliedNote(r) {
  const extra = r.applied - r.answered;
  const why =
    extra > 0
      ? ` (${int(extra)} more: in flight when the load stopped, applied but never answered)`
      : '';
  return `answered ${int(r.answered)}, applied ${int(r.applied)}${why}, lost ${int(r.lost)}`;
}

function run(opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

async function login(url) {
  const r = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: {'content-type': 'application/json', origin: url},
    body: JSON.stringify({name: BENCH_USER, password: BENCH_PASSWORD}),
  });
  const cookie = r.headers.getSetCookie()[0]?.split(';')[0];
  if (r.status !== 200 || !cookie) throw new Error(`login answered ${r.status}: ${await r.text()}`);
  return cookie;
}

async function revOf(url, cookie) {
  const r = await fetch(`${url}/api/session`, {headers: {cookie}});
  const view = await r.json();
  if (r.status !== 200 || view.user?.name !== BENCH_USER)
    throw new Error(`GET /api/session answered ${r.status}: ${JSON.stringify(view)}`);
  return view.rev;
}

async function checkSession(label, url, cookie) {
  const r = await fetch(url, {headers: {cookie}});
  const body = await r.text();
  const view = r.status === 200 ? JSON.parse(body) : null;
  if (view?.user?.name !== BENCH_USER || view.trail?.length !== 5 || !r.headers.get('set-cookie'))
    throw new Error(
      `${label}: not the logged-in bench session with a refreshed cookie: ${r.status} ${body}`
    );
}

/** The Redis the bench runs on: AOF with `everysec`, as a production set-up would use. */
function startRedis() {
  return startRedisProcess({
    args: ['--appendonly', 'yes', '--appendfsync', 'everysec', '--daemonize', 'no'],
    prefix: 'moin-bench-redis-data-',
  });
}

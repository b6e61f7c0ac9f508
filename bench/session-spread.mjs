// GET /api/session spread over N distinct stored logged-in sessions (issue 15: reads that scale
// with the number of live sessions). One target process per N, each on its own SQLite file filled
// with N sessions (full trail, an expiry from an earlier minute, so the first request of a session
// in a minute slides it as a real visit would); autocannon here picks a random session's cookie for
// every request. Rounds are interleaved; the median round is reported, with the ratio to N = 100.
//   node bench/session-spread.mjs [--sizes 100,10000,200000] [--rounds 3] [--duration 5]
//     [--idle-minutes 1]
// (`npm run build` first). Not a test. SPREAD_PROF=DIR writes each target's CPU profile there.
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import {announce, exitOnSignal, startTarget} from './lib/child.mjs';
import {BENCH_PAGES, BENCH_PASSWORD, BENCH_USER} from './lib/fixture.mjs';
import {int} from './lib/format.mjs';
import {median} from './lib/load.mjs';
import {cpuSeconds, rssBytes} from './lib/proc.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const {values} = parseArgs({
  options: {
    sizes: {type: 'string', default: '100,10000,200000'},
    rounds: {type: 'string', default: '3'},
    duration: {type: 'string', default: '5'},
    warmup: {type: 'string', default: '3'},
    'first-warmup': {type: 'string', default: '10'},
    connections: {type: 'string', default: '50'},
    // When each session was last seen: its stored expiry is the one a request then wrote.
    'idle-minutes': {type: 'string', default: '1'},
    target: {type: 'string'},
  },
});

/** The i-th session id: 43 base64url characters, as the server makes them. */
const sidOf = (i) => createHash('sha256').update(`bench-spread-${i}`).digest('base64url');

if (values.target !== undefined) await serve(Number(values.target));
else await main();

// The target: N sessions written straight into a fresh file, then the built service on it.
async function serve(n) {
  const dir = mkdtempSync(join(tmpdir(), 'moin-bench-spread-'));
  const file = join(dir, 'sessions.db');
  const config = {store: `sqlite:${file}`, users_file: join(dir, 'users.json')};
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const add = spawnSync(
    process.execPath,
    [join(root, 'bin/moin-session.js'), 'users', 'add', BENCH_USER, '--config', configFile],
    {input: `${BENCH_PASSWORD}\n`, encoding: 'utf8'}
  );
  if (add.status !== 0) throw new Error(`users add failed: ${add.stderr}`);
  const {SqliteStore} = await import(join(root, 'dist/server/store/sqlite-store.js'));
  const {sessionKey} = await import(join(root, 'dist/server/session/ids.js'));
  await new SqliteStore(file, {purgeIntervalMs: 0}).close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const now = Date.now();
  const insert = db.prepare(
    `INSERT INTO sessions (key, user, su, remember, trail, data, ops, rev, created, expires)
     VALUES (?, ?, NULL, 0, ?, '{}', '[]', 6, ?, ?)`
  );
  const trail = JSON.stringify(BENCH_PAGES);
  // The expiry a request `idle-minutes` ago wrote (logged in, 12 h): the first request of each
  // session now slides it, as for a user who comes back after that long.
  const minute = Math.floor(now / 60_000) * 60_000;
  const expires = minute - Number(values['idle-minutes']) * 60_000 + 12 * 3_600_000;
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(sessionKey(sidOf(i)), BENCH_USER, trail, now, expires);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const {createSessionService} = await import(join(root, 'dist/server/index.js'));
  const service = createSessionService(config);
  const {url} = await service.listen(0, '127.0.0.1');
  announce({url});
  exitOnSignal(async () => {
    await service.close();
    rmSync(dir, {recursive: true, force: true});
  });
}

/** The cookie headers of the first n sessions, made once per size (not per request). */
function cookiesOf(n) {
  return Array.from({length: n}, (_, i) => `MOIN_SESSION=${sidOf(i)}`);
}

function load(url, cookies, seconds, connections) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/api/session`,
        connections,
        duration: seconds,
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              headers: {...req.headers, cookie: cookies[(Math.random() * cookies.length) | 0]},
            }),
          },
        ],
      },
      (err, r) => (err ? reject(err) : resolve(r))
    );
  });
}

async function main() {
  const sizes = values.sizes.split(',').map(Number);
  const connections = Number(values.connections);
  const targets = [];
  console.log(
    `session spread: GET /api/session over N logged-in sessions (SQLite), autocannon ` +
      `${connections} connections, ${values.duration} s, median of ${values.rounds} interleaved ` +
      `rounds; each session last seen ${values['idle-minutes']} min before`
  );
  try {
    for (const n of sizes) {
      const args = ['--target', String(n), '--idle-minutes', values['idle-minutes']];
      const t = await startTarget(fileURLToPath(import.meta.url), args, {
        nodeArgs: process.env.SPREAD_PROF
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SPREAD_PROF}`]
          : [],
        timeoutMs: 300_000,
      });
      targets.push({n, t, cookies: cookiesOf(n), rounds: []});
      // Check it really answers for a stored logged-in session.
      const r = await fetch(`${t.url}/api/session`, {
        headers: {cookie: `MOIN_SESSION=${sidOf(0)}`},
      });
      const view = await r.json();
      if (view.user?.name !== BENCH_USER) throw new Error(`N=${n}: not the bench session`);
      await load(t.url, targets.at(-1).cookies, Number(values['first-warmup']), connections);
    }
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const target of targets) {
        await load(target.t.url, target.cookies, Number(values.warmup), connections);
        const cpu0 = cpuSeconds(target.t.pid);
        const r = await load(target.t.url, target.cookies, Number(values.duration), connections);
        const cpu = cpuSeconds(target.t.pid) - cpu0;
        const failures = r.non2xx + r.errors + r.timeouts;
        if (failures > 0) throw new Error(`N=${target.n}: ${failures} failed requests`);
        target.rounds.push({
          reqPerSec: r.requests.average,
          cpuUs: (cpu * 1e6) / Math.max(1, r.requests.total),
          p99: r.latency.p99,
        });
      }
    }
    const report = {};
    for (const {n, t, rounds} of targets) {
      report[n] = {
        reqPerSec: Math.round(median(rounds.map((x) => x.reqPerSec))),
        cpuUsPerReq: Math.round(median(rounds.map((x) => x.cpuUs))),
        p99Ms: median(rounds.map((x) => x.p99)),
        rssMB: Math.round(rssBytes(t.pid) / 2 ** 20),
      };
    }
    const base = report[sizes[0]];
    for (const n of sizes) {
      const x = report[n];
      console.log(
        `  N = ${int(n).padStart(7)}: ${int(x.reqPerSec).padStart(6)} req/s, ` +
          `${String(x.cpuUsPerReq).padStart(4)} µs CPU/req, p99 ${x.p99Ms} ms, RSS ${x.rssMB} MB; ` +
          `${(base.reqPerSec / x.reqPerSec).toFixed(2)}× slower than N = ${int(sizes[0])}`
      );
    }
    console.log(`goal: N = 200,000 within 2× of N = 100`);
    console.log(JSON.stringify(report));
  } finally {
    await Promise.all(targets.map(({t}) => t.stop()));
  }
}

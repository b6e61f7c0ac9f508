// GET /api/session spread over many stored sessions (issue 15): not a test. The built service on a
// real SQLite file (bench/ws-target.mjs) holds `--sessions` logged-in sessions at most, seeded with
// SQL into its file (bench/lib/seed-sessions.mjs), each last touched 0-10 minutes ago as on a busy
// wiki; autocannon sends every request with the cookie of the next session in turn, over the first
// N sessions for each N of `--spread`: each request is another session (the read cache's and the
// once-a-minute expiry touch's worst case, and a big wiki's common one). Reported: req/s, p99 and
// server CPU per request for each N, and each N's ratio to the smallest. The one hot session
// against raw node:http is bench/http.mjs.
//
// `node bench/http-spread.mjs [--spread 100,10000,200000] [--duration 5] [--warmup 2]
//                             [--first-warmup 5] [--connections 50]`
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {startTarget} from './lib/child.mjs';
import {int, isMain, times} from './lib/format.mjs';
import {measure} from './lib/load.mjs';
import {seedSessions} from './lib/seed-sessions.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** The goal: the largest spread within this factor of the smallest, by req/s. */
export const SPREAD_GOAL = 2;

/** Runs the spread bench and returns its figures. */
export async function runSpreadBench({
  spread = [100, 10_000, 200_000],
  durationSeconds = 5,
  warmupSeconds = 2,
  firstWarmupSeconds = 5,
  connections = 50,
  print = console.log,
} = {}) {
  const most = Math.max(...spread);
  const target = await startTarget(here('./ws-target.mjs'), ['1', '1']);
  try {
    const t = performance.now();
    const now = Date.now();
    const cookies = seedSessions(target.file, most, {
      user: (i) => `spread${i}`,
      cookies: true,
      createdAt: (i) => now - ((i * 7919) % 600_000),
      expiresAt: (i) => now - ((i * 7919) % 600_000) + 12 * 3_600_000,
    });
    print(
      `spread: ${int(most)} logged-in sessions seeded in ${((performance.now() - t) / 1000).toFixed(1)} s; ` +
        `autocannon ${connections} connections, each request the next session's cookie`
    );
    const check = await fetch(`${target.url}/api/session`, {headers: {cookie: cookies[most - 1]}});
    const view = await check.json();
    if (check.status !== 200 || view.user?.name !== `spread${most - 1}` || !view.stored)
      throw new Error(
        `a seeded session does not read back: ${check.status} ${JSON.stringify(view)}`
      );
    const load = {connections, pipelining: 1, durationSeconds, warmupSeconds, firstWarmupSeconds};
    const rows = [];
    for (const [i, n] of spread.entries()) {
      let next = 0;
      const requests = [
        {
          method: 'GET',
          path: '/api/session',
          setupRequest: (req) => ({
            ...req,
            headers: {...req.headers, cookie: cookies[next++ % n]},
          }),
        },
      ];
      const m = await measure({url: target.url, requests, pid: target.pid}, load, {
        first: i === 0,
      });
      if (m.failures > 0) throw new Error(`${m.failures} failed requests over ${int(n)} sessions`);
      rows.push({sessions: n, ...m});
    }
    const base = rows[0];
    for (const r of rows) {
      r.vsSmallest = +(base.reqPerSec / Math.max(1, r.reqPerSec)).toFixed(2);
      r.cpuVsSmallest = +(r.cpuUsPerReq / Math.max(1, base.cpuUsPerReq)).toFixed(2);
      print(
        `  over ${int(r.sessions).padStart(7)} sessions: ${int(r.reqPerSec).padStart(6)} req/s, ` +
          `p99 ${r.p99Ms} ms, ${r.cpuUsPerReq} µs CPU/req; cost vs ${int(base.sessions)}: ` +
          `${times(r.vsSmallest)} by req/s, ${times(r.cpuVsSmallest)} by CPU`
      );
    }
    const largest = rows.at(-1);
    print(
      `  goal: ${int(largest.sessions)} within ${SPREAD_GOAL}× of ${int(base.sessions)}: ` +
        `${times(largest.vsSmallest)} ${largest.vsSmallest <= SPREAD_GOAL ? 'ok' : 'MISSED'}`
    );
    return {rows, goal: SPREAD_GOAL, met: largest.vsSmallest <= SPREAD_GOAL};
  } finally {
    await target.stop();
  }
}

if (isMain(import.meta.url)) {
  const {values} = parseArgs({
    options: {
      spread: {type: 'string', default: '100,10000,200000'},
      duration: {type: 'string', default: '5'},
      warmup: {type: 'string', default: '2'},
      'first-warmup': {type: 'string', default: '5'},
      connections: {type: 'string', default: '50'},
    },
  });
  const result = await runSpreadBench({
    spread: values.spread.split(',').map(Number),
    durationSeconds: Number(values.duration),
    warmupSeconds: Number(values.warmup),
    firstWarmupSeconds: Number(values['first-warmup']),
    connections: Number(values.connections),
  });
  console.log(JSON.stringify(result));
}

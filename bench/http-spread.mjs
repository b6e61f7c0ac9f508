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
//                             [--first-warmup 5] [--connections 50] [--rounds 2]`
// (`npm run build` first). SPREAD_PROF=DIR writes the target's CPU profiles there (one per thread).
// Rounds are interleaved (every N once, then again) and each ratio is the median of the per-round
// ratios, as in bench/http.mjs: drift of a shared machine hits every N alike. Every N gets the long
// warm-up on its first round (the largest N runs code, the writer thread's, that the smallest never
// warms), and before every measurement the sessions are aged back to their seeded expiry, so a later
// round (or a round going past the last session and starting over) does not meet sessions already
// slid this minute, which cost no touch; a round that still sees a session twice is reported.
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {startTarget} from './lib/child.mjs';
import {int, isMain, times} from './lib/format.mjs';
import {measure, median} from './lib/load.mjs';
import {ageSessions, seedSessions} from './lib/seed-sessions.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** The seeded sessions' lifetime (the default logged-in 12 hours). */
const LIFETIME_MS = 12 * 3_600_000;

/** The goal: the largest spread within this factor of the smallest, by req/s. */
export const SPREAD_GOAL = 2;

/** Runs the spread bench and returns its figures. */
export async function runSpreadBench({
  spread = [100, 10_000, 200_000],
  durationSeconds = 5,
  warmupSeconds = 2,
  firstWarmupSeconds = 5,
  connections = 50,
  rounds = 2,
  print = console.log,
} = {}) {
  const most = Math.max(...spread);
  const target = await startTarget(here('./ws-target.mjs'), ['1', '1'], {
    nodeArgs: process.env.SPREAD_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SPREAD_PROF}`]
      : [],
  });
  try {
    const t = performance.now();
    const now = Date.now();
    const cookies = seedSessions(target.file, most, {
      user: (i) => `spread${i}`,
      cookies: true,
      createdAt: (i) => now - ((i * 7919) % 600_000),
      expiresAt: (i) => now - ((i * 7919) % 600_000) + LIFETIME_MS,
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
    // Each N goes on through its sessions where its last round stopped: a later round does not
    // find the sessions an earlier one already touched this minute.
    const next = spread.map(() => 0);
    const samples = spread.map(() => []);
    /** Rounds in which the largest N saw a session twice (so fewer requests slid an expiry). */
    const wrapped = [];
    for (let round = 0; round < rounds; round++) {
      for (const [i, n] of spread.entries()) {
        const requests = [
          {
            method: 'GET',
            path: '/api/session',
            setupRequest: (req) => ({
              ...req,
              headers: {...req.headers, cookie: cookies[next[i]++ % n]},
            }),
          },
        ];
        // The deferred touches of the last measurement land (within a second), then every
        // session is back at its seeded expiry: last slid 0-10 minutes before the seeding.
        await new Promise((resolve) => setTimeout(resolve, 2000));
        ageSessions(target.file, LIFETIME_MS);
        const m = await measure({url: target.url, requests, pid: target.pid}, load, {
          first: round === 0,
        });
        if (m.failures > 0)
          throw new Error(`${m.failures} failed requests over ${int(n)} sessions`);
        if (n === most && m.requests + m.warmupRequests > n) wrapped.push(round + 1);
        samples[i].push(m);
      }
    }
    // Ratios within each round (neighbours in time), then the median of the rounds, as http.mjs.
    const perRound = (i, pick) =>
      samples[i].map((m, r) => pick(m, samples[0][r])).filter((v) => Number.isFinite(v));
    const rows = spread.map((n, i) => ({
      sessions: n,
      reqPerSec: median(samples[i].map((m) => m.reqPerSec)),
      p99Ms: median(samples[i].map((m) => m.p99Ms)),
      cpuUsPerReq: median(samples[i].map((m) => m.cpuUsPerReq)),
      rounds: samples[i].map((m) => m.reqPerSec),
      vsSmallest: +median(perRound(i, (m, b) => b.reqPerSec / Math.max(1, m.reqPerSec))).toFixed(2),
      cpuVsSmallest: +median(
        perRound(i, (m, b) => m.cpuUsPerReq / Math.max(1, b.cpuUsPerReq))
      ).toFixed(2),
    }));
    const base = rows[0];
    for (const r of rows) {
      print(
        `  over ${int(r.sessions).padStart(7)} sessions: ${int(r.reqPerSec).padStart(6)} req/s, ` +
          `p99 ${r.p99Ms} ms, ${r.cpuUsPerReq} µs CPU/req; cost vs ${int(base.sessions)}: ` +
          `${times(r.vsSmallest)} by req/s, ${times(r.cpuVsSmallest)} by CPU`
      );
    }
    const largest = rows.at(-1);
    print(
      `  goal: ${int(largest.sessions)} within ${SPREAD_GOAL}× of ${int(base.sessions)}: ` +
        `${times(largest.vsSmallest)} ${largest.vsSmallest <= SPREAD_GOAL ? 'ok' : 'MISSED'}` +
        ` (by CPU per request ${times(largest.cpuVsSmallest)})`
    );
    if (wrapped.length > 0)
      print(
        `  note: round ${wrapped.join(', ')} sent more requests than there are ${int(most)} ` +
          `sessions, so some were seen twice within a minute (no touch): seed more for a fair figure`
      );
    return {rows, goal: SPREAD_GOAL, met: largest.vsSmallest <= SPREAD_GOAL, wrapped};
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
      rounds: {type: 'string', default: '2'},
    },
  });
  const result = await runSpreadBench({
    spread: values.spread.split(',').map(Number),
    durationSeconds: Number(values.duration),
    warmupSeconds: Number(values.warmup),
    firstWarmupSeconds: Number(values['first-warmup']),
    connections: Number(values.connections),
    rounds: Number(values.rounds),
  });
  console.log(JSON.stringify(result));
}

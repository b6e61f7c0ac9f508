// GET /api/session with a stored logged-in session (a wiki back end asks this for every page view):
// moin-session on SQLite against express-session on SQLite and in memory, and a raw node:http
// "hello world" as the ceiling. Each target runs in its own child process; autocannon runs here
// with the same connections, pipelining, warm-up and duration for all; rounds are interleaved so
// drift of the machine hits every target alike, and the median round is reported.
//
// `node bench/http.mjs [--rounds N] [--duration S] [--connections N] [--pipelining N] [--profile]`
// (`npm run build` first). `--profile` records a CPU profile of moin-session while it serves and
// prints where its time goes.
import {mkdirSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {startTarget} from './lib/child.mjs';
import {BENCH_USER} from './lib/fixture.mjs';
import {int, isMain, pad, times, verdict} from './lib/format.mjs';
import {DEFAULT_LOAD, LOAD_OPTIONS, httpOptionsFrom, measure, median} from './lib/load.mjs';
import {summarizeProfiles} from './lib/profile.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** The targets, in print order; `session` targets must answer with the logged-in user. */
export const HTTP_TARGETS = [
  {id: 'moin', label: 'moin-session (SQLite)', file: here('./lib/moin-target.mjs'), session: true},
  {
    id: 'expressSqlite',
    label: 'express-session + better-sqlite3-session-store',
    file: here('./anchors/express-session.mjs'),
    args: ['sqlite'],
    session: true,
  },
  {
    id: 'expressMemory',
    label: 'express-session + MemoryStore',
    file: here('./anchors/express-session.mjs'),
    args: ['memory'],
    session: true,
  },
  {id: 'raw', label: 'raw node:http hello world', file: here('./anchors/raw-http.mjs')},
];

/** The goals of issue 6 for moin-session's req/s. */
export const HTTP_GOALS = {vsExpressSqlite: 4, vsRaw: 0.5};

// One request before the load: the target really answers for a stored logged-in session (a bench
// of an error page would be worthless).
async function check(target, t) {
  const r = await fetch(`${t.url}${t.path}`, {headers: t.cookie ? {cookie: t.cookie} : {}});
  const body = await r.text();
  if (r.status !== 200) throw new Error(`${target.label}: ${t.path} answered ${r.status}: ${body}`);
  if (target.session) {
    const view = JSON.parse(body);
    if (view.user?.name !== BENCH_USER || view.trail?.length !== 5)
      throw new Error(`${target.label}: the session is not the logged-in bench session: ${body}`);
    if (!r.headers.get('set-cookie'))
      throw new Error(`${target.label}: no Set-Cookie on the answer (sliding expiry)`);
  }
}

/**
 * Runs the HTTP bench and returns its figures; `print` gets one line at a time.
 * @param {{load?: typeof DEFAULT_LOAD, rounds?: number, profile?: boolean, print?: (line: string) => void}} opts
 */
export async function runHttpBench({
  load = DEFAULT_LOAD,
  rounds = 3,
  profile = false,
  print = console.log,
} = {}) {
  const profileDir = here('./results/profiles');
  if (profile) mkdirSync(profileDir, {recursive: true});
  print(
    `http: GET /api/session, stored logged-in session; autocannon ${load.connections} connections, ` +
      `pipelining ${load.pipelining}, ${load.firstWarmupSeconds ?? load.warmupSeconds} s warm-up ` +
      `(then ${load.warmupSeconds} s per round) + ${load.durationSeconds} s, ` +
      `median of ${rounds} interleaved rounds`
  );
  // A target that fails to start is reported and left out; the others still run.
  const running = [];
  const failed = {};
  try {
    for (const target of HTTP_TARGETS) {
      const env = profile && target.id === 'moin' ? {MOIN_BENCH_PROFILE_DIR: profileDir} : {};
      try {
        const t = await startTarget(target.file, target.args ?? [], {env});
        running.push({target, t, samples: []});
        await check(target, t);
      } catch (err) {
        failed[target.id] = {
          label: target.label,
          error: err instanceof Error ? err.message : String(err),
        };
        print(`  ${target.label}: FAILED: ${failed[target.id].error.split('\n')[0]}`);
        running.pop()?.t.stop();
      }
    }
    for (let round = 0; round < rounds; round++) {
      for (const r of running) {
        const m = await measure(
          {
            url: `${r.t.url}${r.t.path}`,
            headers: r.t.cookie ? {cookie: r.t.cookie} : {},
            pid: r.t.pid,
          },
          load,
          {first: round === 0}
        );
        if (m.failures > 0)
          throw new Error(`${r.target.label}: ${m.failures} failed requests in round ${round + 1}`);
        r.samples.push(m);
        print(
          `  round ${round + 1} ${pad(r.target.label, 48)} ${pad(int(m.reqPerSec), 7)} req/s  ` +
            `${m.cpuUsPerReq} µs CPU/req`
        );
      }
    }
    const targets = {...failed};
    for (const {target, samples: s} of running) {
      targets[target.id] = {
        label: target.label,
        reqPerSec: median(s.map((m) => m.reqPerSec)),
        p50Ms: median(s.map((m) => m.p50Ms)),
        p99Ms: median(s.map((m) => m.p99Ms)),
        cpuUsPerReq: median(s.map((m) => m.cpuUsPerReq)),
        rounds: s.map((m) => m.reqPerSec),
      };
    }
    // Ratios are taken within each round (the targets of one round run back to back) and the
    // median of those is reported: on a shared machine whose speed drifts over minutes, a ratio
    // of neighbours is steadier than a ratio of medians taken at different times.
    const moinSamples = running.find((r) => r.target.id === 'moin')?.samples ?? [];
    const samplesOf = (id) => running.find((r) => r.target.id === id)?.samples ?? [];
    const perRound = (id, pick, ours) =>
      moinSamples
        .map((m, i) => {
          const theirs = samplesOf(id)[i];
          return theirs ? (ours ? pick(m) / pick(theirs) : pick(theirs) / pick(m)) : NaN;
        })
        .filter((v) => Number.isFinite(v) && v > 0);
    const ratioOf = (values) => (values.length ? median(values) : null);
    const ids = ['expressSqlite', 'expressMemory', 'raw'];
    const keys = {expressSqlite: 'vsExpressSqlite', expressMemory: 'vsExpressMemory', raw: 'vsRaw'};
    const ratios = {};
    const cpuRatios = {};
    const ratioRounds = {};
    for (const id of ids) {
      const byReq = perRound(id, (m) => m.reqPerSec, true);
      // By CPU per request (theirs / ours): what req/s would show on an otherwise idle machine
      // where every target is CPU-bound.
      const byCpu = perRound(id, (m) => m.cpuUsPerReq, false);
      ratios[keys[id]] = ratioOf(byReq);
      cpuRatios[keys[id]] = ratioOf(byCpu);
      ratioRounds[keys[id]] = {reqPerSec: byReq, cpu: byCpu};
    }
    for (const {target} of running) {
      const r = targets[target.id];
      const v = ratios[keys[target.id]];
      const rel = target.id !== 'moin' && v ? `  moin-session = ${times(v)}` : '';
      print(
        `  ${pad(target.label, 48)} ${pad(int(r.reqPerSec), 7)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  ` +
          `${r.cpuUsPerReq} µs CPU/req${rel}`
      );
    }
    const range = (values) =>
      values.length > 1
        ? ` (rounds ${times(Math.min(...values))}–${times(Math.max(...values))})`
        : '';
    const goal = (key, text) => {
      const v = ratios[key];
      const c = cpuRatios[key];
      print(
        `  goal moin-session ≥ ${HTTP_GOALS[key]}× ${text}: ` +
          (v === null
            ? 'not measured'
            : `${times(v)}${range(ratioRounds[key].reqPerSec)} ${verdict(v, HTTP_GOALS[key])}`) +
          (c === null
            ? ''
            : `; by CPU per request ${times(c)}${range(ratioRounds[key].cpu)} ${verdict(c, HTTP_GOALS[key])}`)
      );
    };
    goal('vsExpressSqlite', 'express-session on SQLite');
    goal('vsRaw', 'raw node:http');
    return {load, rounds, targets, ratios, cpuRatios, ratioRounds, goals: HTTP_GOALS};
  } finally {
    await Promise.all(running.map((r) => r.t.stop()));
    if (profile) {
      const moin = running.find((r) => r.target.id === 'moin');
      const requests = moin?.samples.reduce((n, m) => n + m.requests + m.warmupRequests, 0);
      for (const line of summarizeProfiles(profileDir, 25, {requests})) print(line);
    }
  }
}

if (isMain(import.meta.url)) {
  const {values} = parseArgs({options: LOAD_OPTIONS});
  console.log(JSON.stringify(await runHttpBench(httpOptionsFrom(values)), null, 2));
}

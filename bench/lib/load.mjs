// The load generator: autocannon in this (the parent) process, the target in a child process.
import autocannon from 'autocannon';
import {cpuSeconds} from './proc.mjs';

/** The knobs every HTTP target gets, identically. */
export const DEFAULT_LOAD = Object.freeze({
  connections: 50,
  pipelining: 1,
  // Once per target before the first round: a fresh process serves far slower for its first
  // seconds (V8 still compiling its hot path; on a busy machine the compiler threads wait too).
  // Measured here in 3 s windows from a cold start: moin-session 75 µs CPU/request for ~12 s,
  // then ~50; raw node:http 47 → 25 µs over ~9 s. 5 s left both mid-climb in round 1.
  firstWarmupSeconds: 15,
  warmupSeconds: 2,
  durationSeconds: 5,
});

function run(opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/**
 * Warms the target up (results thrown away: JIT, SQLite page cache, keep-alive sockets), then
 * measures; with the target's `pid`, also its CPU time per request. Returns req/s (mean of the per-second samples), latency p50/p99 in ms and the count of
 * anything that was not a 2xx answer: a run with failures is not a valid figure.
 */
export async function measure(
  {url, headers = {}, method = 'GET', pid, requests},
  load = DEFAULT_LOAD,
  {first = false} = {}
) {
  const base = {
    url,
    method,
    headers,
    connections: load.connections,
    pipelining: load.pipelining,
    // autocannon's request list (e.g. a `setupRequest` that gives each request another cookie).
    ...(requests ? {requests} : {}),
  };
  const warmup = first ? (load.firstWarmupSeconds ?? load.warmupSeconds) : load.warmupSeconds;
  const warm = warmup > 0 ? await run({...base, duration: warmup}) : null;
  const cpuBefore = pid === undefined ? 0 : cpuSeconds(pid);
  const r = await run({...base, duration: load.durationSeconds});
  const cpu = pid === undefined ? NaN : cpuSeconds(pid) - cpuBefore;
  return {
    reqPerSec: Math.round(r.requests.average),
    // The target's own CPU per answered request (all cores), in microseconds.
    cpuUsPerReq: Math.round((cpu * 1e6) / Math.max(1, r.requests.total)),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    warmupRequests: warm?.requests.total ?? 0,
    failures: r.non2xx + r.errors + r.timeouts,
  };
}

/** The median of numbers (the middle one, or the mean of the two middle ones). */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The command-line options (node:util parseArgs) that set the load, shared by the bench scripts. */
export const LOAD_OPTIONS = {
  rounds: {type: 'string', default: '3'},
  duration: {type: 'string', default: String(DEFAULT_LOAD.durationSeconds)},
  warmup: {type: 'string', default: String(DEFAULT_LOAD.warmupSeconds)},
  'first-warmup': {type: 'string', default: String(DEFAULT_LOAD.firstWarmupSeconds)},
  connections: {type: 'string', default: String(DEFAULT_LOAD.connections)},
  pipelining: {type: 'string', default: String(DEFAULT_LOAD.pipelining)},
  profile: {type: 'boolean', default: false},
};

/** The runHttpBench options for parsed {@link LOAD_OPTIONS} values. */
export function httpOptionsFrom(values) {
  return {
    rounds: Number(values.rounds),
    profile: values.profile,
    load: {
      connections: Number(values.connections),
      pipelining: Number(values.pipelining),
      firstWarmupSeconds: Number(values['first-warmup']),
      warmupSeconds: Number(values.warmup),
      durationSeconds: Number(values.duration),
    },
  };
}

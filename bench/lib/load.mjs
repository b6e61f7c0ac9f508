// The load generator: autocannon in this (the parent) process, the target in a child process.
import autocannon from 'autocannon';

/** The knobs every HTTP target gets, identically. */
export const DEFAULT_LOAD = Object.freeze({
  connections: 50,
  pipelining: 1,
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
 * measures. Returns req/s (mean of the per-second samples), latency p50/p99 in ms and the count of
 * anything that was not a 2xx answer: a run with failures is not a valid figure.
 */
export async function measure({url, headers = {}, method = 'GET'}, load = DEFAULT_LOAD) {
  const base = {
    url,
    method,
    headers,
    connections: load.connections,
    pipelining: load.pipelining,
  };
  if (load.warmupSeconds > 0) await run({...base, duration: load.warmupSeconds});
  const r = await run({...base, duration: load.durationSeconds});
  return {
    reqPerSec: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
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
      warmupSeconds: Number(values.warmup),
      durationSeconds: Number(values.duration),
    },
  };
}

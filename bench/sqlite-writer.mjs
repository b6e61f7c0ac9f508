// The SQLite writer and the event loop (issue 15): visits offered at a fixed rate (open loop,
// issued on a 1 ms timer whether or not earlier ones were acked) to the store in this process,
// spread over N sessions; per row the acks per second, the ack latency p50/p99 (a visit's promise
// settles after its COMMIT with synchronous=FULL) and the event loop's delay (p99, max), which
// is what every other socket and /healthz waits while a group commit is flushed; and the CPU per
// ack of the whole process (both threads). Each row with the writer thread (the default) and
// without it (`writerThread: false`, the writer on the event loop as before), side by side. Not a test;
// needs `npm run build`.
//   node bench/sqlite-writer.mjs [--seconds 3] [--rates 5000,20000] [--sessions 100,2000]
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {monitorEventLoopDelay} from 'node:perf_hooks';
import {parseArgs} from 'node:util';
import {SqliteStore} from '../dist/server/store/sqlite-store.js';

const {values} = parseArgs({
  options: {
    seconds: {type: 'string', default: '3'},
    rates: {type: 'string', default: '5000,20000'},
    sessions: {type: 'string', default: '100,2000'},
  },
});
const seconds = Number(values.seconds);

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function run(rate, sessions, writerThread) {
  const dir = mkdtempSync(join(tmpdir(), 'moin-bench-writer-'));
  let commits = 0;
  const store = new SqliteStore(join(dir, 'sessions.db'), {
    writerThread,
    onCommit: () => commits++,
  });
  const now = Date.now();
  const base = {user: null, rememberMe: false, suTarget: null, data: {}, rev: 1, createdAt: now};
  await Promise.all(
    Array.from({length: sessions}, (_, s) =>
      store.insert({...base, key: `k${s}`, trail: [], ops: '', expiresAt: now + 3_600_000})
    )
  );
  const latencies = [];
  let issued = 0;
  let failed = 0;
  const delay = monitorEventLoopDelay({resolution: 1});
  const started = performance.now();
  const until = started + seconds * 1000;
  commits = 0;
  const cpu = process.cpuUsage();
  delay.enable();
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const t = performance.now();
      // Catch up to the offered rate: a stalled loop issues the backlog at once, as sockets would.
      const due = Math.floor(((t - started) / 1000) * rate);
      for (; issued < due; issued++) {
        const id = `op-${issued}`;
        const key = `k${issued % sessions}`;
        store.mutate(key, {type: 'visit', page: `P-${id}`, trailSize: 5, opId: id}, now).then(
          () => latencies.push(performance.now() - t),
          () => failed++
        );
      }
      if (t >= until) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  delay.disable();
  const used = process.cpuUsage(cpu);
  const elapsed = (performance.now() - started) / 1000;
  await store.close();
  rmSync(dir, {recursive: true, force: true});
  latencies.sort((a, b) => a - b);
  return {
    writerThread,
    rate,
    sessions,
    acksPerSecond: Math.round(latencies.length / elapsed),
    ackP50Ms: +quantile(latencies, 0.5).toFixed(1),
    ackP99Ms: +quantile(latencies, 0.99).toFixed(1),
    loopP99Ms: +(delay.percentile(99) / 1e6).toFixed(1),
    loopMaxMs: +(delay.max / 1e6).toFixed(1),
    writesPerCommit: +(latencies.length / Math.max(1, commits)).toFixed(1),
    // Every thread of the process (the writer thread too).
    cpuUsPerAck: +((used.user + used.system) / Math.max(1, latencies.length)).toFixed(1),
    failed,
  };
}

console.log(`sqlite writer, offered visits, ${seconds} s per row (node ${process.version})`);
console.log(
  'writer   offered/s  sessions  acks/s  ack p50  ack p99  loop p99  loop max  writes/commit  µs CPU/ack'
);
const rows = [];
for (const sessions of values.sessions.split(',').map(Number)) {
  for (const rate of values.rates.split(',').map(Number)) {
    for (const writerThread of [true, false]) {
      const r = await run(rate, sessions, writerThread);
      rows.push(r);
      console.log(
        `${(writerThread ? 'thread' : 'inline').padEnd(7)}  ${String(rate).padStart(9)}  ${String(sessions).padStart(8)}  ${String(r.acksPerSecond).padStart(6)}` +
          `  ${String(r.ackP50Ms).padStart(7)}  ${String(r.ackP99Ms).padStart(7)}` +
          `  ${String(r.loopP99Ms).padStart(8)}  ${String(r.loopMaxMs).padStart(8)}` +
          `  ${String(r.writesPerCommit).padStart(13)}  ${String(r.cpuUsPerAck).padStart(10)}` +
          (r.failed ? `  failed ${r.failed}` : '')
      );
    }
  }
}
console.log(JSON.stringify({bench: 'sqlite-writer', seconds, rows}));

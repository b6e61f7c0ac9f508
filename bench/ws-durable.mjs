// Durable WebSocket visits under an open-loop load, and heartbeats of many idle sockets (issue 15):
// not a test. Against dist/ (`npm run build` first), every server in its own process, on loopback.
//  1. acks: durable acked visits (each ack only after the SQLite commit, synchronous=FULL) from
//     `--sockets` sockets (one session each) at each `--rates` offered visits per second (open
//     loop, bench/lib/open-loop.mjs), beside the no-storage ceiling (bench/anchors/ws-ceiling.mjs:
//     the same frames and fan-out, no store) driven by the same generator, interleaved: acks/s,
//     ack p50/p99/max, and the ratios to the ceiling.
//  2. idle: `--idle-sockets` idle authenticated sockets (100 per session) with the heartbeat
//     lowered to `--ping-seconds`: the largest /healthz wait seen from another process
//     (bench/lib/healthz-probe.mjs) and the largest event-loop delay inside the server over
//     `--heartbeats` heartbeats, beside the same probe with no sockets open.
// Prints human lines, then one JSON line. Needs `ulimit -n` above idle sockets + 500.
//
// `node bench/ws-durable.mjs [--sockets 100,2000] [--rates 5000,20000] [--seconds 5] [--warmup 1]
//                            [--idle-sockets 10000] [--ping-seconds 2] [--heartbeats 3]
//                            [--parts acks,idle] [--synchronous FULL]`
// `--synchronous NORMAL` runs the acks part on a store without the disk flush (not durable across
// a power loss; a diagnostic of what the flush costs, never the default or a goal's figure).
// DURABLE_PROF=DIR writes the moin-session target's CPU profiles there (main and writer thread).
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {startTarget} from './lib/child.mjs';
import {int, times} from './lib/format.mjs';
import {startProbe} from './lib/healthz-probe.mjs';
import {machineInfo} from './lib/machine.mjs';
import {openLoop} from './lib/open-loop.mjs';
import {loopWindow} from './lib/target-control.mjs';
import {closeAll, openMany} from './lib/ws-clients.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const {values} = parseArgs({
  options: {
    sockets: {type: 'string', default: '100,2000'},
    rates: {type: 'string', default: '5000,20000'},
    seconds: {type: 'string', default: '5'},
    warmup: {type: 'string', default: '1'},
    'idle-sockets': {type: 'string', default: '10000'},
    'ping-seconds': {type: 'string', default: '2'},
    heartbeats: {type: 'string', default: '3'},
    parts: {type: 'string', default: 'acks,idle'},
    synchronous: {type: 'string', default: 'FULL'},
  },
});
const list = (s) => s.split(',').filter(Boolean).map(Number);
const opt = {
  sockets: list(values.sockets),
  rates: list(values.rates),
  seconds: Number(values.seconds),
  warmup: Number(values.warmup),
  idleSockets: Number(values['idle-sockets']),
  pingSeconds: Number(values['ping-seconds']),
  heartbeats: Number(values.heartbeats),
  parts: values.parts.split(','),
  synchronous: values.synchronous.toUpperCase(),
};
if (!['FULL', 'NORMAL'].includes(opt.synchronous))
  throw new Error(`--synchronous is FULL or NORMAL, not ${values.synchronous}`);

/** The goals. */
export const DURABLE_GOALS = {
  // At the lower offered rate.
  ackP99Ms: 20,
  lowRate: 5000,
  // At the higher offered rate: all of it acked (99 %: one window boundary's worth of slack).
  acksPerSecond: 20_000,
  highRate: 20_000,
  ackRateSlack: 0.99,
  // Ack p99 at most this many times the ceiling's, at every rate.
  p99VsCeiling: 2.5,
  // Idle sockets: the largest /healthz wait and event-loop delay.
  idleStallMs: 50,
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const line = (label, a) =>
  `${label.padEnd(12)} ${String(a.sockets).padStart(5)} sockets ${int(a.offeredPerSecond).padStart(6)}/s offered: ` +
  `${int(a.acksPerSecond).padStart(6)} acks/s, p50 ${a.p50Ms} ms, p99 ${a.p99Ms} ms, max ${a.maxMs} ms` +
  (a.lost ? `, ${int(a.lost)} not acked (latencies are lower bounds)` : '') +
  (a.errors ? `, ${int(a.errors)} errors (${a.lastError})` : '') +
  (a.serverCpuUsPerAck !== undefined ? `, ${a.serverCpuUsPerAck} µs server CPU/ack` : '') +
  (a.generatorMaxBehindMs > 20 ? ` (generator fell ${a.generatorMaxBehindMs} ms behind)` : '');

async function ackPart() {
  const sessions = Math.max(...opt.sockets);
  const [moin, ceiling] = await Promise.all([
    // ws-target's third argument is the store ('' for its default SQLite file), the fourth FULL/NORMAL.
    startTarget(here('./ws-target.mjs'), [String(sessions), '1', '', opt.synchronous], {
      timeoutMs: 120_000,
      nodeArgs: process.env.DURABLE_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.DURABLE_PROF}`]
        : [],
    }),
    startTarget(here('./anchors/ws-ceiling.mjs'), [String(sessions)]),
  ]);
  const rows = [];
  try {
    console.log(`acks: moin-session store ${moin.store}, ${sessions} logged-in sessions`);
    for (const n of opt.sockets) {
      const ignore = () => {};
      const sockets = {
        moin: await openMany(moin, moin.cookies.slice(0, n), ignore),
        ceiling: await openMany(ceiling, ceiling.cookies.slice(0, n), ignore),
      };
      for (const rate of opt.rates) {
        const load = {rate, seconds: opt.seconds, warmup: opt.warmup};
        const ours = await openLoop(sockets.moin, {...load, pid: moin.pid});
        await sleep(300);
        const theirs = await openLoop(sockets.ceiling, {...load, pid: ceiling.pid});
        const row = {
          sockets: n,
          offeredPerSecond: rate,
          moin: ours,
          ceiling: theirs,
          p99VsCeiling: +(ours.p99Ms / Math.max(0.01, theirs.p99Ms)).toFixed(2),
          acksVsCeiling: +(ours.acksPerSecond / Math.max(1, theirs.acksPerSecond)).toFixed(2),
        };
        rows.push(row);
        console.log(line('moin-session', ours));
        console.log(line('ceiling', theirs));
        console.log(
          `  ratio: p99 ${times(row.p99VsCeiling)} the ceiling's (goal ≤ ${DURABLE_GOALS.p99VsCeiling}×), ` +
            `acks/s ${times(row.acksVsCeiling)}`
        );
        await sleep(300);
      }
      await Promise.all([closeAll(sockets.moin), closeAll(sockets.ceiling)]);
    }
  } finally {
    await Promise.all([moin.stop(), ceiling.stop()]);
  }
  const g = DURABLE_GOALS;
  const at = (rate) => rows.filter((r) => r.offeredPerSecond === rate);
  const met = {
    ackP99AtLowRate: at(g.lowRate).length
      ? at(g.lowRate).every((r) => r.moin.p99Ms < g.ackP99Ms)
      : null,
    acksAtHighRate: at(g.highRate).length
      ? at(g.highRate).every((r) => r.moin.acksPerSecond >= g.acksPerSecond * g.ackRateSlack)
      : null,
    p99VsCeiling: rows.every((r) => r.p99VsCeiling <= g.p99VsCeiling),
  };
  return {rows, met};
}

/** Probes /healthz from another process for `ms`, with the server's own loop delay beside it. */
async function stallWindow(target, ms) {
  await loopWindow(target.control);
  const probe = startProbe(target.url);
  await sleep(ms);
  const healthz = await probe.stop();
  return {healthz, loop: await loopWindow(target.control)};
}

async function idlePart() {
  const perSession = 100;
  const sessions = Math.ceil(opt.idleSockets / perSession);
  const target = await startTarget(
    here('./ws-target.mjs'),
    [String(sessions), String(perSession)],
    {env: {MOIN_BENCH_CONFIG: JSON.stringify({ping_interval_seconds: opt.pingSeconds})}}
  );
  try {
    const span = opt.heartbeats * opt.pingSeconds * 1000;
    const none = await stallWindow(target, Math.min(span, 3000));
    const cookies = Array.from({length: opt.idleSockets}, (_, i) => target.cookies[i % sessions]);
    const t = performance.now();
    const sockets = await openMany(target, cookies, () => {});
    const openSeconds = +((performance.now() - t) / 1000).toFixed(1);
    // One heartbeat to settle after the opening burst, then the measured ones.
    await sleep(opt.pingSeconds * 1000);
    const idle = await stallWindow(target, span);
    const alive = sockets.filter((ws) => ws.readyState === 1).length;
    await closeAll(sockets);
    const result = {
      sockets: sockets.length,
      alive,
      openSeconds,
      pingSeconds: opt.pingSeconds,
      heartbeats: opt.heartbeats,
      none,
      idle,
      met:
        Math.max(idle.healthz.maxWaitMs, idle.loop.maxMs) < DURABLE_GOALS.idleStallMs &&
        alive === sockets.length,
    };
    console.log(
      `idle: no sockets: /healthz max wait ${none.healthz.maxWaitMs} ms, server loop max ${none.loop.maxMs} ms`
    );
    console.log(
      `idle: ${int(sockets.length)} idle sockets (opened in ${openSeconds} s, ${int(alive)} still open), ` +
        `${opt.heartbeats} heartbeats of ${opt.pingSeconds} s: /healthz max wait ${idle.healthz.maxWaitMs} ms ` +
        `(p99 ${idle.healthz.p99WaitMs} ms, max gap ${idle.healthz.maxGapMs} ms, ${int(idle.healthz.requests)} probes), ` +
        `server loop max ${idle.loop.maxMs} ms (goal < ${DURABLE_GOALS.idleStallMs} ms)`
    );
    return result;
  } finally {
    await target.stop();
  }
}

const {info, line: machine} = machineInfo();
console.log(machine);
const acks = opt.parts.includes('acks') ? await ackPart() : null;
const idle = opt.parts.includes('idle') ? await idlePart() : null;
console.log(
  JSON.stringify({
    bench: 'ws-durable',
    command: `node bench/ws-durable.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    machine: info,
    goals: DURABLE_GOALS,
    acks,
    idle,
  })
);

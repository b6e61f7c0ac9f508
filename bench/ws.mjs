// WebSocket bench (docs/sync.md, docs/benchmarks.md): not a test. Against dist/ (`npm run build` first), with
// the server in its own process on a fresh SQLite file and the clients here, on loopback:
//  1. durable acked visits from 100 sockets (one session each), once per `--windows` entry: that
//     many visits in flight per socket (1: a browser's pace; 8: a client flushing its queue):
//     acks per second, ack latency p50/p99 (an ack is sent only after the SQLite commit), and the
//     server CPU per ack;
//  2. memory per idle authenticated socket: server RSS before and after opening `--sockets` sockets
//     (perMessageDeflate is off), after a full GC each time;
//  3. pushes per second to those sockets: one driver socket per session sends a visit whenever it
//     sees its previous one pushed back; every socket of that session gets the new view. Also per
//     second of server CPU (user + system, from /proc), i.e. per core.
// Prints human lines, then one JSON line. Needs `ulimit -n` above sockets + a margin (both
// processes hold one descriptor per socket): `ulimit -n 20000` if your shell's limit is lower.
//
// `node bench/ws.mjs [--sockets 5000] [--per-session 100] [--ack-sockets 100] [--windows 1,8]
//                    [--seconds 5] [--warmup 1] [--profile] [--store memory:] [--synchronous NORMAL]`
// `--profile` runs the server under `node --cpu-prof` and prints where its time went.
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {startTarget} from './lib/child.mjs';
import {int} from './lib/format.mjs';
import {machineInfo} from './lib/machine.mjs';
import {summarizeProfiles} from './lib/profile.mjs';
import {closeAll, openMany} from './lib/ws-clients.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const {values} = parseArgs({
  options: {
    sockets: {type: 'string', default: '5000'},
    'per-session': {type: 'string', default: '100'},
    'ack-sockets': {type: 'string', default: '100'},
    windows: {type: 'string', default: '1,8'},
    seconds: {type: 'string', default: '5'},
    warmup: {type: 'string', default: '1'},
    profile: {type: 'boolean', default: false},
    store: {type: 'string', default: ''},
    synchronous: {type: 'string', default: 'FULL'},
  },
});
const opt = {
  sockets: Number(values.sockets),
  perSession: Number(values['per-session']),
  ackSockets: Number(values['ack-sockets']),
  windows: values.windows.split(',').map(Number),
  seconds: Number(values.seconds),
  warmup: Number(values.warmup),
};

/** The aims. */
const GOALS = {
  acksPerSecond: 20_000,
  ackP99Ms: 20,
  pushesPerCpuSecond: 50_000,
  bytesPerIdleSocket: 10_240,
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function openFiles() {
  const r = spawnSync('sh', ['-c', 'ulimit -n'], {encoding: 'utf8'});
  const n = r.stdout.trim();
  return n === 'unlimited' ? Infinity : Number(n);
}

/** Resident set size of a process, in bytes (Linux /proc). */
function rss(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout.trim()) || 100;

/** User + system CPU seconds a process has used (Linux /proc). */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Settled RSS: a full GC in the target, then a pause for the allocator. */
async function settledRss(pid) {
  // Twice: the first full GC runs finalizers whose memory only the second one frees.
  for (const pause of [300, 800]) {
    process.kill(pid, 'SIGUSR2');
    await sleep(pause);
  }
  return rss(pid);
}

/** How many batches the idle sockets are opened in; bytes per socket is the median batch's. */
const IDLE_STEPS = 5;

/**
 * Opens the sockets in {@link IDLE_STEPS} batches with a settled RSS before and after each, and
 * takes the median of the batches' bytes per socket: one batch whose RSS fell (the allocator
 * returning pages freed by an earlier phase) or jumped (a heap growing by a whole segment) does
 * not decide the figure. `valid` is false when the median is not positive: a measurement error,
 * never a "met".
 */
async function openIdle(target, cookies, onMessage) {
  const sockets = [];
  const steps = [];
  const size = Math.ceil(cookies.length / IDLE_STEPS);
  const first = await settledRss(target.pid);
  let before = first;
  const t = performance.now();
  let openMs = 0;
  for (let i = 0; i < cookies.length; i += size) {
    const t0 = performance.now();
    const batch = await openMany(target, cookies.slice(i, i + size), onMessage);
    openMs += performance.now() - t0;
    sockets.push(...batch);
    const after = await settledRss(target.pid);
    steps.push(Math.round((after - before) / batch.length));
    before = after;
  }
  const sorted = [...steps].sort((a, b) => a - b);
  const bytesPerSocket = sorted[Math.floor(sorted.length / 2)];
  return {
    sockets,
    idle: {
      sockets: sockets.length,
      rssBeforeMiB: Math.round((first / 2 ** 20) * 10) / 10,
      rssAfterMiB: Math.round((before / 2 ** 20) * 10) / 10,
      bytesPerSocket,
      stepBytesPerSocket: steps,
      valid: bytesPerSocket > 0,
      openSeconds: Math.round(openMs / 100) / 10,
      measureSeconds: Math.round((performance.now() - t) / 100) / 10,
    },
  };
}

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

/**
 * Lets the load warm up, then counts for `--seconds`: `setMeasuring(true)` while counting.
 * Returns the seconds counted and the CPU seconds the server (from /proc) and this process used.
 */
async function measureWindow(pid, setMeasuring) {
  await sleep(opt.warmup * 1000);
  const cpu0 = cpuSeconds(pid);
  const own0 = process.cpuUsage();
  setMeasuring(true);
  const t0 = performance.now();
  await sleep(opt.seconds * 1000);
  setMeasuring(false);
  const elapsed = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  return {elapsed, cpu: cpuSeconds(pid) - cpu0, clientCpu: (own.user + own.system) / 1e6};
}

/** Phase 1: closed-loop acked visits, `window` in flight per socket. */
async function ackPhase(target, window) {
  let measuring = false;
  let stop = false;
  let acks = 0;
  let pushes = 0;
  const latencies = [];
  const state = new Map();
  const sendNext = (ws) => {
    const s = state.get(ws);
    const id = `b${s.n++}`;
    s.sent.set(id, {at: performance.now(), measured: measuring});
    ws.send(JSON.stringify({type: 'visit', id, page: `Page${s.n % 8}`}));
  };
  const onMessage = (ws, data) => {
    const m = JSON.parse(String(data));
    if (m.type === 'session') {
      if (measuring) pushes++;
      return;
    }
    if (m.type !== 'ack') throw new Error(`unexpected answer to a visit: ${String(data)}`);
    const s = state.get(ws);
    const sent = s.sent.get(m.id);
    s.sent.delete(m.id);
    if (sent?.measured && measuring) {
      acks++;
      latencies.push(performance.now() - sent.at);
    }
    if (!stop) sendNext(ws);
  };
  const sockets = await openMany(target, target.cookies.slice(0, opt.ackSockets), onMessage);
  for (const ws of sockets) state.set(ws, {n: 0, sent: new Map()});
  for (const ws of sockets) for (let i = 0; i < window; i++) sendNext(ws);
  const {elapsed, cpu, clientCpu} = await measureWindow(target.pid, (on) => (measuring = on));
  stop = true;
  await sleep(200);
  await closeAll(sockets);
  latencies.sort((a, b) => a - b);
  return {
    sockets: sockets.length,
    window,
    seconds: Math.round(elapsed * 10) / 10,
    acksPerSecond: Math.round(acks / elapsed),
    p50Ms: Math.round(pct(latencies, 0.5) * 100) / 100,
    p99Ms: Math.round(pct(latencies, 0.99) * 100) / 100,
    pushesPerSecond: Math.round(pushes / elapsed),
    serverCpuPercent: Math.round((cpu / elapsed) * 100),
    // Server CPU per acked visit (all of it: frame, store, bus, re-read, push): what one core
    // could sustain is 1e6 / this, whatever else the machine is doing.
    serverCpuUsPerAck: Math.round((cpu * 1e6) / Math.max(acks, 1)),
    clientCpuPercent: Math.round((clientCpu / elapsed) * 100),
  };
}

/** Phases 2 and 3: idle memory per socket, then pushes to all of them. */
async function fanOutPhase(target) {
  const sessions = Math.ceil(opt.sockets / opt.perSession);
  const cookies = [];
  for (let i = 0; i < opt.sockets; i++) cookies.push(target.cookies[i % sessions]);
  let measuring = false;
  let stop = false;
  let pushes = 0;
  const drivers = new Map();
  const onMessage = (ws, data) => {
    if (measuring) pushes++;
    const d = drivers.get(ws);
    if (!d) return;
    const m = JSON.parse(String(data));
    if (m.type === 'session' && m.session.trail.at(-1) === d.page && !stop) drive(ws);
  };
  const drive = (ws) => {
    const d = drivers.get(ws);
    d.page = `Fan${d.n++ % 8}`;
    ws.send(JSON.stringify({type: 'visit', id: `f${d.n}`, page: d.page}));
  };
  const {sockets, idle} = await openIdle(target, cookies, onMessage);
  // The first socket of each session drives it; the received pushes of all sockets are counted.
  for (let s = 0; s < sessions; s++) drivers.set(sockets[s], {n: 0, page: ''});
  for (const ws of drivers.keys()) drive(ws);
  const {elapsed, cpu} = await measureWindow(target.pid, (on) => (measuring = on));
  stop = true;
  await sleep(200);
  await closeAll(sockets);
  return {
    idle,
    pushes: {
      sockets: sockets.length,
      sessions,
      socketsPerSession: opt.perSession,
      seconds: Math.round(elapsed * 10) / 10,
      pushesPerSecond: Math.round(pushes / elapsed),
      serverCpuSeconds: Math.round(cpu * 100) / 100,
      pushesPerCpuSecond: Math.round(pushes / Math.max(cpu, 0.01)),
    },
  };
}

async function main() {
  if (!existsSync(here('../dist/server/index.js'))) {
    console.error('ws bench: dist/ is missing; run `npm run build` first');
    process.exit(1);
  }
  const limit = openFiles();
  if (limit < opt.sockets + 500) {
    const fit = Math.max(100, Math.floor((limit - 500) / 100) * 100);
    console.log(`ws: ulimit -n is ${limit}; using ${fit} sockets (raise it: ulimit -n 20000)`);
    opt.sockets = fit;
  }
  const sessions = Math.max(opt.ackSockets, Math.ceil(opt.sockets / opt.perSession));
  const {line, info} = machineInfo();
  console.log(line);
  const profileDir = values.profile ? mkdtempSync(join(tmpdir(), 'moin-ws-prof-')) : null;
  const target = await startTarget(
    here('./ws-target.mjs'),
    [String(sessions), String(opt.perSession), values.store, values.synchronous],
    {
      nodeArgs: [
        '--expose-gc',
        ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      ],
    }
  );
  try {
    console.log(
      `ws: server pid ${target.pid}, store ${target.store}, ${sessions} logged-in sessions`
    );
    const acks = [];
    for (const window of opt.windows) {
      const a = await ackPhase(target, window);
      acks.push(a);
      console.log(
        `ws acked visits: ${int(a.acksPerSecond)}/s from ${a.sockets} sockets (window ${window}), ` +
          `ack latency p50 ${a.p50Ms} ms, p99 ${a.p99Ms} ms ` +
          `(aim ${int(GOALS.acksPerSecond)}/s, p99 < ${GOALS.ackP99Ms} ms); CPU: server ` +
          `${a.serverCpuPercent}% (${a.serverCpuUsPerAck} µs per ack), clients ${a.clientCpuPercent}%`
      );
    }
    const {idle, pushes} = await fanOutPhase(target);
    console.log(
      `ws idle sockets: ${int(idle.sockets)} opened in ${idle.openSeconds} s, server RSS ` +
        `${idle.rssBeforeMiB} → ${idle.rssAfterMiB} MiB, ${int(idle.bytesPerSocket)} B per socket, ` +
        `median of ${idle.stepBytesPerSocket.length} batches (${idle.stepBytesPerSocket.map(int).join(', ')}) ` +
        (idle.valid
          ? `(aim < ${int(GOALS.bytesPerIdleSocket)} B)`
          : '(a measurement error: RSS did not grow; run again on a quieter machine)')
    );
    console.log(
      `ws pushes: ${int(pushes.pushesPerSecond)}/s to ${int(pushes.sockets)} sockets ` +
        `(${pushes.sessions} sessions × ${pushes.socketsPerSession}), ${int(pushes.pushesPerCpuSecond)} ` +
        `per server CPU second (aim ${int(GOALS.pushesPerCpuSecond)})`
    );
    const result = {
      bench: 'ws',
      command: `node bench/ws.mjs ${process.argv.slice(2).join(' ')}`.trim(),
      machine: info,
      store: target.store,
      acks,
      idle,
      pushes,
      goals: GOALS,
      met: {
        acksPerSecond: acks.some((a) => a.acksPerSecond >= GOALS.acksPerSecond),
        ackP99Ms: acks.some((a) => a.p99Ms < GOALS.ackP99Ms),
        pushesPerCpuSecond: pushes.pushesPerCpuSecond >= GOALS.pushesPerCpuSecond,
        // A non-positive median is a measurement error, not a "met".
        bytesPerIdleSocket: idle.valid ? idle.bytesPerSocket < GOALS.bytesPerIdleSocket : null,
      },
    };
    console.log(JSON.stringify(result));
  } finally {
    await target.stop();
    if (profileDir) {
      for (const l of summarizeProfiles(profileDir)) console.log(l);
      rmSync(profileDir, {recursive: true, force: true});
    }
  }
}

await main();

// Store maintenance at scale (issue 15), on a running server (bench/ws-target.mjs, the built
// service on a real SQLite file) with durable acked visits streaming over WebSocket all along
// (bench/lib/open-loop.mjs) and /healthz probed from another process (bench/lib/healthz-probe.mjs):
//  - purge: the largest event-loop delay inside the server (and /healthz wait, ack latency) while
//    the server's own purge (`store.purgeExpired`, what its timer runs) removes `--rows` expired
//    sessions, beside the same load with no purge (the noise floor) and the one-DELETE purge it
//    replaced (the anchor);
//  - cli: the same while `moin-session sessions purge` (the CLI, another process) removes them;
//  - list: `moin-session sessions list` of `--rows` sessions: completes? seconds, peak RSS of the
//    CLI process (/usr/bin/time -v);
//  - window: bytes per stored session with a full op-id window: `--window-sessions` sessions each
//    sent `--visits` visits over WebSocket with op ids as the browser makes them, then the stored
//    rows read back from the file (bytes of the row's columns, and pages on disk per session).
// The expired and listed rows are written with SQL into the server's file (bench/lib/seed-sessions.mjs).
// Not a test; needs `npm run build`. Prints human lines, then one JSON line.
//   node bench/store-maintenance.mjs [--rows 500000] [--rate 1000] [--sockets 100]
//     [--window-sessions 100] [--visits 300] [--parts delete,purge,cli,list,window]
import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import Database from 'better-sqlite3';
import {startTarget} from './lib/child.mjs';
import {BENCH_PAGES} from './lib/fixture.mjs';
import {int} from './lib/format.mjs';
import {startProbe} from './lib/healthz-probe.mjs';
import {machineInfo} from './lib/machine.mjs';
import {clientId, openLoop} from './lib/open-loop.mjs';
import {countExpired, createSessionFile, keyOf, seedSessions, sidOf} from './lib/seed-sessions.mjs';
import {loopWindow} from './lib/target-control.mjs';
import {closeAll, openMany} from './lib/ws-clients.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const {values} = parseArgs({
  options: {
    rows: {type: 'string', default: '500000'},
    rate: {type: 'string', default: '1000'},
    sockets: {type: 'string', default: '100'},
    'window-sessions': {type: 'string', default: '100'},
    visits: {type: 'string', default: '300'},
    parts: {type: 'string', default: 'delete,purge,cli,list,window'},
  },
});
const ROWS = Number(values.rows);
const RATE = Number(values.rate);
const SOCKETS = Number(values.sockets);
const PARTS = values.parts.split(',');
const BIN = here('../bin/moin-session.js');

/** The issue's goals. */
export const MAINTENANCE_GOALS = {stallMs: 50, bytesPerSession: 2048};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A target with `SOCKETS` sessions, its sockets open, and a CLI config on its file. */
async function startServer() {
  // One session more than sockets: no visit touches it, and seeded rows copy it.
  const target = await startTarget(here('./ws-target.mjs'), [String(SOCKETS + 1), '1']);
  const config = join(dirname(target.file), 'cli-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      store: `sqlite:${target.file}`,
      users_file: join(dirname(target.file), 'users.json'),
    })
  );
  const sockets = await openMany(target, target.cookies.slice(0, SOCKETS), () => {});
  return {
    target,
    config,
    sockets,
    template: keyOf(sidOf(target.cookies.at(-1))),
    async stop() {
      await closeAll(sockets);
      await target.stop();
    },
  };
}

/**
 * Runs `work()` (a promise) while visits stream at RATE/s and /healthz is probed: the server's
 * largest loop delay, the /healthz waits and the ack latency over exactly the time it took.
 */
async function underLoad(server, work, {seconds = 3} = {}) {
  const t = performance.now();
  let result;
  let probe;
  const job = (async () => {
    // After the load's warm-up second, so the whole of the work is measured, and only it.
    await sleep(1000);
    probe = startProbe(server.target.url);
    await loopWindow(server.target.control);
    const t1 = performance.now();
    result = await work();
    return (performance.now() - t1) / 1000;
  })();
  const acks = await openLoop(server.sockets, {
    rate: RATE,
    seconds,
    warmup: 1,
    until: job,
    pid: server.target.pid,
  });
  const workSeconds = await job;
  const healthz = await probe.stop();
  const loop = await loopWindow(server.target.control);
  return {
    result,
    workSeconds: +workSeconds.toFixed(2),
    totalSeconds: +((performance.now() - t) / 1000).toFixed(1),
    loopMaxMs: loop.maxMs,
    loopP99Ms: loop.p99Ms,
    healthzMaxWaitMs: healthz.maxWaitMs,
    healthzP99WaitMs: healthz.p99WaitMs,
    healthzFailures: healthz.failures,
    ackP99Ms: acks.p99Ms,
    ackMaxMs: acks.maxMs,
    acksPerSecond: acks.acksPerSecond,
    acksLost: acks.lost,
  };
}

/** Seeds `ROWS` sessions that expire in 2 s, and waits until they have. */
async function seedExpiring({target, template}) {
  const t = performance.now();
  const at = Date.now() + 2000;
  seedSessions(target.file, ROWS, {
    expiresAt: () => at,
    createdAt: () => at - 3_600_000,
    template,
  });
  const seedSeconds = +((performance.now() - t) / 1000).toFixed(1);
  await sleep(Math.max(0, at - Date.now() + 50));
  return seedSeconds;
}

/** Spawns the CLI (optionally under /usr/bin/time -v), its stdout counted and dropped. */
function runCli(args, {timeV = false} = {}) {
  return new Promise((resolve, reject) => {
    const argv = [process.execPath, BIN, ...args];
    const child = timeV
      ? spawn('/usr/bin/time', ['-v', ...argv], {stdio: ['ignore', 'pipe', 'pipe']})
      : spawn(argv[0], argv.slice(1), {stdio: ['ignore', 'pipe', 'pipe']});
    let tail = '';
    let bytes = 0;
    let lines = 0;
    let err = '';
    child.stdout.on('data', (d) => {
      bytes += d.length;
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
      tail = (tail + d).slice(-300);
    });
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
      resolve({
        code,
        bytes,
        lines,
        last: tail.trim().split('\n').at(-1),
        peakRssBytes: rss ? Number(rss[1]) * 1024 : null,
        err: err.replace(/\n\s*Command being timed[\s\S]*$/, '').slice(-300),
      });
    });
  });
}

/** The anchor: the purge as it was before issue 15, one DELETE on the event loop. */
async function oneDelete() {
  const dir = mkdtempSync(join(tmpdir(), 'moin-bench-maint-'));
  try {
    const file = join(dir, 'sessions.db');
    await createSessionFile(file);
    const now = Date.now();
    seedSessions(file, ROWS, {expiresAt: () => now - 1});
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const t = performance.now();
    const rows = db.prepare('DELETE FROM sessions WHERE expires <= ?').run(now).changes;
    const blockedMs = Math.round(performance.now() - t);
    db.close();
    console.log(
      `one DELETE of ${int(rows)} expired (the anchor): blocks its thread ${blockedMs} ms`
    );
    return {rows, blockedMs};
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

const show = (label, r) =>
  console.log(
    `${label}: ${r.workSeconds} s; server loop max ${r.loopMaxMs} ms (p99 ${r.loopP99Ms}), ` +
      `/healthz max wait ${r.healthzMaxWaitMs} ms, ack p99 ${r.ackP99Ms} ms max ${r.ackMaxMs} ms ` +
      `at ${int(r.acksPerSecond)}/s${r.acksLost ? `, ${int(r.acksLost)} not acked` : ''}` +
      (r.result === undefined ? '' : `; ${JSON.stringify(r.result)}`)
  );

async function purgeParts(report) {
  if (PARTS.includes('purge')) {
    const server = await startServer();
    try {
      // A first window warms the server and the generator up (JIT, page cache); not reported.
      await underLoad(server, () => sleep(2000));
      report.noPurge = await underLoad(server, () => sleep(3000));
      show('no purge (noise floor), 3 s', report.noPurge);
      const seedSeconds = await seedExpiring(server);
      report.inProcess = await underLoad(server, async () => {
        const r = await (await fetch(`${server.target.control}/purge`, {method: 'POST'})).json();
        return {...r, left: countExpired(server.target.file, Date.now())};
      });
      report.inProcess.seedSeconds = seedSeconds;
      show(`in-process purge of ${int(ROWS)}`, report.inProcess);
    } finally {
      await server.stop();
    }
  }
  if (PARTS.includes('cli') || PARTS.includes('list')) {
    // A fresh server: its own purge timer has not been at these rows.
    const server = await startServer();
    try {
      if (PARTS.includes('cli')) {
        await seedExpiring(server);
        report.cli = await underLoad(server, async () => {
          const r = await runCli(['sessions', 'purge', '--config', server.config]);
          return {code: r.code, out: r.last, left: countExpired(server.target.file, Date.now())};
        });
        show(`CLI sessions purge of ${int(ROWS)}`, report.cli);
      }
      if (PARTS.includes('list')) {
        const now = Date.now();
        seedSessions(server.target.file, ROWS, {
          expiresAt: () => now + 3_600_000,
          template: server.template,
        });
        const t = performance.now();
        const r = await runCli(['sessions', 'list', '--config', server.config], {timeV: true});
        report.list = {
          rows: ROWS,
          code: r.code,
          seconds: +((performance.now() - t) / 1000).toFixed(1),
          lines: r.lines,
          bytes: r.bytes,
          peakRssBytes: r.peakRssBytes,
          last: r.last,
          ...(r.code === 0 ? {} : {err: r.err}),
        };
        console.log(
          `sessions list of ${int(ROWS)}: exit ${r.code} in ${report.list.seconds} s, ${int(r.lines)} lines, ` +
            `peak RSS ${r.peakRssBytes === null ? '?' : `${int(r.peakRssBytes / 2 ** 20)} MiB`}` +
            (r.code === 0 ? '' : `: ${r.err}`)
        );
      }
    } finally {
      await server.stop();
    }
  }
}

/** Sends `visits` visits on each socket, 8 in flight, op ids as the browser's mirror makes them. */
function fillWindows(sockets, visits) {
  return Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve, reject) => {
          const id = clientId();
          let sent = 0;
          let acked = 0;
          const send = () => {
            sent++;
            const page = BENCH_PAGES[sent % BENCH_PAGES.length];
            ws.send(JSON.stringify({type: 'visit', id: `${id}:${sent}`, page}));
          };
          ws.removeAllListeners('message');
          ws.on('message', (d) => {
            const m = JSON.parse(String(d));
            if (m.type === 'error') reject(new Error(String(d)));
            if (m.type !== 'ack') return;
            if (++acked === visits) resolve();
            else if (sent < visits) send();
          });
          for (let i = 0; i < Math.min(8, visits); i++) send();
        })
    )
  );
}

async function windowPart(report) {
  const sessions = Number(values['window-sessions']);
  const visits = Number(values.visits);
  const target = await startTarget(here('./ws-target.mjs'), [String(sessions), '1']);
  try {
    const sockets = await openMany(target, target.cookies, () => {});
    const t = performance.now();
    await fillWindows(sockets, visits);
    const fillSeconds = +((performance.now() - t) / 1000).toFixed(1);
    await closeAll(sockets);
    const db = new Database(target.file, {readonly: true});
    const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('sessions');
    // Every column's stored bytes (text and blobs as stored; numbers as their digits).
    const sum = columns.map((c) => `ifnull(length(CAST("${c}" AS BLOB)), 0)`).join(' + ');
    const keys = target.cookies.map((c) => keyOf(sidOf(c)));
    const row = db.prepare(`SELECT ${sum} FROM sessions WHERE key = ?`).pluck();
    const perColumn = db.prepare(
      `SELECT ${columns.map((c) => `length(CAST("${c}" AS BLOB)) AS "${c}"`).join(', ')} FROM sessions WHERE key = ?`
    );
    const rowBytes = keys.map((k) => row.get(k)).filter((n) => n !== undefined);
    // Pages of every table and index but the audit log and the store's secrets, per session.
    const pages = db
      .prepare(
        `SELECT sum(pgsize) FROM dbstat WHERE name NOT IN ('audit', 'secrets', 'sqlite_sequence')
         AND name NOT LIKE 'sqlite_autoindex_secrets%' AND name NOT LIKE 'sqlite_autoindex_audit%'`
      )
      .pluck()
      .get();
    const stored = db.prepare('SELECT count(*) FROM sessions').pluck().get();
    const columnsOfFirst = perColumn.get(keys[0]);
    db.close();
    const mean = rowBytes.reduce((a, b) => a + b, 0) / Math.max(1, rowBytes.length);
    report.opWindow = {
      sessions: rowBytes.length,
      visitsPerSession: visits,
      fillSeconds,
      rowBytes: Math.round(mean),
      maxRowBytes: Math.max(...rowBytes),
      columnBytes: columnsOfFirst,
      diskBytesPerSession: Math.round(pages / Math.max(1, stored)),
    };
    console.log(
      `full op-id window (${visits} visits on each of ${rowBytes.length} sessions over WebSocket, in ${fillSeconds} s): ` +
        `${int(mean)} B per stored row (columns: ${JSON.stringify(columnsOfFirst)}), ` +
        `${int(report.opWindow.diskBytesPerSession)} B of pages per session (goal ≤ ${int(MAINTENANCE_GOALS.bytesPerSession)} B)`
    );
  } finally {
    await target.stop();
  }
}

const {info, line} = machineInfo();
console.log(line);
const report = {bench: 'store-maintenance', rows: ROWS, rate: RATE, sockets: SOCKETS};
if (PARTS.includes('delete')) report.oneDelete = await oneDelete();
await purgeParts(report);
if (PARTS.includes('window')) await windowPart(report);
const g = MAINTENANCE_GOALS;
report.met = {
  inProcessStall: report.inProcess ? report.inProcess.loopMaxMs < g.stallMs : null,
  cliStall: report.cli ? report.cli.loopMaxMs < g.stallMs : null,
  listCompletes: report.list ? report.list.code === 0 && report.list.lines >= ROWS : null,
  bytesPerSession: report.opWindow
    ? Math.max(report.opWindow.rowBytes, report.opWindow.diskBytesPerSession) <= g.bytesPerSession
    : null,
};
report.goals = g;
report.machine = info;
report.command = `node bench/store-maintenance.mjs ${process.argv.slice(2).join(' ')}`.trim();
console.log(JSON.stringify(report));

// Store maintenance at scale (issue 15): the largest event-loop stall and write latency while
// 500,000 expired sessions are purged in-process and by the CLI, beside the one-DELETE purge it
// replaced; `sessions list` of 500,000 sessions (time, peak RSS); bytes per stored session with a
// full op-id window. Not a test; needs `npm run build`.
//   node bench/store-maintenance.mjs [--rows 500000]
import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import Database from 'better-sqlite3';
import {SqliteStore} from '../dist/server/store/sqlite-store.js';
import {int} from './lib/format.mjs';

const {values} = parseArgs({options: {rows: {type: 'string', default: '500000'}}});
const ROWS = Number(values.rows);
const BIN = fileURLToPath(new URL('../bin/moin-session.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'moin-bench-maint-'));
const now = Date.now();

function fill(file, rows, expires) {
  new Database(file).close();
  const setup = new SqliteStore(file, {purgeIntervalMs: 0});
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const ins = db.prepare(
    `INSERT INTO sessions VALUES (?, 'BenchUser', NULL, 0, '["FrontPage"]', '{}', '[]', 1, ?, ?)`
  );
  db.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run(`bench-key-${i}`.padEnd(43, 'x'), now + i, expires);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return setup.close();
}

const liveRecord = (key, user) => ({
  ...{key, user, rememberMe: false, suTarget: null, trail: [], data: {}, ops: [], rev: 1},
  ...{createdAt: now, expiresAt: now + 3_600_000},
});

// A write every 5 ms on a live session and a 5 ms timer, while `work` runs.
async function underLoad(store, work) {
  await store.insert(liveRecord('live', null));
  let last = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    const t = performance.now();
    stall = Math.max(stall, t - last - 5);
    last = t;
  }, 5);
  let done = false;
  const writes = [];
  const writer = (async () => {
    for (let i = 0; !done; i++) {
      const t = performance.now();
      await store.mutate('live', {type: 'visit', page: `P${i}`, trailSize: 5}, now);
      writes.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const t = performance.now();
  const result = await work();
  const seconds = (performance.now() - t) / 1000;
  done = true;
  await writer;
  clearInterval(timer);
  writes.sort((a, b) => a - b);
  return {
    result,
    seconds: +seconds.toFixed(2),
    maxStallMs: Math.round(stall),
    writes: writes.length,
    writeP99Ms: +(writes[Math.floor(writes.length * 0.99)] ?? 0).toFixed(1),
    writeMaxMs: +(writes.at(-1) ?? 0).toFixed(1),
  };
}

function runCli(args, config, {sink = false} = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--config', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '',
      err = '',
      bytes = 0,
      hwm = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwm = Math.max(hwm, Number(m[1]) * 1024);
      } catch {
        /* exited */
      }
    }, 20);
    child.stdout.on('data', (d) => {
      bytes += d.length;
      if (!sink) out += d;
      else out = String(d).slice(-200);
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({code, out, err, bytes, peakRssBytes: hwm});
    });
  });
}

const report = {rows: ROWS};
const file = join(dir, 'sessions.db');
const config = join(dir, 'config.json');
writeFileSync(
  config,
  JSON.stringify({store: `sqlite:${file}`, users_file: join(dir, 'users.json')})
);
// The anchor: the purge as it was, one DELETE on the event loop.
await fill(file, ROWS, now - 1);
{
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const t = performance.now();
  const n = db.prepare('DELETE FROM sessions WHERE expires <= ?').run(now).changes;
  report.oneDelete = {rows: n, blockedMs: Math.round(performance.now() - t)};
  db.close();
}
console.log(
  `one DELETE of ${int(ROWS)} expired (before): event loop blocked ${int(report.oneDelete.blockedMs)} ms`
);

rmSync(dir, {recursive: true, force: true});
const d2 = mkdtempSync(join(tmpdir(), 'moin-bench-maint-'));
const file2 = join(d2, 'sessions.db');
const config2 = join(d2, 'config.json');
writeFileSync(
  config2,
  JSON.stringify({store: `sqlite:${file2}`, users_file: join(d2, 'users.json')})
);
await fill(file2, ROWS, now - 1);
// The noise floor: the same writer and timer for 5 s with no purge at all.
{
  const store = new SqliteStore(file2, {purgeIntervalMs: 0});
  report.noPurge = await underLoad(store, () => new Promise((r) => setTimeout(r, 5000)));
  await store.close();
}
console.log(`no purge (noise floor): ${JSON.stringify(report.noPurge)}`);
const sizeBefore = statSync(file2).size;
{
  const store = new SqliteStore(file2, {purgeIntervalMs: 0});
  report.inProcess = await underLoad(store, () => store.purgeExpired(now));
  await store.close();
}
report.inProcess.fileBytesBefore = sizeBefore;
report.inProcess.fileBytesAfter = statSync(file2).size;
report.inProcess.walBytesAfter = statSync(file2 + '-wal', {throwIfNoEntry: false})?.size ?? 0;
console.log(`in-process chunked purge: ${JSON.stringify(report.inProcess)}`);

await fill(file2, ROWS, now - 1);
{
  const store = new SqliteStore(file2, {purgeIntervalMs: 0});
  report.cli = await underLoad(store, async () => {
    const r = await runCli(['sessions', 'purge'], config2);
    return r.out.trim() || r.err.trim();
  });
  await store.close();
}
console.log(`CLI purge beside a store writing every 5 ms: ${JSON.stringify(report.cli)}`);

await fill(file2, ROWS, now + 3_600_000);
{
  const t = performance.now();
  const r = await runCli(['sessions', 'list'], config2, {sink: true});
  report.list = {
    code: r.code,
    seconds: +((performance.now() - t) / 1000).toFixed(1),
    bytes: r.bytes,
    peakRssBytes: r.peakRssBytes,
    last: r.out.trim().split('\n').at(-1),
    err: r.err.slice(0, 200),
  };
}
console.log(`sessions list of ${int(ROWS)}: ${JSON.stringify(report.list)}`);

// Bytes per session with a full op-id window (256 ids of a client, as the WebSocket client sends).
{
  const d3 = mkdtempSync(join(tmpdir(), 'moin-bench-ops-'));
  const f3 = join(d3, 'sessions.db');
  const store = new SqliteStore(f3, {purgeIntervalMs: 0});
  const N = 2000;
  for (let s = 0; s < N; s += 100) {
    await Promise.all(
      Array.from({length: 100}, async (_, j) => {
        const key = `ops-${s + j}`.padEnd(43, 'k');
        await store.insert(liveRecord(key, 'BenchUser'));
        for (let i = 0; i < 256; i += 32) {
          await Promise.all(
            Array.from({length: 32}, (_, k) =>
              store.mutate(
                key,
                {
                  type: 'visit',
                  page: `Page${(i + k) % 5}`,
                  trailSize: 5,
                  opId: `c${s + j}-abcdefgh-${i + k}`,
                },
                now
              )
            )
          );
        }
      })
    );
  }
  await store.close();
  const db = new Database(f3);
  const bytes = db.pragma('page_count', {simple: true}) * db.pragma('page_size', {simple: true});
  const opsChars = db.prepare('SELECT avg(length(ops)) FROM sessions').pluck().get();
  db.close();
  report.opWindow = {
    sessions: N,
    bytesPerSession: Math.round(bytes / N),
    opsColumnChars: Math.round(opsChars),
  };
  rmSync(d3, {recursive: true, force: true});
}
console.log(`full op-id window: ${JSON.stringify(report.opWindow)} (goal ≤ 2,048 B)`);
rmSync(d2, {recursive: true, force: true});
console.log(
  `purge stall: in-process ${report.inProcess.maxStallMs} ms, CLI ${report.cli.maxStallMs} ms, ` +
    `no purge ${report.noPurge.maxStallMs} ms, vs one DELETE ${report.oneDelete.blockedMs} ms ` +
    `(${(report.oneDelete.blockedMs / Math.max(1, report.inProcess.maxStallMs)).toFixed(1)}× less); goal < 50 ms`
);
console.log(JSON.stringify(report));

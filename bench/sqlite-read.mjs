// What one read of a stored session costs the SQLite store (issue 15): not a test. A real session
// file of `--rows` logged-in sessions (seeded with SQL, bench/lib/seed-sessions.mjs), read on this
// thread one key after another, each key once per pass, as `GET /api/session` spread over many
// sessions reads it (bench/http-spread.mjs). Side by side, in interleaved rounds, per read:
//  - `store.get`, cache off: a miss (the statement, the row's decoding, the op-id window's check);
//  - `store.get` of one of 100 sessions read again and again: a cache hit (one wal-index check);
//  - the store's statement through better-sqlite3 alone, once returning a row object (what the
//    store did before) and once raw values (what it does now): the floor a miss builds on.
// Prints µs per read (median of the rounds) and each one's ratio to the raw statement.
//
// `node bench/sqlite-read.mjs [--rows 200000] [--reads 100000] [--rounds 3]` (`npm run build` first).
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {openConnection} from '../dist/server/store/sqlite-connection.js';
import {SqliteStore} from '../dist/server/store/sqlite-store.js';
import {times} from './lib/format.mjs';
import {median} from './lib/load.mjs';
import {createSessionFile, seedSessions} from './lib/seed-sessions.mjs';

const {values} = parseArgs({
  options: {
    rows: {type: 'string', default: '200000'},
    reads: {type: 'string', default: '100000'},
    rounds: {type: 'string', default: '3'},
  },
});
const rows = Number(values.rows);
const reads = Number(values.reads);
const rounds = Number(values.rounds);
const dir = mkdtempSync(join(tmpdir(), 'moin-read-'));
const file = join(dir, 'sessions.db');

try {
  const now = Date.now();
  await createSessionFile(file);
  seedSessions(file, rows, {
    user: (i) => `reader${i}`,
    createdAt: () => now,
    expiresAt: () => now + 12 * 3_600_000,
  });
  // The store's own connection and `get` statement (raw values), and the same SQL as row objects.
  const conn = openConnection(file, {busyTimeoutMs: 5000, synchronous: 'FULL', maxSizeBytes: null});
  const {db} = conn;
  const keys = db.prepare('SELECT key FROM sessions').pluck().all();
  const asValues = conn.get;
  const asObject = db.prepare(conn.get.source);
  const missing = new SqliteStore(file, {cacheSessions: 0, purgeIntervalMs: 0});
  const caching = new SqliteStore(file, {purgeIntervalMs: 0});
  // A stride prime to the row count: every key once per pass, neighbours far apart in the file.
  const spread = (i) => keys[(i * 7919) % keys.length];
  const hot = (i) => keys[i % 100];

  const cases = {
    'store.get, a miss (cache off)': async () => {
      for (let i = 0; i < reads; i++) await missing.get(spread(i), now);
    },
    'store.get, a hit (100 sessions)': async () => {
      for (let i = 0; i < reads; i++) await caching.get(hot(i), now);
    },
    'statement, row object': () => {
      for (let i = 0; i < reads; i++) asObject.get(spread(i), now);
    },
    'statement, raw values': () => {
      for (let i = 0; i < reads; i++) asValues.get(spread(i), now);
    },
  };
  const us = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(cases)) {
      const t = performance.now();
      await run();
      us[name].push(((performance.now() - t) * 1000) / reads);
    }
  }
  await missing.close();
  await caching.close();
  db.close();

  const floor = median(us['statement, raw values']);
  console.log(`sqlite read: ${rows.toLocaleString('en-US')} stored sessions, ${rounds} rounds`);
  const result = {};
  for (const [name, list] of Object.entries(us)) {
    const m = median(list);
    result[name] = Number(m.toFixed(2));
    console.log(
      `  ${name.padEnd(32)} ${m.toFixed(2).padStart(6)} µs  ${times(m / floor)} the raw statement`
    );
  }
  console.log(JSON.stringify({rows, reads, rounds, usPerRead: result}));
} finally {
  rmSync(dir, {recursive: true, force: true});
}

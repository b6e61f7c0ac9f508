// What one expiry touch writes through SQLite's WAL (issue 15): not a test. 200,000 rows shaped
// like `sessions` (a 43-character key, a short trail), then 4,000 touches (`UPDATE … SET expires`)
// in commits of 200, the deferred touches' slice, once in insertion order and once at random, with
// three designs of the expiry index: on `expires` itself (schema 4), on a `purge_at` bound kept by
// schema 5's triggers, and none. Prints WAL bytes and time per touch.
//
// `node bench/sqlite-touch-pages.mjs [--rows 200000] [--touches 4000]` (`npm run build` first).
import {rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import Database from 'better-sqlite3';
import {PURGE_LAG_MS} from '../dist/server/store/sqlite-schema.js';
const DESIGNS = {
  'index on expires (schema 4)': 'CREATE INDEX e ON s (expires)',
  'index on purge_at (schema 5)': `CREATE INDEX e ON s (purge_at);
    CREATE TRIGGER t AFTER UPDATE OF expires ON s
    WHEN NEW.expires < NEW.purge_at OR NEW.expires - NEW.purge_at > ${PURGE_LAG_MS}
    BEGIN UPDATE s SET purge_at = NEW.expires WHERE rowid = NEW.rowid; END;`,
  'no expiry index': '',
};

const {values} = parseArgs({
  options: {rows: {type: 'string', default: '200000'}, touches: {type: 'string', default: '4000'}},
});
const rows = Number(values.rows);
const touches = Number(values.touches);
const file = join(tmpdir(), `moin-touch-pages-${process.pid}.db`);
const remove = () => {
  for (const s of ['', '-wal', '-shm']) rmSync(file + s, {force: true});
};

for (const [design, sql] of Object.entries(DESIGNS)) {
  for (const order of ['insertion order', 'random order']) {
    remove();
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec(`CREATE TABLE s (key TEXT PRIMARY KEY NOT NULL, trail TEXT NOT NULL,
      created INTEGER NOT NULL, expires INTEGER NOT NULL, purge_at INTEGER NOT NULL)`);
    if (sql) db.exec(sql);
    const insert = db.prepare('INSERT INTO s VALUES (?, ?, ?, ?, ?)');
    const now = Date.now();
    db.transaction(() => {
      for (let i = 0; i < rows; i++) {
        // Last slid 0-10 minutes ago, as bench/http-spread.mjs seeds them.
        const expires = now - ((i * 7919) % 600_000) + 43_200_000;
        const key = `k${(i * 2654435761) % 4294967296}`.padEnd(43, 'x');
        insert.run(key, '["FrontPage","RecentChanges"]', now, expires, expires);
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const by = order === 'random order' ? 'random()' : 'rowid';
    const keys = db.prepare(`SELECT key FROM s ORDER BY ${by} LIMIT ?`).pluck().all(touches);
    const update = db.prepare('UPDATE s SET expires = ? WHERE key = ?');
    const started = performance.now();
    for (let b = 0; b < keys.length; b += 200) {
      db.transaction(() => {
        for (const key of keys.slice(b, b + 200)) update.run(now + 43_260_000, key);
      })();
    }
    const us = ((performance.now() - started) * 1000) / keys.length;
    const wal = statSync(`${file}-wal`).size / keys.length;
    console.log(
      `${design.padEnd(30)} ${order.padEnd(16)} ${String(Math.round(wal)).padStart(6)} B of WAL ` +
        `and ${us.toFixed(1).padStart(5)} µs per touch`
    );
    db.close();
  }
}
remove();

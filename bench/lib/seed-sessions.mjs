// Bench set-up at scale: stored sessions written with plain SQL straight into a real SQLite session
// file (hundreds of thousands in seconds; through the session engine that would take minutes). The
// file's schema is made by the store itself (the running server, or `createSessionFile`), and the
// rows name their columns and copy the rest from a row the server wrote, so they fit the schema of
// server/store/sqlite-schema.ts and its encodings as they are now.
import {hash, randomBytes} from 'node:crypto';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import Database from 'better-sqlite3';
import {BENCH_PAGES} from './fixture.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CHUNK = 20_000;

/** The store key of a session id, as server/session/ids.ts makes it (SHA-256, base64url). */
export const keyOf = (sid) => hash('sha256', sid, 'base64url');

/** The session id in a `MOIN_SESSION=...` cookie. */
export const sidOf = (cookie) => cookie.slice(cookie.indexOf('=') + 1);

/** Makes an empty session file through the public store factory (its schema, its pragmas). */
export async function createSessionFile(file) {
  const {createStore} = await import(join(root, 'dist/server/index.js'));
  const store = createStore(
    {store: `sqlite:${file}`, redis_prefix: 'moin:', redis_wait_replicas: 0},
    {background: false}
  );
  await store.close();
}

const SET = ['key', 'user', 'trail', 'created', 'expires'];

/**
 * The INSERT of a seeded row. When the file holds a session the server wrote, every column the
 * bench does not set (su, remember, data, the op-id window, rev, and any column added later) is
 * copied from it, so seeded rows are encoded exactly as the running code encodes its own.
 */
function insertStatement(db, key) {
  const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('sessions');
  // The given row, else the least changed one (a row full of op ids would be copied 500,000 times).
  const template = key ?? db.prepare('SELECT key FROM sessions ORDER BY rev LIMIT 1').pluck().get();
  if (template === undefined) {
    return db.prepare(
      `INSERT INTO sessions (key, user, su, remember, trail, data, ops, rev, created, expires)
       VALUES (?, ?, NULL, 0, ?, '{}', '[]', 1, ?, ?)`
    );
  }
  const copied = columns.filter((c) => !SET.includes(c));
  const list = [...SET, ...copied].map((c) => `"${c}"`).join(', ');
  const from = copied.map((c) => `"${c}"`).join(', ');
  const stmt = db.prepare(
    `INSERT INTO sessions (${list}) SELECT ?, ?, ?, ?, ?${from ? `, ${from}` : ''}
     FROM sessions WHERE key = ?`
  );
  return {run: (...args) => stmt.run(...args, template)};
}

/**
 * Inserts `count` sessions of `user` (`null`: anonymous; a function of i: one user each) with a
 * full 5-page trail into `file`, in transactions of 20,000 rows. `expiresAt(i)` and
 * `createdAt(i)` give the times. With `cookies: true`, every row gets a real random session id
 * and the cookies are returned (`MOIN_SESSION=<id>`); otherwise keys are cheap unique strings.
 * `template`: the store key of a server-made session no visit has touched, to copy from.
 */
export function seedSessions(
  file,
  count,
  {user = 'BenchUser', expiresAt, createdAt = () => Date.now(), cookies = false, template}
) {
  const db = new Database(file);
  db.pragma('busy_timeout = 30000');
  const ins = insertStatement(db, template);
  const trail = JSON.stringify(BENCH_PAGES);
  const tag = randomBytes(6).toString('base64url');
  const out = [];
  const userOf = typeof user === 'function' ? user : () => user;
  for (let start = 0; start < count; start += CHUNK) {
    db.transaction(() => {
      for (let i = start; i < Math.min(count, start + CHUNK); i++) {
        let key;
        if (cookies) {
          const sid = randomBytes(32).toString('base64url');
          out.push(`MOIN_SESSION=${sid}`);
          key = keyOf(sid);
        } else key = `seed-${tag}-${i}`.padEnd(43, 'x');
        ins.run(key, userOf(i), trail, createdAt(i), expiresAt(i));
      }
    }).immediate();
  }
  db.close();
  return out;
}

/**
 * Puts every session of `file` back at the expiry `lifetimeMs` after its creation (what a bench
 * seeded), undoing the slides of an earlier measurement. A plain write by another connection: a
 * server on the file sees it as an outside change.
 */
export function ageSessions(file, lifetimeMs) {
  const db = new Database(file);
  db.pragma('busy_timeout = 30000');
  db.prepare('UPDATE sessions SET expires = created + ?').run(lifetimeMs);
  db.close();
}

/** Sessions in `file` that expire at or before `now` (still to purge). */
export function countExpired(file, now) {
  const db = new Database(file, {readonly: true});
  try {
    return db.prepare('SELECT count(*) FROM sessions WHERE expires <= ?').pluck().get(now);
  } finally {
    db.close();
  }
}

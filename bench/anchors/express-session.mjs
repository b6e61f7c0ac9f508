// Anchor: express-session 1.19 in Express 5, the session middleware a Node wiki would otherwise pick.
// `node express-session.mjs memory` uses its MemoryStore; `node express-session.mjs sqlite` uses
// better-sqlite3-session-store on a fresh SQLite file (WAL, as connect-sqlite3's concurrentDB and
// the reference run in docs/benchmarks.md); `node express-session.mjs redis URL` uses
// connect-redis 9 (bench/redis.mjs). The same cookie as moin-session: MOIN_SESSION,
// HttpOnly, SameSite=Lax, 12 h, re-sent on every response (`rolling`, our sliding expiry), nothing
// stored for anonymous visitors (`saveUninitialized: false`), no resave of unchanged sessions.
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import session from 'express-session';
import makeSqliteStore from 'better-sqlite3-session-store';
import {announce, exitOnSignal} from '../lib/child.mjs';
import {BENCH_PAGES, BENCH_USER} from '../lib/fixture.mjs';

const kind = process.argv[2] ?? 'memory';
let store;
let cleanup = async () => {};
if (kind === 'sqlite') {
  const dir = mkdtempSync(join(tmpdir(), 'moin-bench-express-'));
  const db = new Database(join(dir, 'sessions.db'));
  db.pragma('journal_mode = WAL');
  const SqliteStore = makeSqliteStore(session);
  store = new SqliteStore({client: db, expired: {clear: true, intervalMs: 900_000}});
  cleanup = async () => {
    db.close();
    rmSync(dir, {recursive: true, force: true});
  };
} else if (kind === 'memory') {
  store = new session.MemoryStore();
} else if (kind === 'redis') {
  // `node express-session.mjs redis redis://HOST:PORT`: connect-redis 9 with a redis@5 client.
  const [{RedisStore}, {createClient}] = await Promise.all([
    import('connect-redis'),
    import('redis'),
  ]);
  const client = createClient({url: process.argv[3]});
  await client.connect();
  store = new RedisStore({client, prefix: 'sess:'});
  cleanup = async () => {
    await client.quit();
  };
} else {
  console.error(`express-session.mjs: unknown store "${kind}" (memory, sqlite or redis URL)`);
  process.exit(2);
}

const app = express();
app.disable('x-powered-by');
app.use(
  session({
    name: 'MOIN_SESSION',
    secret: 'bench-secret-bench-secret-bench-secret',
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: {httpOnly: true, sameSite: 'lax', maxAge: 12 * 3600 * 1000},
  })
);
app.post('/api/login', (req, res) => {
  req.session.user = BENCH_USER;
  req.session.trail = [...BENCH_PAGES];
  req.session.rev = 1;
  res.json({ok: true});
});
// The same answer shape as moin-session's SessionView.
app.get('/api/session', (req, res) => {
  const s = req.session;
  res.json({
    user: s.user ? {name: s.user} : null,
    realUser: null,
    superuser: false,
    trail: s.trail ?? [],
    stored: s.user !== undefined,
    expiresAt: s.cookie.expires ? s.cookie.expires.toISOString() : null,
    rev: s.rev ?? 0,
  });
});

const server = app.listen(0, '127.0.0.1', async () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  const r = await fetch(`${url}/api/login`, {method: 'POST'});
  const cookie = r.headers.getSetCookie()[0]?.split(';')[0];
  announce({url, path: '/api/session', cookie});
});
exitOnSignal(async () => {
  await new Promise((resolve) => server.close(() => resolve()));
  await cleanup();
});

// The WebSocket bench target: the built service (dist/) on a fresh SQLite file, in its own process,
// with N logged-in sessions made through the session engine (the same code path as POST /api/login,
// without scrypt, which is not what this bench measures). Prints one JSON ready line:
// {"url", "origin", "cookies": [...]}. SIGUSR2 runs a full GC (started with --expose-gc) so the
// bench can read a settled RSS from /proc.
//
// `node bench/ws-target.mjs SESSIONS SOCKETS_PER_SESSION [STORE] [SYNCHRONOUS]` (STORE defaults to
// a fresh SQLite file; "memory:" shows what the store costs; SYNCHRONOUS "NORMAL" shows what the
// disk flush of the default "FULL" costs)
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {announce, exitOnSignal} from './lib/child.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const sessions = Number(process.argv[2] ?? 100);
const perSession = Number(process.argv[3] ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'moin-ws-bench-'));

// Every name is a valid, enabled user with any password: login cost is not under test here.
const users = {
  get: (name) => ({name, disabled: false}),
  verify: async (name) => ({name, disabled: false}),
  search: () => [],
  close() {},
};

const {createSessionService} = await import(join(root, 'dist/server/index.js'));
const {SqliteStore} = await import(join(root, 'dist/server/store/sqlite-store.js'));
const synchronous = process.argv[5] || 'FULL';
const store = process.argv[4]
  ? undefined
  : new SqliteStore(join(dir, 'sessions.db'), {synchronous});
const service = createSessionService(
  {
    store: process.argv[4] || `sqlite:${join(dir, 'sessions.db')}`,
    users_file: join(dir, 'users.json'),
    log_level: 'warn',
    // The bench drives each socket far above a browser's pace: lift the per-socket visit limit.
    visit_rate: 100_000,
    visit_burst: 100_000,
    max_sockets_per_session: perSession,
  },
  {users, ...(store ? {store} : {})}
);
const {url} = await service.listen(0, '127.0.0.1');
const cookies = [];
for (let i = 0; i < sessions; i++) {
  const ctx = await service.engine.load({cookie: undefined, secure: false, address: '127.0.0.1'});
  await service.engine.login(ctx, `bench${i}`, 'x', false);
  cookies.push(`${service.engine.cookieName}=${ctx.sid}`);
}
process.on('SIGUSR2', () => globalThis.gc?.());
announce({
  url,
  origin: url,
  cookies,
  store: store ? `sqlite (${synchronous})` : service.store.kind,
});
exitOnSignal(async () => {
  await service.close();
  rmSync(dir, {recursive: true, force: true});
});

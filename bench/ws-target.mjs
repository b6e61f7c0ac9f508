// The WebSocket bench target: the built service (dist/) on a fresh SQLite file, in its own process,
// with N logged-in sessions made through the session engine (the same code path as POST /api/login,
// without scrypt, which is not what this bench measures). Prints one JSON ready line:
// {"url", "origin", "cookies": [...], "file", "control"}. SIGUSR2 runs a full GC (started with
// --expose-gc) so the bench can read a settled RSS from /proc. `file` is the SQLite file (benches
// seed rows into it with SQL); `control` is bench/lib/target-control.mjs (event-loop delay inside
// this process, the store's purge). MOIN_BENCH_CONFIG (JSON) adds or overrides config keys.
//
// `node bench/ws-target.mjs SESSIONS SOCKETS_PER_SESSION [STORE] [SYNCHRONOUS]` (STORE defaults to
// a fresh SQLite file; "memory:" shows what the store costs; SYNCHRONOUS "NORMAL" shows what the
// disk flush of the default "FULL" costs)
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {announce, exitOnSignal} from './lib/child.mjs';
import {startControl} from './lib/target-control.mjs';

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
const synchronous = process.argv[5] || 'FULL';
const file = join(dir, 'sessions.db');
// The config opens the default store (FULL); only another `synchronous` needs the store's own
// options, so the default path is exactly what `serve` runs, whatever the store does inside.
const store =
  process.argv[4] || synchronous === 'FULL'
    ? undefined
    : new (await import(join(root, 'dist/server/store/sqlite-store.js'))).SqliteStore(file, {
        synchronous,
      });
const service = createSessionService(
  {
    store: process.argv[4] || `sqlite:${file}`,
    users_file: join(dir, 'users.json'),
    log_level: 'warn',
    // The bench drives each socket far above a browser's pace: lift the per-socket visit limit.
    visit_rate: 100_000,
    visit_burst: 100_000,
    max_sockets_per_session: perSession,
    // Every bench socket comes from 127.0.0.1; the process may hold up to 20,000 descriptors.
    max_sockets_per_address: 1_000_000,
    max_sockets: 19_000,
    ...JSON.parse(process.env['MOIN_BENCH_CONFIG'] ?? '{}'),
  },
  {users, ...(store ? {store} : {})}
);
const {url} = await service.listen(0, '127.0.0.1');
const cookies = [];
// 500 logins at once: their writes share group commits (2,000 one by one take ~10 s of fsyncs).
for (let i = 0; i < sessions; i += 500) {
  const batch = Array.from({length: Math.min(500, sessions - i)}, async (_, j) => {
    const ctx = await service.engine.load({cookie: undefined, secure: false, address: '127.0.0.1'});
    await service.engine.login(ctx, `bench${i + j}`, 'x', false);
    return `${service.engine.cookieName}=${ctx.sid}`;
  });
  cookies.push(...(await Promise.all(batch)));
}
process.on('SIGUSR2', () => globalThis.gc?.());
announce({
  url,
  origin: url,
  cookies,
  store: store ? `sqlite (${synchronous})` : `${service.store.kind} (${synchronous})`,
  file: process.argv[4] ? null : file,
  control: await startControl(service),
});
exitOnSignal(async () => {
  await service.close();
  rmSync(dir, {recursive: true, force: true});
});

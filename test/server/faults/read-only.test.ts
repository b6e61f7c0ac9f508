import {chmodSync, chownSync, existsSync} from 'node:fs';
import {afterEach, beforeEach, describe, it} from 'vitest';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import type {ChildServer} from '../../support/fault-harness.js';
import {runStoreFault} from './store-fault-scenario.js';

// File modes do not bind root: as root, the server child runs as "nobody" so a read-only file is
// really read-only to it.
const NOBODY = {uid: 65534, gid: 65534};
const asRoot = process.getuid?.() === 0;

describe('the SQLite store on a read-only database file', () => {
  let dir: TempDir;
  let servers: ChildServer[] = [];

  beforeEach(async () => {
    dir = await makeTempDir('moin-fault-ro-');
    if (asRoot) chownSync(dir.path, NOBODY.uid, NOBODY.gid);
  });
  afterEach(async () => {
    for (const s of servers) await s.stop();
    servers = [];
    await dir.cleanup();
  });

  it(
    'answers 503 store_unavailable, acknowledges nothing unstored, and recovers when it is writable again',
    {timeout: 60_000},
    async () => {
      const db = dir.file('sessions.db');
      await runStoreFault(
        {
          folder: dir.path,
          ...(asRoot ? {child: {as: NOBODY}} : {}),
          // An open file stays writable through its handle whatever its mode, so the server is
          // restarted on the read-only file (a backup restored with the wrong mode, say).
          inject: (_server, restart) => restart(() => chmodSync(db, 0o444)),
          // SQLite creates -wal and -shm with the database file's mode, so the fix is
          // `chmod 644 sessions.db*`, as docs/observability.md tells operators.
          heal: () => {
            for (const f of [db, `${db}-wal`, `${db}-shm`]) if (existsSync(f)) chmodSync(f, 0o644);
          },
          sqliteCode: /SQLITE_READONLY/,
        },
        (s) => servers.push(s)
      );
    }
  );
});

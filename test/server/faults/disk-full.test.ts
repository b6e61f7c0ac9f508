import {afterEach, beforeEach, describe, it} from 'vitest';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import type {ChildServer} from '../../support/fault-harness.js';
import {runStoreFault} from './store-fault-scenario.js';
import {mountTmpfs, type Tmpfs} from './tmpfs.js';

describe('the SQLite store on a full disk', () => {
  let dir: TempDir;
  let fs: Tmpfs;
  let servers: ChildServer[] = [];

  beforeEach(async () => {
    dir = await makeTempDir('moin-fault-full-');
    // 2 MiB: room for the database, then a filler takes the rest.
    fs = mountTmpfs(dir.file('mnt'), 2048);
  });
  afterEach(async () => {
    for (const s of servers) await s.stop();
    servers = [];
    fs.unmount();
    await dir.cleanup();
  });

  it(
    'answers 503 store_unavailable, acknowledges nothing unstored, and recovers when space returns',
    {timeout: 60_000},
    async () => {
      await runStoreFault(
        {
          folder: fs.path,
          async inject(server) {
            fs.fill();
            return server.url;
          },
          heal: () => fs.free(),
          sqliteCode: /SQLITE_FULL/,
        },
        (s) => servers.push(s)
      );
    }
  );
});

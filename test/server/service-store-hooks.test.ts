import {rm} from 'node:fs/promises';
import {Writable} from 'node:stream';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {createLogger} from '../../server/log.js';
import {createSessionService, type SessionService} from '../../server/service.js';
import {MemoryUsers} from '../support/memory-users.js';
import {makeTempDir, type TempDir} from '../support/temp-dir.js';
import {sessionRecord} from '../support/session-record.js';

// issue 12: the SQLite store's background errors and transactions reach the log and the metrics
// of the service that opened it from its config (they were swallowed before).
describe('a service on a SQLite store', () => {
  let dir: TempDir;
  let service: SessionService | null = null;
  const lines: Record<string, unknown>[] = [];

  beforeEach(async () => {
    dir = await makeTempDir('moin-service-store-');
    lines.length = 0;
  });
  afterEach(async () => {
    await service?.close().catch(() => {});
    service = null;
    await dir.cleanup();
  });

  const start = () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) {
          if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        }
        done();
      },
    });
    service = createSessionService(
      {store: `sqlite:${dir.file('sessions.db')}`},
      {users: new MemoryUsers(), logger: createLogger('info', {destination})}
    );
    return service;
  };

  it('logs a background failure of the store as store_error', async () => {
    const s = start();
    for (const suffix of ['', '-wal', '-shm']) await rm(dir.file(`sessions.db${suffix}`));
    await expect(s.store.ping()).rejects.toMatchObject({code: 'store_unavailable'});
    await new Promise((resolve) => setImmediate(resolve));
    const logged = lines.find((l) => l['event'] === 'store_error');
    expect(logged?.['error']).toMatch(/was (deleted|replaced) while in use/);
    expect(logged?.['level']).toBe(50);
  });

  it('counts its transactions in moin_store_commit_seconds', async () => {
    const s = start();
    await Promise.all([s.store.insert(sessionRecord('k1')), s.store.insert(sessionRecord('k2'))]);
    await s.store.insert(sessionRecord('k3'));
    const text = await s.metrics.registry.metrics();
    const count = /moin_store_commit_seconds_count\{outcome="ok"\} (\d+)/.exec(text);
    // The first two share one group commit; the secret the engine made at start may add one.
    expect(Number(count?.[1])).toBeGreaterThanOrEqual(2);
    expect(Number(count?.[1])).toBeLessThanOrEqual(3);
  });
});

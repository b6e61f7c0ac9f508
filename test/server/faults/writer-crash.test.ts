import type {Worker} from 'node:worker_threads';
import Database from 'better-sqlite3';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {ErrorBody, ServerMessage, SessionView} from '../../../shared/index.js';
import {createLogger} from '../../../server/log.js';
import {createSessionService, type SessionService} from '../../../server/service.js';
import {SqliteStore} from '../../../server/store/sqlite-store.js';
import {HttpClient} from '../../support/http-client.js';
import {MemoryUsers} from '../../support/memory-users.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {Visitor, storedAnonymousSession, viewOf} from '../../support/fault-harness.js';

// issue 15: the SQLite writer thread dies with writes in flight. The server fails closed (503
// store_unavailable over HTTP, an error frame and no ack over the WebSocket, the failure logged),
// starts a new writer by itself, and keeps exactly what it acknowledged.
describe('the SQLite writer thread dying under a running server', () => {
  let dir: TempDir;
  let service: SessionService;
  let url: string;
  const workers: Worker[] = [];
  const logged: string[] = [];

  beforeEach(async () => {
    dir = await makeTempDir('moin-writer-crash-');
    workers.length = logged.length = 0;
    const file = dir.file('sessions.db');
    const logger = createLogger('info', {
      destination: {write: (line: string) => void logged.push(line)},
    });
    const store = new SqliteStore(file, {
      purgeIntervalMs: 0,
      onWriter: (w) => workers.push(w),
      onBackgroundError: (error) =>
        logger.error({event: 'store_error', error: (error as Error).message}, 'store failure'),
    });
    service = createSessionService(
      {store: `sqlite:${file}`, cookie_lifetime: [1, 12], trail_size: 100, log_level: 'info'},
      {store, users: new MemoryUsers(), logger}
    );
    ({url} = await service.listen(0, '127.0.0.1'));
  });
  afterEach(async () => {
    await service.close();
    await dir.cleanup();
  });

  const visit = (cookie: string, page: string) =>
    new HttpClient(url).post<SessionView | ErrorBody>('/api/trail', {page}, {cookie});
  const answerTo = async (v: Visitor, id: string): Promise<ServerMessage> => {
    const end = Date.now() + 10_000;
    for (;;) {
      const m = v.messages.find((x) => (x.type === 'ack' || x.type === 'error') && x.id === id);
      if (m) return m;
      if (Date.now() > end) throw new Error(`no answer to ${id}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('answers 503 and sends no ack for the lost batch, then recovers with the acked data intact', async () => {
    const cookie = await storedAnonymousSession(url);
    expect((await visit(cookie, 'Acked')).status).toBe(200);
    const socket = new Visitor('ws', 0);
    await socket.connect(url, cookie);

    // Another process holds the lock: the next batch waits inside the writer thread.
    const other = new Database(dir.file('sessions.db'));
    other.exec('BEGIN IMMEDIATE');
    const lostHttp = visit(cookie, 'LostHttp');
    socket.send(JSON.stringify({type: 'visit', id: 'lost-ws', page: 'LostWs'}));
    await new Promise((r) => setTimeout(r, 200));
    await workers.at(-1)!.terminate();

    const refused = await lostHttp;
    expect(refused.status, refused.text).toBe(503);
    expect((refused.json as ErrorBody).error.code).toBe('store_unavailable');
    expect((refused.json as ErrorBody).error.message).toMatch(/writer thread stopped/);
    expect(await answerTo(socket, 'lost-ws')).toMatchObject({
      type: 'error',
      code: 'store_unavailable',
    });
    expect(socket.acked.has('lost-ws')).toBe(false);
    expect(logged.join('')).toMatch(/"event":"store_error".*writer thread stopped/);
    other.exec('ROLLBACK');
    other.close();

    // A new writer comes up by itself: writes and /healthz are back without a restart.
    const end = Date.now() + 15_000;
    let after = await visit(cookie, 'After');
    while (after.status !== 200 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      after = await visit(cookie, 'After');
    }
    expect(after.status, after.text).toBe(200);
    expect((await new HttpClient(url).get('/healthz')).status).toBe(200);
    socket.send(JSON.stringify({type: 'visit', id: 'again-ws', page: 'AgainWs'}));
    expect(await answerTo(socket, 'again-ws')).toMatchObject({type: 'ack'});
    socket.close();
    expect(workers.length).toBe(2);

    // Exactly what was acknowledged, as the file holds it.
    expect((await viewOf(url, cookie)).trail).toEqual(['Acked', 'After', 'AgainWs']);
    const db = new Database(dir.file('sessions.db'), {readonly: true});
    const trail = db.prepare('SELECT trail FROM sessions').pluck().get() as string;
    db.close();
    expect(JSON.parse(trail)).toEqual(['Acked', 'After', 'AgainWs']);
  });
});

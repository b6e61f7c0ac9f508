import {chmod, readdir, writeFile} from 'node:fs/promises';
import {relative} from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {APPLIED_OPS_KEPT, DEFAULT_CONFIG, isMoinError} from '../../../shared/index.js';
import {createStore} from '../../../server/store/create-store.js';
import type {CommitInfo} from '../../../server/store/sqlite-group-commit.js';
import {PURGE_LAG_MS, SCHEMA_VERSION} from '../../../server/store/sqlite-schema.js';
import {SqliteStore} from '../../../server/store/sqlite-store.js';
import type {SqliteStoreOptions} from '../../../server/store/sqlite-store.js';
import type {SessionRecord} from '../../../server/store/types.js';
import {makeTempDir} from '../../support/temp-dir.js';
import type {TempDir} from '../../support/temp-dir.js';
import {fillSessions} from '../../support/fill-sessions.js';
import {loopLag} from './loop-lag.js';
import {sessionRecord} from '../../support/session-record.js';
import {startStoreChild} from './sqlite-child.js';
import {describeStoreConformance} from './store-conformance.js';
import {decodeOpWindow} from '../../../server/store/op-window.js';

describeStoreConformance('sqlite', async () => {
  const dir = await makeTempDir('moin-sqlite-');
  const store = new SqliteStore(dir.file('sessions.db'));
  return {
    store,
    async cleanup() {
      await store.close();
      await dir.cleanup();
    },
  };
});

describeStoreConformance('sqlite without the read cache', async () => {
  const dir = await makeTempDir('moin-sqlite-');
  const store = new SqliteStore(dir.file('sessions.db'), {cacheSessions: 0});
  return {
    store,
    async cleanup() {
      await store.close();
      await dir.cleanup();
    },
  };
});

// issue 15: the writer on the event loop's thread, as before the writer thread (writerThread: false).
describeStoreConformance('sqlite without the writer thread', async () => {
  const dir = await makeTempDir('moin-sqlite-');
  const store = new SqliteStore(dir.file('sessions.db'), {writerThread: false});
  return {
    store,
    async cleanup() {
      await store.close();
      await dir.cleanup();
    },
  };
});

const HOUR = 3_600_000;
const now = Date.now();
const session = (key: string, fields: Partial<SessionRecord> = {}) =>
  sessionRecord(key, fields, now);

/** A file as schema version 4 left it: the expiry index on `expires`, no purge bound. */
function undoVersion5(db: Database.Database): void {
  db.exec(`DROP TRIGGER sessions_purge_insert; DROP TRIGGER sessions_purge_update;
    DROP INDEX sessions_purge; ALTER TABLE sessions DROP COLUMN purge_at;
    CREATE INDEX sessions_expires ON sessions (expires);`);
}

describe('SqliteStore', () => {
  let dir: TempDir;
  let file: string;
  const opened: SqliteStore[] = [];
  const open = (options: SqliteStoreOptions = {}, path = file) => {
    const store = new SqliteStore(path, options);
    opened.push(store);
    return store;
  };
  // A plain connection, to look at the file the way another process would.
  const rowCount = () => {
    const db = new Database(file, {readonly: true});
    try {
      return db.prepare('SELECT count(*) FROM sessions').pluck().get() as number;
    } finally {
      db.close();
    }
  };
  // A file holding one session 'k1', closed again so a child process can open it.
  const seed = async () => {
    const setup = open();
    await setup.insert(session('k1'));
    await setup.close();
  };
  const rejection = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => new Error('expected a rejection'),
      (e: unknown) => e
    );
    if (!isMoinError(error)) throw error;
    return error;
  };

  beforeEach(async () => {
    dir = await makeTempDir('moin-sqlite-');
    file = dir.file('data', 'nested', 'sessions.db');
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await dir.cleanup();
  });

  describe('opening a file', () => {
    it('creates missing folders and the schema at the current version', () => {
      open();
      const db = new Database(file, {readonly: true});
      expect(db.pragma('user_version', {simple: true})).toBe(SCHEMA_VERSION);
      expect(db.pragma('journal_mode', {simple: true})).toBe('wal');
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name")
        .pluck()
        .all();
      db.close();
      expect(tables).toEqual(expect.arrayContaining(['audit', 'sessions', 'sessions_purge']));
      expect(tables).toContain('sessions_user');
    });

    it('keeps the data of a file it opens again', async () => {
      const first = open();
      await first.insert(session('k1', {trail: ['A']}));
      await first.close();
      expect(await open().get('k1', now)).toMatchObject({trail: ['A']});
    });

    it('upgrades a version 2 file: its sessions and audit records read on, with no login method', async () => {
      const first = open();
      await first.insert(session('k1', {user: 'Ann', suTarget: 'Bob'}));
      await first.appendAudit({
        at: now,
        action: 'su_start',
        actor: 'Ann',
        target: 'Bob',
        address: '127.0.0.1',
        session: 'abcdefghijkl',
      });
      await first.close();
      opened.splice(0);
      // What a version 2 file looks like: the issue 13 columns not there yet.
      const db = new Database(file);
      undoVersion5(db);
      db.exec('ALTER TABLE sessions DROP COLUMN method; ALTER TABLE audit DROP COLUMN method');
      db.pragma('user_version = 2');
      db.close();
      const again = open();
      const r = await again.get('k1', now);
      expect(r).toMatchObject({user: 'Ann', suTarget: 'Bob'});
      expect(r).not.toHaveProperty('loginMethod');
      expect((await again.listAudit())[0]).not.toHaveProperty('method');
      await again.revokeUser('Ann');
      expect((await again.listAudit()).map((e) => [e.action, e.method])).toEqual([
        ['su_start', undefined],
        ['su_end_revoked', undefined],
      ]);
    });

    it('refuses a file written by a newer schema, naming the file', async () => {
      open();
      await opened.pop()?.close();
      const db = new Database(file);
      db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      db.close();
      let error: unknown;
      try {
        open();
      } catch (e) {
        error = e;
      }
      expect(isMoinError(error) && error.code).toBe('store_unavailable');
      expect(String((error as Error).message)).toContain(file);
      expect(String((error as Error).message)).toMatch(/newer than this moin-session/);
    });

    it('refuses a file that is not a database, naming the file and the SQLite code', async () => {
      await writeFile(dir.file('junk.db'), 'this is not a database '.repeat(100));
      expect(() => open({}, dir.file('junk.db'))).toThrow(
        /junk\.db could not be opened: SQLITE_NOTADB/
      );
    });

    it('refuses a path whose folder cannot be created, naming the file and the cause', async () => {
      await writeFile(dir.file('plain-file'), '');
      expect(() => open({}, dir.file('plain-file', 'sub', 'sessions.db'))).toThrow(
        /plain-file\/sub\/sessions\.db could not be opened: ENOTDIR/
      );
    });

    it('is what createStore opens for "sqlite:PATH", relative to the current directory', async () => {
      const rel = relative(process.cwd(), dir.file('via-config.db'));
      const store = createStore({...DEFAULT_CONFIG, store: `sqlite:${rel}`});
      opened.push(store as SqliteStore);
      expect(store.kind).toBe('sqlite');
      expect((store as SqliteStore).file).toBe(dir.file('via-config.db'));
      await store.insert(session('k1'));
      expect(await readdir(dir.path)).toContain('via-config.db');
    });
  });

  describe('the op-id window (issue 15)', () => {
    const clientWindow = (client: number) =>
      Array.from({length: APPLIED_OPS_KEPT}, (_, i) => `${client}2718281828459045:${i + 1}`);

    it('stores a logged-in session with a full window of one client in at most 2,048 bytes', async () => {
      const store = open({purgeIntervalMs: 0});
      const keys = Array.from({length: 100}, (_, i) => `${i}`.padEnd(43, 'k'));
      await Promise.all(
        keys.map(async (key, client) => {
          await store.insert(session(key, {user: 'SomeUser', rev: 1}));
          for (const id of clientWindow(client)) {
            await store.mutate(
              key,
              {type: 'visit', page: `Page-${id}`, trailSize: 5, opId: id},
              now
            );
          }
        })
      );
      await store.close();
      const db = new Database(file, {readonly: true});
      try {
        // Every page of the table and of its indexes (key, user, expires), per session.
        const bytes = db
          .prepare(
            `SELECT sum(pgsize) FROM dbstat WHERE name IN
               (SELECT name FROM sqlite_master WHERE tbl_name = 'sessions')`
          )
          .pluck()
          .get() as number;
        const sample = db.prepare('SELECT ops FROM sessions LIMIT 1').pluck().get();
        expect(sample).toMatch(/^\d+2718281828459045:1\*256$/);
        expect(bytes / keys.length).toBeLessThanOrEqual(2048);
      } finally {
        db.close();
      }
      const again = open();
      for (const [client, key] of keys.slice(0, 3).entries()) {
        expect(decodeOpWindow((await again.get(key, now))!.ops)).toEqual(clientWindow(client));
      }
    });

    it('reads a session stored with the JSON window of schema version 3, migrates it and dedupes its ids', async () => {
      await seed();
      const db = new Database(file);
      db.prepare('UPDATE sessions SET ops = ? WHERE key = ?').run(
        JSON.stringify(clientWindow(7)),
        'k1'
      );
      // Version 3: before the compact window (issue 13's method column is already there).
      undoVersion5(db);
      db.pragma('user_version = 3');
      db.close();
      const store = open();
      expect(decodeOpWindow((await store.get('k1', now))!.ops)).toEqual(clientWindow(7));
      const old = clientWindow(7)[3]!;
      const resend = await store.mutate(
        'k1',
        {type: 'visit', page: 'A', trailSize: 5, opId: old},
        now
      );
      expect(resend).toMatchObject({duplicate: true, changed: false});
      const next = `72718281828459045:${APPLIED_OPS_KEPT + 1}`;
      const fresh = await store.mutate(
        'k1',
        {type: 'visit', page: 'B', trailSize: 5, opId: next},
        now
      );
      expect(fresh).toMatchObject({duplicate: false, changed: true});
      await store.close();
      const after = new Database(file, {readonly: true});
      expect(after.pragma('user_version', {simple: true})).toBe(SCHEMA_VERSION);
      expect(after.prepare("SELECT ops FROM sessions WHERE key = 'k1'").pluck().get()).toBe(
        '72718281828459045:2*256'
      );
      // Version 5 gave every row its purge bound: its expiry.
      expect(
        after.prepare('SELECT count(*) FROM sessions WHERE purge_at != expires').pluck().get()
      ).toBe(0);
      after.close();
    });
  });

  describe('touch-only writes (issue 15)', () => {
    it('keeps every change when touches and a visit of one session share a batch', async () => {
      const store = open();
      await store.insert(session('t1', {trail: ['A']}));
      await store.insert(session('t2', {trail: ['A']}));
      const later = now + 2 * HOUR;
      await Promise.all([
        store.mutate('t1', {type: 'touch', expiresAt: later}, now),
        store.mutate('t2', {type: 'touch', expiresAt: later}, now),
        store.mutate('t2', {type: 'visit', page: 'B', trailSize: 5, opId: 'o:1'}, now),
        store.mutate('t1', {type: 'touch', expiresAt: later + 1}, now),
      ]);
      await store.close();
      const db = new Database(file, {readonly: true});
      const rows = db
        .prepare('SELECT key, trail, ops, rev, expires FROM sessions ORDER BY key')
        .all();
      db.close();
      expect(rows).toEqual([
        {key: 't1', trail: '["A"]', ops: '', rev: 1, expires: later + 1},
        {key: 't2', trail: '["A","B"]', ops: 'o:1', rev: 2, expires: later},
      ]);
    });
  });

  describe('touchLater (issue 15)', () => {
    it('leaves no stale copy in the read cache when it moves a row it did not read', async () => {
      await seed();
      // A fresh store: its read cache takes k1 from the file, its writer has never seen it, so
      // the touch is a plain UPDATE and the cache has to let go of its copy.
      const store = open();
      await store.insert(session('k2'));
      const before = (await store.get('k1', now))!.expiresAt;
      // With another write in the same commit, so the cache keeps what the batch says it did.
      await Promise.all([
        store.touchLater([['k1', before + HOUR]], now),
        store.mutate('k2', {type: 'visit', page: 'B', trailSize: 5}, now),
      ]);
      expect((await store.get('k1', now))?.expiresAt).toBe(before + HOUR);
      const db = new Database(file, {readonly: true});
      expect(db.prepare("SELECT expires FROM sessions WHERE key = 'k1'").pluck().get()).toBe(
        before + HOUR
      );
      db.close();
    });
  });

  describe('the purge bound (purge_at, issue 15)', () => {
    const MINUTE = 60_000;
    const bounds = () => {
      const db = new Database(file, {readonly: true});
      try {
        const rows = db.prepare('SELECT key, purge_at FROM sessions ORDER BY key').raw().all();
        return Object.fromEntries(rows as [string, number][]);
      } finally {
        db.close();
      }
    };

    it('leaves the bound (and its index) alone for a touch within 30 minutes of it', async () => {
      const store = open({purgeIntervalMs: 0});
      const expiry = now + HOUR;
      await store.insert(session('k', {expiresAt: expiry}));
      expect(bounds()).toEqual({k: expiry});
      await store.mutate('k', {type: 'touch', expiresAt: expiry + PURGE_LAG_MS}, now);
      expect(bounds()).toEqual({k: expiry});
      await store.touchLater([['k', expiry + PURGE_LAG_MS + MINUTE]], now);
      expect(bounds()).toEqual({k: expiry + PURGE_LAG_MS + MINUTE});
      // An earlier expiry takes the bound down with it at once.
      await store.mutate('k', {type: 'touch', expiresAt: now + MINUTE}, now);
      expect(bounds()).toEqual({k: now + MINUTE});
    });

    it('purges an expired session behind a live one whose bound was due, and keeps that one', async () => {
      const store = open({purgeIntervalMs: 0, maintenanceChunk: 10});
      // 25 live sessions whose bound lags 20 minutes (due at now + 1 minute), then 15 that
      // expired after those bounds: the chunks meet the live ones first.
      for (let i = 0; i < 25; i++) {
        const key = `live-${String(i).padStart(2, '0')}`;
        await store.insert(session(key, {expiresAt: now}));
        await store.mutate(key, {type: 'touch', expiresAt: now + 20 * MINUTE}, now - 1);
      }
      for (let i = 0; i < 15; i++) {
        await store.insert(session(`gone-${i}`, {expiresAt: now + MINUTE / 2}));
      }
      const at = now + MINUTE;
      expect(await store.count(at)).toBe(25);
      expect(await store.purgeExpired(at)).toBe(15);
      expect(await store.count(at)).toBe(25);
      expect(rowCount()).toBe(25);
      // Every live one was looked at once and its bound moved up to its expiry.
      expect(new Set(Object.values(bounds()))).toEqual(new Set([now + 20 * MINUTE]));
      expect(await store.purgeExpired(at)).toBe(0);
    });

    it('keeps the bound right for plain SQL writes (another program, an older version)', async () => {
      const store = open({purgeIntervalMs: 0});
      await store.insert(session('a', {expiresAt: now + HOUR}));
      await store.close();
      const db = new Database(file);
      db.prepare("UPDATE sessions SET expires = ? WHERE key = 'a'").run(now - 1);
      db.prepare(
        `INSERT INTO sessions (key, user, su, remember, trail, data, ops, rev, created, expires)
         VALUES ('b', NULL, NULL, 0, '[]', '{}', '', 1, ?, ?)`
      ).run(now, now + HOUR);
      db.close();
      expect(bounds()).toEqual({a: now - 1, b: now + HOUR});
      const again = open({purgeIntervalMs: 0});
      expect(await again.purgeExpired(now)).toBe(1);
      expect(await again.count(now)).toBe(1);
    });
  });

  describe('two stores on one file (another process, such as the CLI)', () => {
    it("sees each other's writes at once and tells the other one's listeners", async () => {
      const server = open({pollIntervalMs: 20});
      const cli = open();
      const changes: (string[] | null)[] = [];
      server.onExternalChange((keys) => changes.push(keys));

      await server.insert(session('k1', {user: 'Alice'}));
      expect(await cli.get('k1', now)).toMatchObject({user: 'Alice'});
      expect(await cli.revokeUser('Alice')).toEqual(['k1']);
      expect(await server.get('k1', now)).toBeUndefined();
      await vi.waitFor(() => expect(changes).toEqual([null]), {timeout: 2000, interval: 10});
    });

    it('does not report its own writes as external changes', async () => {
      const server = open({pollIntervalMs: 10});
      const changes: unknown[] = [];
      server.onExternalChange((keys) => changes.push(keys));
      await server.insert(session('k1'));
      await server.mutate('k1', {type: 'visit', page: 'A', trailSize: 5}, now);
      await new Promise((r) => setTimeout(r, 100));
      expect(changes).toEqual([]);
    });

    it('stops telling a listener that unsubscribed', async () => {
      const server = open({pollIntervalMs: 10});
      const other = open();
      const changes: unknown[] = [];
      server.onExternalChange((keys) => changes.push(keys))();
      await other.insert(session('k1'));
      await new Promise((r) => setTimeout(r, 100));
      expect(changes).toEqual([]);
    });

    it('loses no update when both write one session at the same time', async () => {
      const a = open();
      const b = open();
      await a.insert(session('k1'));
      const writes = Array.from({length: 20}, (_, i) =>
        (i % 2 ? a : b).mutate('k1', {type: 'visit', page: `P${i}`, trailSize: 50}, now)
      );
      await Promise.all(writes);
      const after = await a.get('k1', now);
      expect(after?.rev).toBe(21);
      expect(after?.trail).toHaveLength(20);
    });
  });

  describe('the read cache', () => {
    // Another process writing the file behind the store's back, with plain SQL.
    const otherProcess = () => {
      const db = new Database(file, {timeout: 5000});
      return {
        setTrail: (key: string, trail: string[]) =>
          db
            .prepare('UPDATE sessions SET trail = ?, rev = rev + 1 WHERE key = ?')
            .run(JSON.stringify(trail), key),
        remove: (key: string) => db.prepare('DELETE FROM sessions WHERE key = ?').run(key),
        trail: (key: string) => {
          const t = db.prepare('SELECT trail FROM sessions WHERE key = ?').pluck().get(key);
          return t === undefined ? undefined : (JSON.parse(t as string) as string[]);
        },
        close: () => db.close(),
      };
    };

    it('shows a change another process committed after the session was read', async () => {
      const store = open();
      await store.insert(session('k1', {trail: ['A']}));
      expect((await store.get('k1', now))?.trail).toEqual(['A']);
      expect((await store.get('k1', now))?.trail).toEqual(['A']);
      const other = otherProcess();
      try {
        other.setTrail('k1', ['A', 'B']);
        expect((await store.get('k1', now))?.trail).toEqual(['A', 'B']);
        other.remove('k1');
        expect(await store.get('k1', now)).toBeUndefined();
      } finally {
        other.close();
      }
    });

    it("builds a write on another process's change, never on its own cached copy", async () => {
      const store = open();
      await store.insert(session('k1', {trail: ['A']}));
      await store.get('k1', now);
      const other = otherProcess();
      try {
        other.setTrail('k1', ['A', 'B']);
        const result = await store.mutate('k1', {type: 'visit', page: 'C', trailSize: 5}, now);
        expect(result?.record.trail).toEqual(['A', 'B', 'C']);
        expect(other.trail('k1')).toEqual(['A', 'B', 'C']);
      } finally {
        other.close();
      }
    });

    it('never brings back a session destroyed earlier in the same batch', async () => {
      const store = open();
      await store.insert(session('k1', {trail: ['A']}));
      await store.get('k1', now);
      const [gone, after] = await Promise.all([
        store.destroy('k1'),
        store.mutate('k1', {type: 'visit', page: 'B', trailSize: 5}, now),
      ]);
      expect(gone).toBe(true);
      expect(after).toBeUndefined();
      expect(await store.get('k1', now)).toBeUndefined();
      expect(rowCount()).toBe(0);
    });

    it('agrees with the file after any mix of its own and other writers', async () => {
      const store = open();
      const peer = open(); // a second store with its own cache: the CLI, or another server
      const other = otherProcess();
      const keys = ['k1', 'k2', 'k3'];
      const step = fc.oneof(
        fc.record({by: fc.constantFrom('store', 'peer'), what: fc.constant('visit' as const)}),
        fc.record({by: fc.constantFrom('store', 'peer'), what: fc.constant('destroy' as const)}),
        fc.record({by: fc.constantFrom('store', 'peer'), what: fc.constant('insert' as const)}),
        fc.record({by: fc.constant('sql'), what: fc.constantFrom('visit', 'destroy')}),
        fc.record({by: fc.constant('store'), what: fc.constant('read' as const)})
      );
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.tuple(step, fc.constantFrom(...keys), fc.boolean()), {maxLength: 30}),
            async (steps) => {
              for (const key of keys) await store.insert(session(key, {trail: []}));
              let n = 0;
              // Steps flagged `together` are issued in the same turn: one batch of writes.
              let turn: Promise<unknown>[] = [];
              for (const [{by, what}, key, together] of steps) {
                const page = `P${n++}`;
                const s = by === 'peer' ? peer : store;
                let p: Promise<unknown>;
                if (by === 'sql') {
                  const t = other.trail(key);
                  if (what === 'visit' && t) other.setTrail(key, [...t, page].slice(-5));
                  if (what === 'destroy') other.remove(key);
                  p = Promise.resolve();
                } else if (what === 'read') p = store.get(key, now);
                else if (what === 'visit')
                  p = s.mutate(key, {type: 'visit', page, trailSize: 5}, now);
                else if (what === 'destroy') p = s.destroy(key);
                else p = s.insert(session(key, {trail: [page]}));
                turn.push(p);
                if (!together) {
                  await Promise.all(turn);
                  turn = [];
                }
              }
              await Promise.all(turn);
              for (const key of keys) {
                expect((await store.get(key, now))?.trail).toEqual(other.trail(key));
                expect((await peer.get(key, now))?.trail).toEqual(other.trail(key));
              }
            }
          ),
          {numRuns: 150}
        );
      } finally {
        other.close();
      }
    });

    it('reads every session from the file when turned off', async () => {
      const store = open({cacheSessions: 0});
      await store.insert(session('k1', {trail: ['A']}));
      await store.get('k1', now);
      const other = otherProcess();
      try {
        other.setTrail('k1', ['A', 'B']);
        expect((await store.get('k1', now))?.trail).toEqual(['A', 'B']);
      } finally {
        other.close();
      }
    });

    it('refuses a cache size that is not a number of sessions', () => {
      expect(() => open({cacheSessions: -1})).toThrow(
        'cacheSessions must be a whole number of sessions'
      );
    });
  });

  describe('group commit', () => {
    it('commits the writes of one event-loop turn in one transaction, in order per session', async () => {
      const commits: CommitInfo[] = [];
      const store = open({onCommit: (info) => commits.push(info)});
      const keys = ['k0', 'k1', 'k2', 'k3', 'k4'];
      await Promise.all(keys.map((k) => store.insert(session(k))));
      expect(commits.map((c) => c.writes)).toEqual([5]);

      const pages = Array.from({length: 20}, (_, i) => `P${i}`);
      const results = await Promise.all(
        pages.flatMap((page) =>
          keys.map((k) => store.mutate(k, {type: 'visit', page, trailSize: 100}, now))
        )
      );
      expect(commits.map((c) => c.writes)).toEqual([5, 100]);
      expect(results.every((r) => r?.changed)).toBe(true);
      for (const k of keys) expect(await store.get(k, now)).toMatchObject({trail: pages, rev: 21});
    });

    it('applies the writes of one turn in the order they were issued', async () => {
      const store = open();
      await store.insert(session('gone', {user: 'Alice'}));
      await store.insert(session('revoked', {user: 'Bob'}));
      await store.insert(session('rotated', {trail: ['A']}));
      const visit = (page: string) => ({type: 'visit', page, trailSize: 5}) as const;
      const results = await Promise.all([
        store.mutate('gone', visit('Before'), now),
        store.destroy('gone'),
        store.mutate('gone', visit('After'), now),
        store.mutate('revoked', visit('Before'), now),
        store.revokeUser('Bob'),
        store.mutate('revoked', visit('After'), now),
        store.mutate('rotated', visit('B'), now),
        store.insert(session('rotated-new', {trail: ['Carried']}), 'rotated'),
        store.mutate('rotated', visit('Lost'), now),
        store.mutate('rotated-new', visit('C'), now),
      ]);
      expect(
        results.map((r) => (typeof r === 'object' && 'record' in r ? r.record.trail : r))
      ).toEqual([
        ['Before'],
        true,
        undefined,
        ['Before'],
        ['revoked'],
        undefined,
        ['A', 'B'],
        undefined,
        undefined,
        ['Carried', 'C'],
      ]);
      expect(await store.list(now)).toHaveLength(1);
      expect(await store.get('rotated-new', now)).toMatchObject({trail: ['Carried', 'C'], rev: 2});
    });

    it('gives every write its own transaction when turned off', async () => {
      const commits: CommitInfo[] = [];
      const store = open({groupCommit: false, onCommit: (info) => commits.push(info)});
      await store.insert(session('k1'));
      await Promise.all(
        ['A', 'B', 'C'].map((page) => store.mutate('k1', {type: 'visit', page, trailSize: 5}, now))
      );
      expect(commits.map((c) => c.writes)).toEqual([1, 1, 1, 1]);
      expect(await store.get('k1', now)).toMatchObject({trail: ['A', 'B', 'C'], rev: 4});
    });

    it('rejects only the write whose value cannot be stored; the rest of the turn commits', async () => {
      const store = open();
      await store.insert(session('k1'));
      const [good, bad, after] = await Promise.allSettled([
        store.mutate('k1', {type: 'visit', page: 'A', trailSize: 5}, now),
        store.mutate('k1', {type: 'data', set: {n: 1n}, del: []}, now),
        store.mutate('k1', {type: 'visit', page: 'B', trailSize: 5}, now),
      ]);
      expect(good.status).toBe('fulfilled');
      expect(bad.status === 'rejected' && bad.reason).toBeInstanceOf(TypeError);
      expect(after.status).toBe('fulfilled');
      expect(await store.get('k1', now)).toMatchObject({trail: ['A', 'B'], data: {}, rev: 3});
    });

    it('commits writes still queued when close() is called, then refuses new ones', async () => {
      const store = open();
      const pending = store.insert(session('k1', {trail: ['Queued']}));
      await store.close();
      await pending;
      expect(await rejection(store.get('k1', now))).toMatchObject({code: 'store_unavailable'});
      expect((await rejection(store.insert(session('k2')))).message).toContain('is closed');
      expect(await open().get('k1', now)).toMatchObject({trail: ['Queued']});
    });
  });

  describe('when the disk is full', () => {
    const bulky = (key: string) => session(key, {data: {blob: 'x'.repeat(3000)}});

    it('rejects the whole turn with store_unavailable, stores nothing of it, and recovers', async () => {
      const store = open({maxSizeBytes: 96 * 1024});
      await store.insert(session('small', {trail: ['A']}));
      let filled = 0;
      for (;;) {
        const error = await store.insert(bulky(`fill-${filled}`)).then(
          () => null,
          (e: unknown) => e
        );
        if (error !== null) {
          expect(isMoinError(error) && error.code).toBe('store_unavailable');
          expect((error as Error).message).toContain(file);
          expect((error as Error).message).toContain('SQLITE_FULL');
          break;
        }
        filled++;
        expect(filled).toBeLessThan(100);
      }

      // One turn: a small change that would fit, then one that does not. Both fail together.
      const [small, big] = await Promise.allSettled([
        store.mutate('small', {type: 'visit', page: 'B', trailSize: 5}, now),
        store.insert(bulky('too-much')),
      ]);
      expect(small.status === 'rejected' && small.reason.code).toBe('store_unavailable');
      expect(big.status === 'rejected' && big.reason.code).toBe('store_unavailable');
      expect(await store.get('small', now)).toMatchObject({trail: ['A'], rev: 1});
      expect(await store.get('too-much', now)).toBeUndefined();

      // Space comes back (expired sessions purged): the very next write works.
      for (let i = 0; i < filled; i += 2) await store.destroy(`fill-${i}`);
      await store.mutate('small', {type: 'visit', page: 'B', trailSize: 5}, now);
      await store.insert(bulky('fits-again'));
      expect(await store.get('small', now)).toMatchObject({trail: ['A', 'B'], rev: 2});
      expect(await store.get('fits-again', now)).toBeDefined();
    });
  });

  describe('when the file is read-only', () => {
    it('rejects writes with store_unavailable, stores nothing, and recovers once writable', async () => {
      await seed();
      const files = async () =>
        (await readdir(dir.file('data', 'nested'))).map((f) => dir.file('data', 'nested', f));
      for (const f of await files()) await chmod(f, 0o444);

      const child = startStoreChild(['commands', file], {unprivileged: true});
      try {
        expect(await child.next()).toEqual({ready: true});
        child.send({key: 'k1', page: 'A', fresh: session('k2')});
        const refused = (await child.next()) as {ok: boolean; code: string; message: string}[];
        expect(refused).toHaveLength(2);
        for (const r of refused) {
          expect(r).toMatchObject({ok: false, code: 'store_unavailable'});
          expect(r.message).toContain(file);
          expect(r.message).toContain('SQLITE_READONLY');
        }

        // The operator fixes the modes (`chmod u+w sessions.db*`); the same process recovers.
        for (const f of await files()) await chmod(f, 0o644);
        child.send({key: 'k1', page: 'B', fresh: session('k3')});
        expect(await child.next()).toEqual([{ok: true}, {ok: true}]);
        child.process.stdin?.end();
        expect(await child.exited).toBe(0);
      } finally {
        child.process.kill('SIGKILL');
      }

      const store = open();
      expect(await store.get('k1', now)).toMatchObject({trail: ['B'], rev: 2});
      expect(await store.get('k2', now)).toBeUndefined();
      expect(await store.get('k3', now)).toBeDefined();
    });
  });

  describe('durability', () => {
    it('keeps every acknowledged visit of a process killed with SIGKILL', async () => {
      await seed();

      const child = startStoreChild(['visits', file, 'k1']);
      const acked: string[] = [];
      try {
        while (acked.length < 200) acked.push(((await child.next()) as {ack: string}).ack);
        child.process.kill('SIGKILL');
        expect(await child.exited).toBe('SIGKILL');
      } finally {
        child.process.kill('SIGKILL');
      }
      // Acks already in the pipe when the kill landed count too.
      for (const line of child.lines.slice(acked.length)) acked.push((line as {ack: string}).ack);

      const after = await open().get('k1', now);
      expect(after).toBeDefined();
      const trail = after?.trail ?? [];
      expect(trail.slice(0, acked.length)).toEqual(acked.map((id) => `Page-${id}`));
      expect(after?.rev).toBe(1 + trail.length);
    });
  });

  describe('two processes writing one session', () => {
    it('lose no update and fail no write', async () => {
      await seed();

      // Both write at the same time; a write that failed would end its child with an error.
      const children = ['a-', 'b-'].map((prefix) =>
        startStoreChild(['visits', file, 'k1', prefix, '300'])
      );
      expect(await Promise.all(children.map((child) => child.exited))).toEqual([0, 0]);

      const after = await open().get('k1', now);
      const acked = children.flatMap((child) =>
        child.lines.map((line) => `Page-${(line as {ack: string}).ack}`)
      );
      expect(acked).toHaveLength(600);
      expect([...(after?.trail ?? [])].sort()).toEqual(acked.sort());
      expect(after?.rev).toBe(601);
    });
  });

  describe('bulk writes and the lock', () => {
    it('revokes a user with 20,000 sessions in chunks, other writes going on in between', async () => {
      await fillSessions(file, 20_000, {user: 'Many'});
      const store = open({purgeIntervalMs: 0});
      await store.insert(session('other', {user: 'Bob'}));
      let batches = 0;
      const lag = loopLag();
      const [keys, other] = await Promise.all([
        store.revokeUser('Many'),
        (async () => {
          for (let i = 0; i < 5; i++) {
            await store.mutate('other', {type: 'visit', page: `P${i}`, trailSize: 5}, now);
            batches++;
          }
          return store.get('other', now);
        })(),
      ]);
      expect(lag.stop()).toBeLessThan(500);
      expect(keys).toHaveLength(20_000);
      expect(new Set(keys).size).toBe(20_000);
      expect(batches).toBe(5);
      expect(other?.trail).toHaveLength(5);
      expect(rowCount()).toBe(1);
    }, 60_000);

    it('waits for another process’s lock on a timer, keeping the event loop free', async () => {
      await seed();
      const store = open({purgeIntervalMs: 0, busyTimeoutMs: 5000});
      const other = new Database(file);
      other.exec('BEGIN IMMEDIATE');
      const lag = loopLag();
      const write = store.mutate('k1', {type: 'visit', page: 'Waited', trailSize: 5}, now);
      await new Promise((r) => setTimeout(r, 300));
      other.exec('COMMIT');
      other.close();
      expect((await write)?.record.trail).toEqual(['Waited']);
      expect(lag.stop()).toBeLessThan(100);
    });

    it('close() lets a write waiting out another process’s lock commit first', async () => {
      await seed();
      const store = open({purgeIntervalMs: 0, busyTimeoutMs: 5000});
      const other = new Database(file);
      other.exec('BEGIN IMMEDIATE');
      const write = store.mutate('k1', {type: 'visit', page: 'Waited', trailSize: 5}, now);
      let closed = false;
      const closing = store.close().then(() => (closed = true));
      await new Promise((r) => setTimeout(r, 200));
      expect(closed).toBe(false);
      other.exec('COMMIT');
      other.close();
      await closing;
      expect((await write)?.record.trail).toEqual(['Waited']);
      expect(await open().get('k1', now)).toMatchObject({trail: ['Waited']});
    });

    it('fails a write with store_unavailable once the lock was held past busyTimeoutMs', async () => {
      await seed();
      const store = open({purgeIntervalMs: 0, busyTimeoutMs: 150});
      const other = new Database(file);
      other.exec('BEGIN IMMEDIATE');
      try {
        const error = await rejection(
          store.mutate('k1', {type: 'visit', page: 'X', trailSize: 5}, now)
        );
        expect(error.code).toBe('store_unavailable');
        expect(error.message).toContain('SQLITE_BUSY');
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      expect(
        (await store.mutate('k1', {type: 'visit', page: 'Y', trailSize: 5}, now))?.record.trail
      ).toEqual(['Y']);
    });
  });

  describe('expired sessions', () => {
    it('purges them on a timer', async () => {
      let clock = now;
      const store = open({purgeIntervalMs: 20, now: () => clock});
      await store.insert(session('old', {expiresAt: now + 1000}));
      await store.insert(session('live', {expiresAt: now + HOUR}));
      expect(rowCount()).toBe(2);
      clock = now + 1000;
      await vi.waitFor(() => expect(rowCount()).toBe(1), {timeout: 2000, interval: 10});
      expect(await store.get('live', clock)).toBeDefined();
    });

    it('purges 200,000 of them without delaying a concurrent write or the event loop by 500 ms', async () => {
      await fillSessions(file, 200_000, {expiresAt: now - 1, prefix: 'gone-'});
      const store = open({purgeIntervalMs: 0});
      await store.insert(session('live'));
      const lag = loopLag();
      const purging = store.purgeExpired(now);
      let done = false;
      void purging.finally(() => (done = true));
      const writes: number[] = [];
      while (!done) {
        const started = performance.now();
        await store.mutate('live', {type: 'visit', page: `P${writes.length}`, trailSize: 5}, now);
        writes.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(await purging).toBe(200_000);
      expect(lag.stop()).toBeLessThan(500);
      expect(writes.length).toBeGreaterThan(3);
      expect(Math.max(...writes)).toBeLessThan(500);
      expect(rowCount()).toBe(1);
      expect((await store.get('live', now))?.rev).toBe(1 + writes.length);
    }, 120_000);

    it('gives the space of purged sessions back to the file system', async () => {
      await fillSessions(file, 50_000, {expiresAt: now - 1});
      const store = open({purgeIntervalMs: 0});
      const pages = () => {
        const db = new Database(file, {readonly: true});
        try {
          return db.pragma('page_count', {simple: true}) as number;
        } finally {
          db.close();
        }
      };
      const before = pages();
      expect(await store.purgeExpired(now)).toBe(50_000);
      expect(pages()).toBeLessThan(before / 10);
    }, 60_000);

    it('runs the first purge soon after opening, not only after a full interval', async () => {
      await fillSessions(file, 10, {expiresAt: now - 1});
      open({purgeIntervalMs: 3_600_000});
      await vi.waitFor(() => expect(rowCount()).toBe(0), {timeout: 5000, interval: 20});
    });

    it('does not keep a process alive with its timers', async () => {
      open();
      await opened.pop()?.close();
      const child = startStoreChild(['idle', file]);
      expect(await child.next()).toEqual({ready: true});
      const ended = await Promise.race([
        child.exited,
        new Promise((r) => setTimeout(() => r('still running'), 10_000)),
      ]);
      child.process.kill('SIGKILL');
      expect(ended).toBe(0);
    });
  });
});

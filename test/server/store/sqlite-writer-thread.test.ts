import type {Worker} from 'node:worker_threads';
import Database from 'better-sqlite3';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {isMoinError} from '../../../shared/index.js';
import type {CommitInfo} from '../../../server/store/sqlite-group-commit.js';
import {SqliteStore, type SqliteStoreOptions} from '../../../server/store/sqlite-store.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {loopLag} from './loop-lag.js';
import {sessionRecord} from '../../support/session-record.js';

const now = Date.now();
const visit = (page: string) => ({type: 'visit' as const, page, trailSize: 10});
const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ok: true as const, value}),
    (error: unknown) => ({ok: false as const, error})
  );

// The SQLite store's writer thread (sqlite-writer-thread.ts): pipelined group commits, and what
// happens when the thread dies.
describe('the SQLite writer thread', () => {
  let dir: TempDir;
  let file: string;
  const opened: SqliteStore[] = [];
  const workers: Worker[] = [];
  const errors: unknown[] = [];
  const commits: CommitInfo[] = [];
  const open = (options: SqliteStoreOptions = {}) => {
    const store = new SqliteStore(file, {
      purgeIntervalMs: 0,
      onWriter: (w) => workers.push(w),
      onBackgroundError: (e) => errors.push(e),
      onCommit: (info) => commits.push(info),
      ...options,
    });
    opened.push(store);
    return store;
  };
  // Another process holding the write lock, so a batch waits in the writer thread.
  const holdLock = () => {
    const db = new Database(file);
    db.exec('BEGIN IMMEDIATE');
    return () => {
      db.exec('ROLLBACK');
      db.close();
    };
  };
  const trailInFile = () => {
    const db = new Database(file, {readonly: true});
    try {
      const t = db.prepare("SELECT trail FROM sessions WHERE key = 'k1'").pluck().get();
      return JSON.parse(t as string) as string[];
    } finally {
      db.close();
    }
  };
  const until = async (ok: () => Promise<boolean>, ms = 15_000) => {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeEach(async () => {
    dir = await makeTempDir('moin-writer-');
    file = dir.file('sessions.db');
    workers.length = errors.length = commits.length = 0;
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await dir.cleanup();
  });

  it('keeps one batch in flight and sends the writes gathered meanwhile as the next one', async () => {
    const store = open();
    await store.insert(sessionRecord('k1', {}, now));
    commits.length = 0;
    const release = holdLock();
    const first = store.mutate('k1', visit('A'), now);
    await new Promise((r) => setTimeout(r, 100)); // A is in the writer, waiting for the lock
    const later: Promise<unknown>[] = [];
    for (const page of ['B', 'C', 'D']) {
      later.push(store.mutate('k1', visit(page), now));
      await new Promise((r) => setImmediate(r)); // each in its own turn
    }
    release();
    await Promise.all([first, ...later]);
    expect(commits.map((c) => c.writes)).toEqual([1, 3]);
    expect(trailInFile()).toEqual(['A', 'B', 'C', 'D']);
  });

  it('keeps the event loop free while a batch waits for the lock and commits', async () => {
    const store = open();
    await store.insert(sessionRecord('k1', {}, now));
    const release = holdLock();
    const lag = loopLag();
    const write = store.mutate('k1', visit('A'), now);
    await new Promise((r) => setTimeout(r, 300));
    release();
    await write;
    expect(lag.stop()).toBeLessThan(100);
  });

  it('fails closed when the thread dies with a batch in flight, then recovers by itself', async () => {
    const store = open();
    await store.insert(sessionRecord('k1', {}, now));
    await store.mutate('k1', visit('Acked'), now);
    const release = holdLock();
    const lost = settle(store.mutate('k1', visit('Lost'), now));
    await new Promise((r) => setTimeout(r, 100));
    const queued = settle(store.mutate('k1', visit('Queued'), now));
    await workers.at(-1)!.terminate();
    for (const outcome of [await lost, await queued]) {
      expect(outcome.ok).toBe(false);
      const error = outcome.ok ? null : outcome.error;
      expect(isMoinError(error) && error.code).toBe('store_unavailable');
      expect(String((error as Error).message)).toMatch(/writer thread stopped/);
    }
    // Down: health says so, and a write fails at once rather than hanging.
    await expect(store.ping()).rejects.toMatchObject({code: 'store_unavailable'});
    expect(errors.some((e) => /writer thread stopped/.test(String((e as Error).message)))).toBe(
      true
    );
    release();
    // A new thread comes up by itself; writes and health are back.
    await until(async () => (await settle(store.mutate('k1', visit('After'), now))).ok);
    await store.ping();
    expect(workers.length).toBe(2);
    expect((await store.get('k1', now))?.trail).toEqual(['Acked', 'After']);
    expect(trailInFile()).toEqual(['Acked', 'After']);
  });

  it('keeps its read cache exact across a crash whose batch may have committed', async () => {
    const store = open();
    await store.insert(sessionRecord('k1', {}, now));
    await store.get('k1', now); // cached
    // No lock: the batch may commit before the thread is stopped, or not; either way the
    // store must then show what the file holds.
    const write = settle(store.mutate('k1', visit('Maybe'), now));
    await workers.at(-1)!.terminate();
    await write;
    await until(async () => (await settle(store.ping())).ok);
    expect((await store.get('k1', now))?.trail).toEqual(trailInFile());
  });

  it('rejects writes after close() without a thread left running', async () => {
    const store = open();
    await store.insert(sessionRecord('k1', {}, now));
    await store.close();
    await expect(store.mutate('k1', visit('X'), now)).rejects.toMatchObject({
      code: 'store_unavailable',
    });
    expect(workers.at(-1)!.threadId).toBe(-1); // the thread has exited
  });
});

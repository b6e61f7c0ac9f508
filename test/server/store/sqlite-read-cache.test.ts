import Database from 'better-sqlite3';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {SqliteReadCache} from '../../../server/store/sqlite-read-cache.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {sessionRecord} from '../../support/session-record.js';

const NOW = 1_800_000_000_000;
const record = (key: string, rev = 1) => sessionRecord(key, {rev}, NOW);

describe('SqliteReadCache', () => {
  let dir: TempDir;
  let file: string;
  const open: {close(): unknown}[] = [];
  const track = <T extends {close(): unknown}>(x: T) => (open.push(x), x);

  beforeEach(async () => {
    dir = await makeTempDir('moin-read-cache-');
    file = dir.file('a.db');
  });
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) x.close();
    await dir.cleanup();
  });

  // A WAL database with one table, and a second connection to it (another process, the writer).
  const database = () => {
    const db = track(new Database(file));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (v INTEGER)');
    const insert = db.prepare('INSERT INTO t VALUES (1)');
    return {db, commit: () => insert.run()};
  };
  const cacheOf = () => track(SqliteReadCache.open(file, 10)!);
  // A cache that is current and holds rev 1 of `keys`.
  const filled = (...keys: string[]) => {
    const cache = cacheOf();
    cache.current();
    for (const key of keys) cache.keep(record(key));
    return cache;
  };
  // One batch of `writer`'s: BEGIN IMMEDIATE, `work`, COMMIT, with the cache told as the store does.
  const batch = (db: Database.Database, cache: SqliteReadCache, work: () => void) => {
    db.exec('BEGIN IMMEDIATE');
    cache.beginBatch();
    work();
    db.exec('COMMIT');
    return cache.endBatch(true);
  };

  it('is off for size 0 and for a file without a -shm (not in WAL mode)', () => {
    database();
    expect(SqliteReadCache.open(file, 0)).toBeNull();
    const plain = track(new Database(dir.file('plain.db')));
    plain.exec('CREATE TABLE t (v INTEGER)');
    expect(SqliteReadCache.open(dir.file('plain.db'), 10)).toBeNull();
  });

  it('keeps what was read while nobody commits', () => {
    database();
    const cache = cacheOf();
    expect(cache.current()).toBe(true);
    cache.keep(record('a'));
    expect(cache.current()).toBe(true);
    expect(cache.get('a', NOW)).toMatchObject({key: 'a'});
  });

  it('is emptied by a commit of any other connection', () => {
    const {commit} = database();
    const cache = filled('a');
    commit();
    expect(cache.current()).toBe(true);
    expect(cache.get('a', NOW)).toBeUndefined();
  });

  it("takes its own batch's effects and keeps the rest", () => {
    const {db} = database();
    const cache = filled('a', 'b');
    batch(db, cache, () => {
      db.prepare('INSERT INTO t VALUES (2)').run();
      cache.wrote('a', record('a', 2));
      cache.wrote('b', null);
    });
    expect(cache.current()).toBe(true);
    expect(cache.get('a', NOW)?.rev).toBe(2);
    expect(cache.get('b', NOW)).toBeUndefined();
  });

  it('builds a batch on the cache only for sessions the batch has not written yet', () => {
    const {db} = database();
    const cache = filled('a');
    db.exec('BEGIN IMMEDIATE');
    cache.beginBatch();
    expect(cache.batchGet('a', NOW)).toMatchObject({key: 'a'});
    cache.wrote('a', null);
    expect(cache.batchGet('a', NOW)).toBeUndefined();
    db.exec('COMMIT');
    cache.endBatch(true);
  });

  it('is emptied when another connection commits between BEGIN and the read after COMMIT', () => {
    const {db} = database();
    const other = track(new Database(file));
    const cache = filled('a');
    db.exec('BEGIN IMMEDIATE');
    cache.beginBatch();
    db.prepare('INSERT INTO t VALUES (2)').run();
    cache.wrote('b', record('b'));
    db.exec('COMMIT');
    other.prepare('INSERT INTO t VALUES (3)').run(); // slipped in right after our COMMIT
    cache.endBatch(true);
    expect(cache.current()).toBe(true);
    expect(cache.get('a', NOW)).toBeUndefined();
    expect(cache.get('b', NOW)).toBeUndefined();
  });

  it('forgets everything after a rolled-back batch', () => {
    const {db} = database();
    const cache = filled('a');
    db.exec('BEGIN IMMEDIATE');
    cache.beginBatch();
    cache.wrote('a', record('a', 2));
    db.exec('ROLLBACK');
    cache.endBatch(false);
    cache.current();
    expect(cache.get('a', NOW)).toBeUndefined();
  });

  describe("a second cache of the file, given the writer's batches (applyBatch)", () => {
    it("takes the writer's batch when it was current at the batch's BEGIN", () => {
      const {db} = database();
      const writer = cacheOf();
      const reader = filled('a', 'b');
      const done = batch(db, writer, () => {
        db.prepare('INSERT INTO t VALUES (2)').run();
        writer.wrote('a', record('a', 2));
      });
      reader.applyBatch(done);
      expect(reader.current()).toBe(true);
      expect(reader.get('a', NOW)?.rev).toBe(2);
      expect(reader.get('b', NOW)?.rev).toBe(1);
    });

    it('takes it too when a read already saw the commit (and emptied the cache)', () => {
      const {db} = database();
      const writer = cacheOf();
      const reader = filled('a');
      const done = batch(db, writer, () => {
        db.prepare('INSERT INTO t VALUES (2)').run();
        writer.wrote('b', record('b', 2));
      });
      expect(reader.current()).toBe(true); // sees the commit first: emptied
      expect(reader.get('a', NOW)).toBeUndefined();
      reader.applyBatch(done);
      expect(reader.current()).toBe(true);
      expect(reader.get('b', NOW)?.rev).toBe(2);
    });

    it('is emptied when another commit came between its last check and the batch', () => {
      const {db, commit} = database();
      const writer = cacheOf();
      const reader = filled('a');
      commit(); // e.g. the CLI, before the writer's batch; the reader has not looked since
      const done = batch(db, writer, () => {
        db.prepare('INSERT INTO t VALUES (2)').run();
        writer.wrote('b', record('b'));
      });
      reader.applyBatch(done);
      expect(reader.current()).toBe(true);
      expect(reader.get('a', NOW)).toBeUndefined();
      expect(reader.get('b', NOW)).toBeUndefined();
    });

    it('is emptied by a batch whose headers the writer could not read', () => {
      database();
      const reader = filled('a');
      reader.applyBatch({before: null, after: null, wrote: true, effects: new Map()});
      reader.current();
      expect(reader.get('a', NOW)).toBeUndefined();
    });
  });
});

import Database from 'better-sqlite3';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {
  WAL_HEADER_BYTES,
  WalStamp,
  commitCounter,
  onlyOurCommit,
} from '../../../server/store/wal-stamp.js';
import {makeTempDir} from '../../support/temp-dir.js';
import type {TempDir} from '../../support/temp-dir.js';

describe('WalStamp', () => {
  let dir: TempDir;
  const open: {close(): void}[] = [];
  const track = <T extends {close(): unknown}>(x: T) => (open.push(x as {close(): void}), x);
  const header = () => Buffer.alloc(WAL_HEADER_BYTES);

  beforeEach(async () => {
    dir = await makeTempDir('moin-wal-stamp-');
  });
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) x.close();
    await dir.cleanup();
  });

  const walDatabase = (file: string) => {
    const db = track(new Database(file));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (v INTEGER)');
    return db;
  };

  it('counts one more for every commit, whichever connection made it', () => {
    const file = dir.file('a.db');
    const mine = walDatabase(file);
    const other = track(new Database(file));
    const stamp = track(WalStamp.open(file)!);
    const h = header();
    expect(stamp.read(h)).toBe(true);
    const start = commitCounter(h);

    mine.prepare('INSERT INTO t VALUES (1)').run();
    stamp.read(h);
    expect(commitCounter(h)).toBe(start + 1);

    other.prepare('INSERT INTO t VALUES (2)').run();
    other.transaction(() => {
      other.prepare('INSERT INTO t VALUES (3)').run();
      other.prepare('INSERT INTO t VALUES (4)').run();
    })();
    stamp.read(h);
    expect(commitCounter(h)).toBe(start + 3);
  });

  it('stays the same, byte for byte, while connections only read', () => {
    const file = dir.file('a.db');
    const db = walDatabase(file);
    db.prepare('INSERT INTO t VALUES (1)').run();
    const stamp = track(WalStamp.open(file)!);
    const before = header();
    const after = header();
    stamp.read(before);
    db.prepare('SELECT count(*) FROM t').get();
    track(new Database(file, {readonly: true}))
      .prepare('SELECT * FROM t')
      .all();
    stamp.read(after);
    expect(after.equals(before)).toBe(true);
  });

  it('is not available for a database that is not in WAL mode', () => {
    const file = dir.file('rollback.db');
    track(new Database(file)).exec('CREATE TABLE t (v INTEGER)');
    expect(WalStamp.open(file)).toBeNull();
  });

  it('reads nothing once closed', () => {
    const file = dir.file('a.db');
    walDatabase(file);
    const stamp = WalStamp.open(file)!;
    stamp.close();
    expect(stamp.read(header())).toBe(false);
  });

  describe('onlyOurCommit', () => {
    // A header whose counter reads as n on this machine (the header is in native byte order).
    const withCounter = (n: number, fill = 0) => {
      const h = header().fill(fill);
      for (const write of [h.writeUInt32LE, h.writeUInt32BE]) {
        write.call(h, n >>> 0, 8);
        if (commitCounter(h) === n >>> 0) return h;
      }
      throw new Error('unreachable');
    };
    it('accepts exactly one commit after a batch that wrote', () => {
      expect(onlyOurCommit(withCounter(7), withCounter(8, 1), true)).toBe(true);
      expect(onlyOurCommit(withCounter(0xffffffff), withCounter(0), true)).toBe(true);
    });
    it('refuses a second commit, or none, after a batch that wrote', () => {
      expect(onlyOurCommit(withCounter(7), withCounter(9), true)).toBe(false);
      expect(onlyOurCommit(withCounter(7), withCounter(7), true)).toBe(false);
    });
    it('accepts only an unchanged header after a batch that wrote nothing', () => {
      expect(onlyOurCommit(withCounter(7), withCounter(7), false)).toBe(true);
      expect(onlyOurCommit(withCounter(7), withCounter(8), false)).toBe(false);
      expect(onlyOurCommit(withCounter(7), withCounter(7, 1), false)).toBe(false);
    });
  });
});

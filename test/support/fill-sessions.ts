import Database from 'better-sqlite3';
import {SqliteStore} from '../../server/store/sqlite-store.js';

/** What {@link fillSessions} writes into each row. */
export interface FillOptions {
  /** Key prefix; row i gets key `${prefix}${i}`. @default "fill-" */
  prefix?: string;
  user?: string | null;
  /** ms since epoch. @default an hour from now */
  expiresAt?: number;
  createdAt?: number;
}

/**
 * Writes `count` session rows straight into a SQLite store file (creating it and its schema
 * through {@link SqliteStore} first), in one transaction: the fast way to a big store for tests
 * and benchmarks.
 */
export async function fillSessions(file: string, count: number, options: FillOptions = {}) {
  const now = Date.now();
  await new SqliteStore(file, {purgeIntervalMs: 0, pollIntervalMs: 0, cacheSessions: 0}).close();
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    const insert = db.prepare(
      `INSERT INTO sessions (key, user, su, remember, trail, data, ops, rev, created, expires)
       VALUES (?, ?, NULL, 0, '[]', '{}', '[]', 1, ?, ?)`
    );
    const prefix = options.prefix ?? 'fill-';
    const user = options.user ?? null;
    const created = options.createdAt ?? now;
    const expires = options.expiresAt ?? now + 3_600_000;
    db.transaction(() => {
      for (let i = 0; i < count; i++) insert.run(`${prefix}${i}`, user, created + i, expires);
    })();
    // A settled file, as a store that ran for a while leaves it (its own commits checkpoint the
    // WAL every 1,000 pages): no huge WAL left for the store under test to checkpoint first.
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

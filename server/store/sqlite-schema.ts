import type Database from 'better-sqlite3';
import {MoinError} from '../../shared/index.js';
import {storedOpWindow} from './op-window.js';
import type {AuditEntry, SessionRecord} from './types.js';

/** The schema version this code writes, kept in `PRAGMA user_version`. */
export const SCHEMA_VERSION = 5;

/**
 * How far `purge_at` may lag behind `expires` (issue 15): the expiry index is on `purge_at`, a
 * lower bound of the expiry that moves only when the expiry got this far past it, so a minute's
 * touch of a session changes its row and not also two pages of the index. In the triggers below.
 */
export const PURGE_LAG_MS = 1_800_000;

// Keeps `expires - PURGE_LAG_MS <= purge_at <= expires` for every writer of the table (this
// code, another version of it, a plain SQL update): a row outside it gets purge_at = expires.
const OUT_OF_BOUNDS = `NEW.purge_at > NEW.expires OR NEW.expires - NEW.purge_at > ${PURGE_LAG_MS}`;

// MIGRATIONS[i] moves a file from version i to i + 1. Append new steps; never edit a shipped one,
// because files out there already ran it.
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE sessions (
     key      TEXT PRIMARY KEY NOT NULL,  -- SHA-256 of the session id, never the id itself
     user     TEXT,                       -- the real logged-in user; NULL while anonymous
     su       TEXT,                       -- the user a superuser acts as
     remember INTEGER NOT NULL,           -- 0 or 1
     trail    TEXT NOT NULL,              -- JSON array of page names, oldest first
     data     TEXT NOT NULL,              -- JSON object of extension values
     ops      TEXT NOT NULL,              -- JSON array of the last applied op ids
     rev      INTEGER NOT NULL,
     created  INTEGER NOT NULL,           -- ms since epoch
     expires  INTEGER NOT NULL            -- ms since epoch; gone at and after this time
   );
   CREATE INDEX sessions_user ON sessions (user);
   CREATE INDEX sessions_expires ON sessions (expires);
   CREATE TABLE audit (
     id      INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: ids never reused, order kept
     at      INTEGER NOT NULL,
     action  TEXT NOT NULL,
     actor   TEXT NOT NULL,
     target  TEXT NOT NULL,
     address TEXT NOT NULL,
     session TEXT NOT NULL
   );`,
  // Issue 10a: the store's own secrets (the key that signs pending tokens).
  `CREATE TABLE secrets (
     name  TEXT PRIMARY KEY NOT NULL,
     value BLOB NOT NULL
   );`,
  // Issue 13: the login method of a session, and the method an audit record names (NULL: unknown).
  `ALTER TABLE sessions ADD COLUMN method TEXT;
   ALTER TABLE audit ADD COLUMN method TEXT;`,
  // Issue 15: rows written from now on may hold `ops` as op-window.ts writes it, which an older
  // moin-session cannot read; the version tells it to refuse the file instead. Old rows stay as
  // they are (they still decode) and take the new form at their next write.
  `-- ops: compact op-id window (server/store/op-window.ts)`,
  `ALTER TABLE sessions ADD COLUMN purge_at INTEGER NOT NULL DEFAULT 0;  -- ms; see PURGE_LAG_MS
   UPDATE sessions SET purge_at = expires;
   DROP INDEX sessions_expires;
   CREATE INDEX sessions_purge ON sessions (purge_at);
   CREATE TRIGGER sessions_purge_insert AFTER INSERT ON sessions WHEN ${OUT_OF_BOUNDS}
   BEGIN UPDATE sessions SET purge_at = NEW.expires WHERE rowid = NEW.rowid; END;
   CREATE TRIGGER sessions_purge_update AFTER UPDATE OF expires, purge_at ON sessions
   WHEN ${OUT_OF_BOUNDS}
   BEGIN UPDATE sessions SET purge_at = NEW.expires WHERE rowid = NEW.rowid; END;`,
];

/**
 * Brings a database file to {@link SCHEMA_VERSION}. Safe when several processes open the same new
 * file at once: the version is re-read under the write lock. Refuses a file from a newer version.
 */
export function migrate(db: Database.Database, file: string): void {
  const read = () => db.pragma('user_version', {simple: true}) as number;
  const check = (version: number) => {
    if (version > SCHEMA_VERSION) {
      throw new MoinError(
        'store_unavailable',
        `The session store ${file} has schema version ${version}, newer than this moin-session ` +
          `understands (${SCHEMA_VERSION}); upgrade moin-session.`
      );
    }
  };
  const before = read();
  check(before);
  if (before === SCHEMA_VERSION) return;
  db.transaction(() => {
    const version = read();
    check(version);
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] as string);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** A `sessions` row as SQLite returns it. */
export interface SessionRow {
  key: string;
  user: string | null;
  su: string | null;
  remember: number;
  trail: string;
  data: string;
  /** The op-id window as op-window.ts writes it (a JSON array in rows from before issue 15). */
  ops: string;
  rev: number;
  created: number;
  expires: number;
  method: string | null;
}

/**
 * The columns of a `sessions` row as the stores read and write them, in the order of
 * {@link SessionValues}.
 */
export const SESSION_COLUMNS =
  'key, user, su, remember, trail, data, ops, rev, created, expires, method';

/**
 * A `sessions` row's values in {@link SESSION_COLUMNS} order: what the `get` statement returns in
 * raw mode. A row object costs better-sqlite3 a property set by name per column (a third of a
 * cache miss's read, issue 15); an array costs one allocation.
 */
export type SessionValues = [
  key: string,
  user: string | null,
  su: string | null,
  remember: number,
  trail: string,
  data: string,
  ops: string,
  rev: number,
  created: number,
  expires: number,
  method: string | null,
];

/** A row (its values in column order, see {@link SessionValues}) as a record. */
export function toRecord(v: SessionValues): SessionRecord {
  return {
    key: v[0],
    user: v[1],
    rememberMe: v[3] === 1,
    suTarget: v[2],
    trail: JSON.parse(v[4]) as string[],
    data: JSON.parse(v[5]) as Record<string, unknown>,
    ops: storedOpWindow(v[6]),
    rev: v[7],
    createdAt: v[8],
    expiresAt: v[9],
    ...(v[10] === null ? {} : {loginMethod: v[10]}),
  };
}

/** A row object (as {@link toRow} makes it) as a record. */
export function rowRecord(r: SessionRow): SessionRecord {
  return toRecord([
    r.key,
    r.user,
    r.su,
    r.remember,
    r.trail,
    r.data,
    r.ops,
    r.rev,
    r.created,
    r.expires,
    r.method,
  ]);
}

/**
 * A record as a row. Throws (a TypeError for a BigInt or a cycle in `data`) before anything is
 * written, which is why every write job calls it first.
 */
export function toRow(r: SessionRecord): SessionRow {
  return {
    key: r.key,
    user: r.user,
    su: r.suTarget,
    remember: r.rememberMe ? 1 : 0,
    trail: JSON.stringify(r.trail),
    data: JSON.stringify(r.data),
    ops: r.ops,
    rev: r.rev,
    created: r.createdAt,
    expires: r.expiresAt,
    method: r.loginMethod ?? null,
  };
}

/** An `audit` row as SQLite returns it (`method` NULL when the record names none). */
export type AuditRow = Omit<AuditEntry, 'method'> & {method: string | null};

/** An audit record as a row. */
export function toAuditRow(e: AuditEntry): AuditRow {
  return {...e, method: e.method ?? null};
}

/** A row as an audit record. */
export function toAuditEntry(row: AuditRow): AuditEntry {
  const {method, ...rest} = row;
  return method === null ? rest : {...rest, method};
}

import {mkdirSync} from 'node:fs';
import {dirname} from 'node:path';
import Database from 'better-sqlite3';
import {MoinError, isMoinError} from '../../shared/index.js';
import {SESSION_REF_LENGTH} from '../session/ids.js';
import type {JobOutcome} from './sqlite-group-commit.js';
import {SESSION_COLUMNS, migrate} from './sqlite-schema.js';
import type {AuditRow, SessionRow, SessionValues} from './sqlite-schema.js';
import type {SessionSummary} from './types.js';

/** How a connection is opened. */
export interface ConnectionSettings {
  busyTimeoutMs: number;
  synchronous: 'FULL' | 'NORMAL';
  maxSizeBytes: number | null;
}

/**
 * A session a chunk statement deleted, with its change of user (for the end record) and `rank`,
 * the time its end record is ordered by (then the key), as the stores' other end records are.
 */
export interface DeletedRow {
  key: string;
  user: string | null;
  su: string | null;
  method: string | null;
  rank: number;
}

/** One open database with its statements, prepared once. */
export interface Connection {
  db: Database.Database;
  /** A live session's row, raw: its values in column order (see SessionValues). */
  get: Database.Statement<[string, number], SessionValues>;
  insert: Database.Statement<[SessionRow]>;
  update: Database.Statement<[SessionRow]>;
  /** issue 15: a session whose only change in a batch is its expiry (a touch): no JSON written. */
  touch: Database.Statement<[number, string]>;
  /** issue 15: a deferred touch of a row not read: only a live session, only forward. */
  touchLater: Database.Statement<{key: string; expires: number; now: number}>;
  destroy: Database.Statement<[string]>;
  list: Database.Statement<[number], SessionSummary>;
  listUser: Database.Statement<[number, string], SessionSummary>;
  count: Database.Statement<{now: number}, number>;
  /** issue 10b: a user's live sessions past the newest N, with their change of user. */
  oldestOfUser: Database.Statement<
    [string, number, string, number],
    {key: string; user: string; su: string | null; method: string | null}
  >;
  /**
   * The next N rows whose `purge_at` is due (by its index, see PURGE_LAG_MS): the expired
   * sessions and those whose bound lags; `rank`: expires.
   */
  purgeCandidates: Database.Statement<{now: number; limit: number}, DeletedRow & {id: number}>;
  /** A due row that is still live: its bound moves up to its expiry (out of the purge's way). */
  settlePurgeAt: Database.Statement<[number]>;
  destroyRow: Database.Statement<[number]>;
  /** Deletes up to N sessions of a user (by the user index) and returns them; `rank`: created. */
  revokeChunk: Database.Statement<[string, number], DeletedRow>;
  /** 1 when some row's `purge_at` is due: an expired session, or one whose bound lags. */
  anyDue: Database.Statement<[number], number>;
  freePages: Database.Statement<[], number>;
  appendAudit: Database.Statement<[AuditRow]>;
  addSecret: Database.Statement<[string, Buffer]>;
  getSecret: Database.Statement<[string], Buffer>;
  listAudit: Database.Statement<[], AuditRow>;
  ping: Database.Statement<[], number>;
  dataVersion: Database.Statement<[], number>;
  /** Runs `begin`, the write jobs, then `finish`, in one BEGIN IMMEDIATE … COMMIT (see GroupCommit). */
  batch: Database.Transaction<
    (runs: readonly (() => unknown)[], begin: () => void, finish: () => void) => JobOutcome[]
  >;
}

/** Bytes the WAL file is truncated to after a checkpoint. */
const JOURNAL_SIZE_LIMIT = 16 * 1024 * 1024;

// The full key never leaves SQL in a listing: only its first 12 characters, as `ref`.
const SUMMARY = `SELECT substr(key, 1, ${SESSION_REF_LENGTH}) AS ref, user, su AS suTarget,
  json_array_length(trail) AS trailLength, created AS createdAt, expires AS expiresAt FROM sessions`;

/**
 * Opens (creating folder and file when missing) and prepares a connection: WAL so readers never
 * block the writer, `synchronous` FULL by default so a commit survives power loss, a busy timeout
 * for the CLI writing the same file, and the schema migrated to the current version.
 */
export function openConnection(file: string, settings: ConnectionSettings): Connection {
  mkdirSync(dirname(file), {recursive: true});
  const db = new Database(file, {timeout: settings.busyTimeoutMs});
  try {
    // Free pages go back to the file system in small steps after a purge. Set on a new, empty
    // file only (it writes to the file, and takes only before the first table; files made before
    // this need one VACUUM, see docs/store.md).
    if (db.pragma('page_count', {simple: true}) === 0) db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${settings.synchronous}`);
    if (settings.maxSizeBytes !== null) {
      const pageSize = db.pragma('page_size', {simple: true}) as number;
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(settings.maxSizeBytes / pageSize))}`);
    }
    // A WAL that grew during a burst is cut back to this size once checkpointed.
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    migrate(db, file);
    // From here on a locked file is retried on a timer (GroupCommit's BusyRetry), never by
    // sleeping in SQLite's busy handler on the event loop.
    db.pragma('busy_timeout = 0');
    return prepare(db);
  } catch (error) {
    db.close();
    throw error;
  }
}

function prepare(db: Database.Database): Connection {
  return {
    db,
    get: db
      .prepare<[string, number], SessionValues>(
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE key = ? AND expires > ?`
      )
      .raw(true),
    insert: db.prepare(
      `INSERT OR REPLACE INTO sessions (${SESSION_COLUMNS}, purge_at) VALUES
       (@key, @user, @su, @remember, @trail, @data, @ops, @rev, @created, @expires, @method,
       @expires)`
    ),
    update: db.prepare(
      `UPDATE sessions SET user = @user, su = @su, remember = @remember, trail = @trail,
       data = @data, ops = @ops, rev = @rev, created = @created, expires = @expires, method = @method
       WHERE key = @key`
    ),
    touch: db.prepare('UPDATE sessions SET expires = ? WHERE key = ?'),
    touchLater: db.prepare(
      `UPDATE sessions SET expires = @expires
       WHERE key = @key AND expires < @expires AND expires > @now`
    ),
    destroy: db.prepare('DELETE FROM sessions WHERE key = ?'),
    list: db.prepare(`${SUMMARY} WHERE expires > ? ORDER BY created, key`),
    listUser: db.prepare(`${SUMMARY} WHERE expires > ? AND user = ? ORDER BY created, key`),
    // All rows (counted on the smallest index) less the expired ones, found among the due rows.
    count: db
      .prepare<{now: number}, number>(
        `SELECT (SELECT count(*) FROM sessions) -
         (SELECT count(*) FROM sessions WHERE purge_at <= @now AND expires <= @now)`
      )
      .pluck(),
    oldestOfUser: db.prepare(
      `SELECT key, user, su, method FROM sessions WHERE user = ? AND expires > ?
       ORDER BY key = ? DESC, created DESC, key DESC LIMIT -1 OFFSET ?`
    ),
    // The chunk statements pick their rows in index order (purge_at, rowid / user, rowid).
    purgeCandidates: db.prepare(
      `SELECT rowid AS id, key, user, su, method, expires AS rank FROM sessions
       WHERE purge_at <= @now ORDER BY purge_at, rowid LIMIT @limit`
    ),
    settlePurgeAt: db.prepare('UPDATE sessions SET purge_at = expires WHERE rowid = ?'),
    destroyRow: db.prepare('DELETE FROM sessions WHERE rowid = ?'),
    revokeChunk: db.prepare(
      `DELETE FROM sessions WHERE rowid IN
       (SELECT rowid FROM sessions WHERE user = ? ORDER BY rowid LIMIT ?)
       RETURNING key, user, su, method, created AS rank`
    ),
    anyDue: db
      .prepare<[number], number>('SELECT 1 FROM sessions WHERE purge_at <= ? LIMIT 1')
      .pluck(),
    freePages: db.prepare<[], number>('PRAGMA freelist_count').pluck(),
    appendAudit: db.prepare(
      `INSERT INTO audit (at, action, actor, target, address, session, method)
       VALUES (@at, @action, @actor, @target, @address, @session, @method)`
    ),
    listAudit: db.prepare(
      'SELECT at, action, actor, target, address, session, method FROM audit ORDER BY id'
    ),
    addSecret: db.prepare('INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)'),
    getSecret: db.prepare<[string], Buffer>('SELECT value FROM secrets WHERE name = ?').pluck(),
    ping: db.prepare<[], number>('SELECT 1').pluck(),
    dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
    batch: db.transaction(
      (runs: readonly (() => unknown)[], begin: () => void, finish: () => void) => {
        begin();
        const outcomes = runs.map((run): JobOutcome => {
          try {
            return {ok: true, value: run()};
          } catch (error) {
            // A backend failure ends the whole transaction: rethrown, rolled back, every job rejected.
            // Anything else is a bad argument found before the job wrote (jobs check first), so
            // only that job fails and the others still commit.
            if (backendCode(error) !== undefined) throw error;
            return {ok: false, error};
          }
        });
        finish();
        return outcomes;
      }
    ),
  };
}

/** The `code` of an SQLite or file-system error (`SQLITE_FULL`, `EACCES` …), else undefined. */
export function backendCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as {code?: unknown}).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns a backend failure into `store_unavailable` with a sentence naming the file and the code;
 * other errors (programming errors) pass through unchanged.
 */
export function storeError(file: string, error: unknown, doing: 'opened' | 'read' | 'written') {
  if (isMoinError(error)) return error;
  const code = backendCode(error);
  if (code === undefined) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new MoinError(
    'store_unavailable',
    `The session store ${file} could not be ${doing}: ${code} (${detail}).`
  );
}

// After these, the open connection itself may be stuck (opened read-only, file replaced, I/O
// fault): the next write reopens it. SQLITE_FULL and SQLITE_BUSY clear up on their own.
const REOPEN_AFTER = /^SQLITE_(READONLY|IOERR|CANTOPEN|NOTADB|CORRUPT)/;

/** Should the connection be reopened before the next write. */
export function needsReopen(error: unknown): boolean {
  return REOPEN_AFTER.test(backendCode(error) ?? '');
}

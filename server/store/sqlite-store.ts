import {randomBytes} from 'node:crypto';
import {accessSync, constants, statSync} from 'node:fs';
import {resolve} from 'node:path';
import {MoinError, isMoinError} from '../../shared/index.js';
import {applyOp, isLive, suEndEntry} from './ops.js';
import type Database from 'better-sqlite3';
import {backendCode, needsReopen, openConnection, storeError} from './sqlite-connection.js';
import type {Connection, ConnectionSettings, DeletedRow} from './sqlite-connection.js';
import {GroupCommit} from './sqlite-group-commit.js';
import type {CommitInfo, JobOutcome} from './sqlite-group-commit.js';
import {RecordCache} from './record-cache.js';
import {toRecord, toRow} from './sqlite-schema.js';
import type {
  AuditEntry,
  MutateResult,
  RevokeReason,
  SessionOp,
  SessionRecord,
  SessionStore,
  SessionSummary,
  SuEndAction,
} from './types.js';
import {WAL_HEADER_BYTES, WalStamp, onlyOurCommit} from './wal-stamp.js';

/** Free pages given back per transaction after a purge (1 MiB of 4 KiB pages). */
const VACUUM_STEP_PAGES = 256;

/** Options of {@link SqliteStore}; every one has a default. */
export interface SqliteStoreOptions {
  /**
   * How often expired sessions are deleted, in ms; 0 turns the timer off. The first purge runs
   * soon after opening (after at most a second). @default 60000
   */
  purgeIntervalMs?: number;
  /**
   * Rows per transaction of a bulk write (purge, revoking a user's sessions): each step is
   * short, and other writes go in between. @default 500
   */
  maintenanceChunk?: number;
  /** The pause between two chunks of a bulk write, in ms (lets other processes in). @default 10 */
  maintenancePauseMs?: number;
  /** How often to look for commits by other processes (the CLI), in ms. @default 300 */
  pollIntervalMs?: number;
  /**
   * How long a write waits for another process's lock before failing, in ms. It waits on a
   * timer (retrying), never blocking the event loop. @default 5000
   */
  busyTimeoutMs?: number;
  /** `FULL`: a commit survives power loss. `NORMAL`: only a process crash. @default "FULL" */
  synchronous?: 'FULL' | 'NORMAL';
  /** Commit the writes of one event-loop turn together. false: one transaction each. @default true */
  groupCommit?: boolean;
  /** A cap on the file's size; writes beyond it fail with store_unavailable. @default no cap */
  maxSizeBytes?: number | null;
  /**
   * How many decoded sessions to keep in memory for reads; 0 reads every session from the file.
   * A cached session is used only while no connection has committed since it was read (checked
   * on every read, see {@link WalStamp}), so reads stay exact with the CLI writing. @default 4096
   */
  cacheSessions?: number;
  /** The clock the purge timer uses. @default Date.now */
  now?: () => number;
  /** Called after every transaction, e.g. to feed a latency histogram. */
  onCommit?: (info: CommitInfo) => void;
  /** Errors of background work (the purge timer, a throwing listener); the store keeps running. */
  onBackgroundError?: (error: unknown) => void;
}

/**
 * The default store: one SQLite file through better-sqlite3 (`store: "sqlite:PATH"`). Writes of one
 * event-loop turn are committed together (group commit) and each promise settles after COMMIT;
 * reads are direct prepared statements behind a cache of decoded sessions that is dropped whenever
 * another connection has committed (one 48-byte read of the wal-index header per read). Other
 * processes may write the same file: reads see their commits at once, and open sockets learn of
 * them by polling `PRAGMA data_version` through {@link onExternalChange}.
 */
export class SqliteStore implements SessionStore {
  readonly kind = 'sqlite';
  /** The absolute path of the database file. */
  readonly file: string;
  readonly #settings: ConnectionSettings;
  readonly #writes: GroupCommit;
  readonly #now: () => number;
  readonly #pollIntervalMs: number;
  readonly #onBackgroundError: (error: unknown) => void;
  readonly #listeners = new Set<(keys: string[] | null) => void>();
  #conn: Connection;
  /** Sessions changed by the current batch and not yet written (see #writeBack). */
  readonly #changed = new Map<string, SessionRecord>();
  /** issue 15: keys of #changed whose only change since the file is the expiry (touches). */
  readonly #touchedOnly = new Set<string>();
  /** Decoded sessions as of {@link #seen}; null when caching is off or not possible. */
  #cache: RecordCache | null = null;
  /** Always set while #cache is. */
  #stamp: WalStamp | null = null;
  /** The wal-index header the cache is valid for; all zero (never a real header) when unknown. */
  readonly #seen = Buffer.alloc(WAL_HEADER_BYTES);
  readonly #header = Buffer.alloc(WAL_HEADER_BYTES);
  /** What the running batch did to sessions: a record, or null for deleted. */
  readonly #batchEffects = new Map<string, SessionRecord | null>();
  #batchWrote = false;
  /** Was the cache checked against the file at the running batch's BEGIN (#seen is that header). */
  #batchChecked = false;
  #reopen = false;
  #closed = false;
  // issue 10b: the file's identity when opened; once the path names another file (deleted,
  // replaced) the store fails closed with #gone. #writeError: the last write's failure, if any.
  #identity: {dev: number; ino: number} | null = null;
  #gone: MoinError | null = null;
  #writeError: MoinError | null = null;
  #dataVersion: number;
  #purgeTimer: NodeJS.Timeout | null = null;
  #purging = false;
  readonly #chunk: number;
  readonly #pauseMs: number;
  /** Errors of a batch that could not begin because another connection held the lock. */
  readonly #busyErrors = new WeakSet<object>();
  #pollTimer: NodeJS.Timeout | null = null;

  /**
   * Opens (and creates, with its folder) the file; relative paths resolve against the current
   * directory. Throws `store_unavailable` naming the file when it cannot be opened.
   */
  constructor(file: string, options: SqliteStoreOptions = {}) {
    this.file = resolve(file);
    this.#settings = {
      busyTimeoutMs: nonNegative(options.busyTimeoutMs, 5000, 'busyTimeoutMs'),
      synchronous: options.synchronous ?? 'FULL',
      maxSizeBytes: options.maxSizeBytes ?? null,
    };
    if (this.#settings.synchronous !== 'FULL' && this.#settings.synchronous !== 'NORMAL') {
      throw new TypeError('SqliteStore: synchronous must be "FULL" or "NORMAL"');
    }
    this.#now = options.now ?? Date.now;
    this.#pollIntervalMs = nonNegative(options.pollIntervalMs, 300, 'pollIntervalMs');
    this.#onBackgroundError = options.onBackgroundError ?? (() => {});
    const purgeMs = nonNegative(options.purgeIntervalMs, 60_000, 'purgeIntervalMs');
    this.#chunk = nonNegative(options.maintenanceChunk, 500, 'maintenanceChunk', 'sessions');
    if (this.#chunk < 1) throw new TypeError('SqliteStore: maintenanceChunk must be 1 or more');
    this.#pauseMs = nonNegative(options.maintenancePauseMs, 10, 'maintenancePauseMs');
    try {
      this.#conn = openConnection(this.file, this.#settings);
    } catch (error) {
      throw storeError(this.file, error, 'opened');
    }
    this.#dataVersion = this.#conn.dataVersion.get() as number;
    this.#identity = identityOf(this.file);
    const cacheSessions = nonNegative(options.cacheSessions, 4096, 'cacheSessions', 'sessions');
    // No readable -shm file (another journal mode, exclusive locking): no cache, every read exact.
    this.#stamp = cacheSessions > 0 ? WalStamp.open(this.file) : null;
    if (this.#stamp) this.#cache = new RecordCache(cacheSessions);
    this.#writes = new GroupCommit(
      (runs) => this.#commit(runs),
      options.groupCommit ?? true,
      options.onCommit,
      {
        isBusy: (error) =>
          typeof error === 'object' && error !== null && this.#busyErrors.has(error),
        timeoutMs: this.#settings.busyTimeoutMs,
        maxDelayMs: 4,
      }
    );
    if (purgeMs > 0) {
      // unref: a store left open must not keep a finished process (the CLI, a test) alive.
      this.#purgeTimer = setTimeout(
        () => {
          this.#purgeInBackground();
          this.#purgeTimer = setInterval(() => this.#purgeInBackground(), purgeMs).unref();
        },
        Math.min(purgeMs, 1000)
      ).unref();
    }
  }

  get(key: string, now: number): Promise<SessionRecord | undefined> {
    return this.#read(() => {
      const current = this.#cacheIsCurrent();
      return (current ? this.#cache!.get(key, now) : undefined) ?? this.#readRow(key, now, current);
    });
  }

  insert(record: SessionRecord, oldKey?: string | null): Promise<void> {
    return this.#write(() => {
      const row = toRow(record);
      this.#writeBack();
      if (oldKey && this.#conn.destroy.run(oldKey).changes > 0) this.#wrote(oldKey, null);
      this.#conn.insert.run(row);
      // A copy: the cache freezes what it keeps, and the caller's object stays the caller's.
      this.#wrote(record.key, structuredClone(record));
    });
  }

  mutate(key: string, op: SessionOp, now: number): Promise<MutateResult | undefined> {
    return this.#write(() => {
      // Read, apply and write inside the batch's BEGIN IMMEDIATE: no other writer, in this process
      // or another, can slip in between, so no update is lost. An expired row is left alone.
      let record = this.#changed.get(key);
      if (record === undefined) {
        record = this.#batchRead(key, now);
        if (record === undefined) return undefined;
      } else if (!isLive(record, now)) {
        return undefined;
      }
      const result = applyOp(record, op);
      if (result.record !== record) {
        // Only a data op can bring in a value JSON cannot hold (a BigInt, a cycle): refuse it
        // now, so this write alone fails, before it joins the batch's write-back.
        if (op.type === 'data') JSON.stringify(result.record.data);
        const fromFile = !this.#changed.has(key);
        this.#changed.set(key, result.record);
        if (op.type !== 'touch') this.#touchedOnly.delete(key);
        else if (fromFile) this.#touchedOnly.add(key);
      }
      return result;
    });
  }

  destroy(key: string): Promise<boolean> {
    return this.#write(() => {
      this.#writeBack();
      const gone = this.#conn.destroy.run(key).changes > 0;
      if (gone) this.#wrote(key, null);
      return gone;
    });
  }

  // In transactions of at most #chunk rows, so the lock (and the event loop) is never held
  // long; the first chunk is queued at once, in order with the writes issued around the call.
  // Sessions of the user created while it runs are ended too (it stops at a short chunk). A
  // change of user in a chunk gets its end record in the chunk's transaction.
  async revokeUser(
    user: string,
    reason: RevokeReason = 'revoked',
    now: number = this.#now()
  ): Promise<string[]> {
    const keys: string[] = [];
    for (;;) {
      const chunk = await this.#write(() =>
        this.#deleteChunk(this.#conn.revokeChunk, user, `su_end_${reason}`, now)
      );
      for (const key of chunk) keys.push(key);
      if (chunk.length < this.#chunk) return keys;
      await this.#pause();
    }
  }

  trimUser(user: string, keep: number, now: number, newest = ''): Promise<string[]> {
    return this.#write(() => {
      this.#writeBack();
      const rows = this.#conn.oldestOfUser.all(user, now, newest, keep);
      this.#endSwitched(rows, 'su_end_capped', now);
      for (const row of rows) {
        this.#conn.destroy.run(row.key);
        this.#wrote(row.key, null);
      }
      return rows.map((row) => row.key);
    });
  }

  list(now: number, user?: string): Promise<SessionSummary[]> {
    return this.#read(() =>
      user === undefined ? this.#conn.list.all(now) : this.#conn.listUser.all(now, user)
    );
  }

  *scanList(now: number, user?: string): Iterable<SessionSummary> {
    if (this.#closed) throw this.#closedError();
    try {
      yield* user === undefined
        ? this.#conn.list.iterate(now)
        : this.#conn.listUser.iterate(now, user);
    } catch (error) {
      throw storeError(this.file, error, 'read');
    }
  }

  count(now: number): Promise<number> {
    return this.#read(() => this.#conn.count.get(now) ?? 0);
  }

  // In chunks like revokeUser; each chunk is cheap through the expiry index. Then the freed
  // pages go back to the file system, a chunk of pages per transaction.
  async purgeExpired(now: number): Promise<number> {
    let purged = 0;
    for (;;) {
      const chunk = await this.#write(() =>
        this.#deleteChunk(this.#conn.purgeChunk, now, 'su_end_expired', now)
      );
      purged += chunk.length;
      if (chunk.length < this.#chunk) break;
      await this.#pause();
    }
    if (purged > 0) await this.#giveBackSpace();
    return purged;
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    return this.#write(() => {
      this.#conn.appendAudit.run(entry);
      this.#batchWrote = true;
    });
  }

  secret(name: string): Promise<Buffer> {
    return this.#write(() => {
      // In the write transaction: of two processes making it at once, the first one's stays.
      if (this.#conn.addSecret.run(name, randomBytes(32)).changes > 0) this.#batchWrote = true;
      return this.#conn.getSecret.get(name)!;
    });
  }

  listAudit(): Promise<AuditEntry[]> {
    return this.#read(() => this.#conn.listAudit.all());
  }

  /**
   * Rejects when the store cannot serve or cannot take writes: the path no longer names the open
   * file, the last write failed, or the file is not writable.
   */
  ping(): Promise<void> {
    this.#checkIdentity();
    return this.#read(() => {
      this.#conn.ping.get();
      if (this.#writeError) throw this.#writeError;
      try {
        accessSync(this.file, constants.W_OK);
      } catch (error) {
        throw storeError(this.file, error, 'written');
      }
    });
  }

  onExternalChange(listener: (keys: string[] | null) => void): () => void {
    this.#listeners.add(listener);
    if (this.#pollTimer === null && this.#pollIntervalMs > 0 && !this.#closed) {
      this.#pollTimer = setInterval(() => this.#poll(), this.#pollIntervalMs).unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && this.#pollTimer !== null) {
        clearInterval(this.#pollTimer);
        this.#pollTimer = null;
      }
    };
  }

  /** Commits pending writes, stops the timers and closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#writes.flush();
    // Writes waiting out another process's lock: let them commit (or time out) first.
    await this.#writes.idle();
    this.#closed = true;
    if (this.#purgeTimer !== null) clearTimeout(this.#purgeTimer);
    if (this.#pollTimer !== null) clearInterval(this.#pollTimer);
    this.#purgeTimer = this.#pollTimer = null;
    this.#listeners.clear();
    this.#stamp?.close();
    this.#cache?.clear();
    this.#conn.db.close();
  }

  // One chunk of a bulk delete; the changes of user in it get their end records in the same
  // transaction, ordered by the row's rank (created or expires), then key.
  #deleteChunk<P>(
    statement: Database.Statement<[P, number], DeletedRow>,
    by: P,
    action: SuEndAction,
    at: number
  ): string[] {
    this.#writeBack();
    const rows = statement.all(by, this.#chunk);
    const switched = rows.filter((row) => row.su !== null);
    switched.sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.#endSwitched(switched, action, at);
    for (const row of rows) this.#wrote(row.key, null);
    return rows.map((row) => row.key);
  }

  // The end records of the changes of user among deleted sessions, in the order given.
  #endSwitched(rows: readonly Omit<DeletedRow, 'rank'>[], action: SuEndAction, at: number): void {
    for (const row of rows) {
      if (row.su === null || row.user === null) continue;
      this.#conn.appendAudit.run(
        suEndEntry({key: row.key, user: row.user, suTarget: row.su}, action, at)
      );
    }
  }

  async #giveBackSpace(): Promise<void> {
    const step = () => {
      this.#conn.db.exec(`PRAGMA incremental_vacuum(${VACUUM_STEP_PAGES})`);
      this.#batchWrote = true;
      return this.#conn.freePages.get() ?? 0;
    };
    // Only files made with auto_vacuum = INCREMENTAL (2) can; a bound in case others keep freeing.
    if ((this.#conn.db.pragma('auto_vacuum', {simple: true}) as number) !== 2) return;
    for (let i = 0; i < 10_000 && !this.#closed; i++) {
      if ((await this.#write(step)) === 0) return;
      await this.#pause();
    }
  }

  #pause(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.#pauseMs));
  }

  #read<T>(read: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closedError());
    if (this.#gone) return Promise.reject(this.#gone);
    try {
      return Promise.resolve(read());
    } catch (error) {
      return Promise.reject(storeError(this.file, error, 'read'));
    }
  }

  #write<T>(job: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closedError());
    if (this.#gone) return Promise.reject(this.#gone);
    return this.#writes.enqueue(job);
  }

  #commit(runs: readonly (() => unknown)[]) {
    let outcomes: JobOutcome[];
    // Whether BEGIN IMMEDIATE got the lock (a failure before it ran nothing).
    let began = false;
    try {
      if (this.#reopen) this.#reopenConnection();
      outcomes = this.#conn.batch.immediate(
        runs,
        () => {
          began = true;
          this.#beginBatch();
        },
        () => this.#writeBack()
      );
    } catch (error) {
      this.#changed.clear();
      this.#touchedOnly.clear();
      this.#endBatch(false);
      if (needsReopen(error)) this.#reopen = true;
      const failure = storeError(this.file, error, 'written');
      // BEGIN IMMEDIATE found the lock taken: nothing ran, so the batch may simply run later
      // (and the store's health is not in doubt). Any other failure is the last write's outcome.
      if (!began && backendCode(error) === 'SQLITE_BUSY' && typeof failure === 'object') {
        this.#busyErrors.add(failure as object);
      } else if (isMoinError(failure)) this.#writeError = failure;
      throw failure;
    }
    this.#writeError = null;
    // Outside the try: once COMMIT returned, nothing may turn the batch into a failure.
    this.#endBatch(true);
    return outcomes;
  }

  /** A row from the file, decoded; `keep`: the cache was just found current, so it may keep it. */
  #readRow(key: string, now: number, keep: boolean): SessionRecord | undefined {
    const row = this.#conn.get.get(key, now);
    if (row === undefined) return undefined;
    const record = toRecord(row);
    return keep && this.#cache ? this.#cache.set(record) : record;
  }

  // A read inside the batch's transaction. The cache was checked against the file at BEGIN,
  // under the write lock, so it holds for every session this batch has not written yet; the
  // rest come from the file (which shows this transaction's own writes) and are not cached
  // here: #endBatch caches what the batch wrote once it is committed.
  #batchRead(key: string, now: number): SessionRecord | undefined {
    const useCache = this.#batchChecked && !this.#batchEffects.has(key);
    return (useCache ? this.#cache!.get(key, now) : undefined) ?? this.#readRow(key, now, false);
  }

  // Is the cache valid for the file as it is now? Outside a transaction: one read of the
  // wal-index header. Any commit since the cache was last validated (by another process, or a
  // header we could not read) empties it and makes the header now seen the new reference; a row
  // read after this check is at least as new as that header, so caching it is safe.
  #cacheIsCurrent(): boolean {
    if (this.#cache === null || this.#stamp === null) return false;
    if (!this.#stamp.read(this.#header)) {
      this.#forget();
      return false;
    }
    if (!this.#header.equals(this.#seen)) {
      this.#cache.clear();
      this.#header.copy(this.#seen);
    }
    return true;
  }

  // Inside BEGIN IMMEDIATE: nobody else can commit until our COMMIT, so the header read now is
  // the one our commit will build on.
  #beginBatch(): void {
    this.#batchEffects.clear();
    this.#batchWrote = false;
    this.#batchChecked = this.#cacheIsCurrent();
  }

  // After COMMIT (or a rollback): the cache may take the batch's effects only when the header
  // shows exactly our commit on top of the one seen at BEGIN (or nothing, if we wrote nothing).
  // Anything else, e.g. another process committing in the moment after our COMMIT, drops it.
  #endBatch(committed: boolean): void {
    const cache = this.#cache;
    const effects = this.#batchEffects;
    try {
      if (cache === null || this.#stamp === null) return;
      if (!committed || !this.#batchChecked || !this.#stamp.read(this.#header)) {
        this.#forget();
        return;
      }
      const ours = onlyOurCommit(this.#seen, this.#header, this.#batchWrote);
      this.#header.copy(this.#seen);
      if (!ours) {
        cache.clear();
        return;
      }
      for (const [key, record] of effects) {
        if (record === null) cache.delete(key);
        else cache.set(record);
      }
    } finally {
      effects.clear();
      this.#batchChecked = false;
    }
  }

  // A session the running batch wrote (null: deleted).
  #wrote(key: string, record: SessionRecord | null): void {
    this.#batchWrote = true;
    this.#batchEffects.set(key, record);
  }

  // Drops the cache and any reference header: the next read starts afresh from the file.
  #forget(): void {
    this.#cache?.clear();
    this.#seen.fill(0);
  }

  // Writes the sessions mutated so far in this batch, once each however many ops they took (one
  // hot session with 100 visits in a turn is one UPDATE, not 100 reads, parses and UPDATEs).
  // Runs before any other write touches the table and at the end of every batch, so the
  // cache never outlives its transaction.
  #writeBack(): void {
    for (const record of this.#changed.values()) {
      // A touch only moves the expiry: one column, none of the JSON encoding of a full row.
      if (this.#touchedOnly.has(record.key)) this.#conn.touch.run(record.expiresAt, record.key);
      else this.#conn.update.run(toRow(record));
      this.#wrote(record.key, record);
    }
    this.#changed.clear();
    this.#touchedOnly.clear();
  }

  // A connection opened while the file was read-only stays read-only after the file is fixed;
  // a fresh one picks the fix up. On failure the old connection stays (reads keep working).
  #reopenConnection(): void {
    const fresh = openConnection(this.file, this.#settings);
    const old = this.#conn;
    this.#conn = fresh;
    this.#reopen = false;
    this.#forget();
    if (this.#stamp) {
      this.#stamp.close();
      this.#stamp = WalStamp.open(this.file);
      if (!this.#stamp) this.#cache = null;
    }
    try {
      old.db.close();
    } catch {
      // The old handle is being dropped anyway.
    }
    // The new connection counts commits afresh, and others may have written meanwhile.
    this.#dataVersion = fresh.dataVersion.get() as number;
    this.#notify();
  }

  // The path must still name the file we have open: a deleted or replaced file would keep taking
  // our writes while the CLI (and everyone else) works on the new one. One stat, no file read.
  #checkIdentity(): void {
    if (this.#gone || this.#closed || this.#identity === null) return;
    const now = identityOf(this.file);
    if (now && now.dev === this.#identity.dev && now.ino === this.#identity.ino) return;
    this.#gone = new MoinError(
      'store_unavailable',
      `The session store ${this.file} was ${now ? 'replaced' : 'deleted'} while in use; ` +
        'this server refuses to go on with the old file. Restart it.'
    );
    this.#onBackgroundError(this.#gone);
    this.#notify();
  }

  #poll(): void {
    this.#checkIdentity();
    let version: number;
    try {
      version = this.#conn.dataVersion.get() as number;
    } catch {
      return; // an unreadable file shows up on the next real read or write
    }
    // data_version changes only when *another* connection committed to the file.
    if (version === this.#dataVersion) return;
    this.#dataVersion = version;
    this.#notify();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(null);
      } catch (error) {
        this.#onBackgroundError(error);
      }
    }
  }

  #purgeInBackground(): void {
    if (this.#purging || this.#closed) return;
    this.#purging = true;
    this.purgeExpired(this.#now())
      .catch((error: unknown) => {
        if (!this.#closed) this.#onBackgroundError(error);
      })
      .finally(() => (this.#purging = false));
  }

  #closedError(): MoinError {
    return new MoinError('store_unavailable', `The session store ${this.file} is closed.`);
  }
}

function identityOf(file: string): {dev: number; ino: number} | null {
  try {
    const {dev, ino} = statSync(file);
    return {dev, ino};
  } catch {
    return null;
  }
}

function nonNegative(
  value: number | undefined,
  fallback: number,
  name: string,
  unit: 'ms' | 'sessions' = 'ms'
): number {
  if (value === undefined) return fallback;
  const whole = unit === 'sessions';
  if (!Number.isFinite(value) || value < 0 || (whole && !Number.isInteger(value))) {
    const what = whole ? 'a whole number of sessions' : 'a number of ms';
    throw new TypeError(`SqliteStore: ${name} must be ${what}, 0 or more`);
  }
  return value;
}

import {accessSync, constants, statSync} from 'node:fs';
import {resolve} from 'node:path';
import type {Worker} from 'node:worker_threads';
import {MoinError} from '../../shared/index.js';
import {openConnection, storeError} from './sqlite-connection.js';
import type {Connection} from './sqlite-connection.js';
import type {CommitInfo} from './sqlite-group-commit.js';
import {SqliteReadCache} from './sqlite-read-cache.js';
import {toAuditEntry, toRecord, toRow} from './sqlite-schema.js';
import {asBuffer, type WriteJob} from './sqlite-writer-messages.js';
import {WriterThread} from './sqlite-writer-thread.js';
import type {
  AuditEntry,
  MutateResult,
  RevokeReason,
  SessionOp,
  SessionRecord,
  SessionStore,
  SessionSummary,
} from './types.js';

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
  /**
   * Run the writer (the write connection and its group commits) in a worker thread, so a COMMIT's
   * fsync never blocks the event loop. false: on this thread, as before (it then costs less CPU
   * per write, and the loop waits for each flush). @default true
   */
  writerThread?: boolean;
  /** The clock the purge timer uses. @default Date.now */
  now?: () => number;
  /** Called after every transaction, e.g. to feed a latency histogram. */
  onCommit?: (info: CommitInfo) => void;
  /**
   * Errors of background work (the purge timer, a throwing listener, the writer thread stopping);
   * the store keeps running.
   */
  onBackgroundError?: (error: unknown) => void;
  /** Hears every writer thread started (tests stop one with `worker.terminate()`). */
  onWriter?: (worker: Worker) => void;
}

/** The settings of {@link SqliteStoreOptions} that have a value by default. */
type SqliteStoreSettings = Required<
  Omit<SqliteStoreOptions, 'now' | 'onCommit' | 'onBackgroundError' | 'onWriter'>
>;

/** The defaults of {@link SqliteStoreOptions}, in one place. */
const SQLITE_STORE_DEFAULTS: Readonly<SqliteStoreSettings> = Object.freeze({
  purgeIntervalMs: 60_000,
  maintenanceChunk: 500,
  maintenancePauseMs: 10,
  pollIntervalMs: 300,
  busyTimeoutMs: 5000,
  synchronous: 'FULL',
  groupCommit: true,
  maxSizeBytes: null,
  cacheSessions: 4096,
  writerThread: true,
});

/**
 * The default store: one SQLite file through better-sqlite3 (`store: "sqlite:PATH"`). Writes go to
 * a writer thread that owns the write connection (sqlite-writer-thread.ts): the writes of one
 * event-loop turn are committed together (group commit), the next batch gathers here while one is
 * committed, and each promise settles after COMMIT, so an fsync never blocks this thread. Reads
 * are direct prepared statements on this thread's own connection, behind a cache of decoded
 * sessions that is dropped whenever a connection other than the writer has committed (one 48-byte
 * read of the wal-index header per read). Other processes may write the same file: reads see
 * their commits at once, and open sockets learn of them through {@link onExternalChange}.
 */
export class SqliteStore implements SessionStore {
  readonly kind = 'sqlite';
  /** The absolute path of the database file. */
  readonly file: string;
  readonly #writer: WriterThread;
  readonly #now: () => number;
  readonly #pollIntervalMs: number;
  readonly #onBackgroundError: (error: unknown) => void;
  readonly #onCommit: ((info: CommitInfo) => void) | undefined;
  readonly #listeners = new Set<(keys: string[] | null) => void>();
  /** The read connection; it never writes after opening (the schema migration). */
  readonly #conn: Connection;
  /** Decoded sessions, exact by the wal-index stamp; null when caching is off or not possible. */
  #cache: SqliteReadCache | null;
  #closed = false;
  // issue 10b: the file's identity when opened; once the path names another file (deleted,
  // replaced) the store fails closed with #gone. #writeError: the last write's failure, if any.
  #identity: {dev: number; ino: number} | null = null;
  #gone: MoinError | null = null;
  #writeError: MoinError | null = null;
  /** Set while the writer thread is down (from its crash until a new one has the file open). */
  #writerDown: MoinError | null = null;
  #purgeTimer: NodeJS.Timeout | null = null;
  #purging = false;
  readonly #chunk: number;
  readonly #pauseMs: number;
  #pollTimer: NodeJS.Timeout | null = null;

  /**
   * Opens (and creates, with its folder) the file; relative paths resolve against the current
   * directory. Throws `store_unavailable` naming the file when it cannot be opened.
   */
  constructor(file: string, options: SqliteStoreOptions = {}) {
    this.file = resolve(file);
    const settings = settingsOf(options);
    const connection = {
      busyTimeoutMs: settings.busyTimeoutMs,
      synchronous: settings.synchronous,
      maxSizeBytes: settings.maxSizeBytes,
    };
    this.#now = options.now ?? Date.now;
    this.#pollIntervalMs = settings.pollIntervalMs;
    this.#onBackgroundError = options.onBackgroundError ?? (() => {});
    this.#onCommit = options.onCommit;
    const purgeMs = settings.purgeIntervalMs;
    this.#chunk = settings.maintenanceChunk;
    this.#pauseMs = settings.maintenancePauseMs;
    try {
      // Creates the file and migrates its schema, here, so a bad file fails the constructor.
      this.#conn = openConnection(this.file, connection);
    } catch (error) {
      throw storeError(this.file, error, 'opened');
    }
    this.#identity = identityOf(this.file);
    this.#cache = SqliteReadCache.open(this.file, settings.cacheSessions);
    const writer = {
      ...connection,
      groupCommit: settings.groupCommit,
      maintenanceChunk: settings.maintenanceChunk,
      cacheSessions: settings.cacheSessions,
    };
    this.#writer = new WriterThread(
      this.file,
      writer,
      settings.pollIntervalMs,
      {
        batch: (stamps, commits, writeError) => this.#afterBatch(stamps, commits, writeError),
        external: () => this.#notify(),
        crashed: (error) => {
          this.#writerDown = error;
          this.#cache?.forget();
          this.#onBackgroundError(error);
        },
        ready: () => (this.#writerDown = null),
        cache: () => this.#cache,
        ...(options.onWriter ? {started: options.onWriter} : {}),
      },
      settings.writerThread
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
      const current = this.#cache?.current() ?? false;
      return (current ? this.#cache!.get(key, now) : undefined) ?? this.#readRow(key, now, current);
    });
  }

  insert(record: SessionRecord, oldKey?: string | null): Promise<void> {
    let row;
    try {
      // Here, so a value the file cannot hold (a BigInt, a cycle) fails this write alone.
      row = toRow(record);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#write<void>({type: 'insert', row, oldKey: oldKey ?? null});
  }

  mutate(key: string, op: SessionOp, now: number): Promise<MutateResult | undefined> {
    if (op.type === 'data') {
      try {
        // As the file will hold it (and a BigInt or a cycle fails this write alone, here).
        op = {...op, set: JSON.parse(JSON.stringify(op.set)) as Record<string, unknown>};
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#write({type: 'mutate', key, op, now, pinned: false});
  }

  touchLater(touches: readonly (readonly [string, number])[], now: number): Promise<void> {
    if (touches.length === 0) return Promise.resolve();
    return this.#write<void>({type: 'touchLater', touches, now});
  }

  destroy(key: string): Promise<boolean> {
    return this.#write({type: 'destroy', key});
  }

  // In transactions of at most #chunk rows, so the lock is never held long; the first chunk is
  // queued at once, in order with the writes issued around the call. Sessions of the user
  // created while it runs are ended too (it stops at a short chunk). A change of user in a
  // chunk gets its end record in the chunk's transaction.
  async revokeUser(
    user: string,
    reason: RevokeReason = 'revoked',
    now: number = this.#now()
  ): Promise<string[]> {
    const keys: string[] = [];
    for (;;) {
      const chunk = await this.#write<string[]>({
        type: 'revokeChunk',
        user,
        action: `su_end_${reason}`,
        now,
      });
      for (const key of chunk) keys.push(key);
      if (chunk.length < this.#chunk) return keys;
      await this.#pause();
    }
  }

  trimUser(user: string, keep: number, now: number, newest = ''): Promise<string[]> {
    return this.#write({type: 'trim', user, keep, now, newest});
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
    return this.#read(() => this.#conn.count.get({now}) ?? 0);
  }

  // In chunks like revokeUser; each chunk is cheap through the expiry index. Then the freed
  // pages go back to the file system, a chunk of pages per transaction.
  async purgeExpired(now: number): Promise<number> {
    // A look on the read connection first: no write transaction (and no fsync) when no row is
    // due. A chunk takes the next due rows: it deletes the expired ones and moves the bound of
    // the others past them (see PURGE_LAG_MS), so every due row is looked at once.
    if ((await this.#read(() => this.#conn.anyDue.get(now))) === undefined) return 0;
    let purged = 0;
    for (;;) {
      const chunk = await this.#write<{keys: string[]; due: number}>({type: 'purgeChunk', now});
      purged += chunk.keys.length;
      if (chunk.due < this.#chunk) break;
      await this.#pause();
    }
    if (purged > 0) await this.#giveBackSpace();
    return purged;
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    return this.#write({type: 'audit', entry});
  }

  async secret(name: string): Promise<Buffer> {
    return asBuffer(await this.#write<Uint8Array>({type: 'secret', name}));
  }

  listAudit(): Promise<AuditEntry[]> {
    return this.#read(() => this.#conn.listAudit.all().map(toAuditEntry));
  }

  /**
   * Rejects when the store cannot serve or cannot take writes: the path no longer names the open
   * file, the last write failed (or the writer thread is down), or the file is not writable.
   */
  ping(): Promise<void> {
    this.#checkIdentity();
    return this.#read(() => {
      this.#conn.ping.get();
      if (this.#writerDown ?? this.#writeError) throw this.#writerDown ?? this.#writeError;
      try {
        accessSync(this.file, constants.W_OK);
      } catch (error) {
        throw storeError(this.file, error, 'written');
      }
    });
  }

  onExternalChange(listener: (keys: string[] | null) => void): () => void {
    this.#listeners.add(listener);
    // The writer thread watches for other processes' commits; this timer checks the file's identity.
    if (this.#pollTimer === null && this.#pollIntervalMs > 0 && !this.#closed) {
      this.#pollTimer = setInterval(() => this.#checkIdentity(), this.#pollIntervalMs).unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && this.#pollTimer !== null) {
        clearInterval(this.#pollTimer);
        this.#pollTimer = null;
      }
    };
  }

  /** Commits pending writes, stops the timers and the writer thread, and closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#purgeTimer !== null) clearTimeout(this.#purgeTimer);
    if (this.#pollTimer !== null) clearInterval(this.#pollTimer);
    this.#purgeTimer = this.#pollTimer = null;
    // Writes queued or waiting out another process's lock commit (or time out) first.
    await this.#writer.close();
    this.#listeners.clear();
    this.#cache?.close();
    this.#conn.db.close();
  }

  async #giveBackSpace(): Promise<void> {
    // A bound in case others keep freeing pages.
    for (let i = 0; i < 10_000 && !this.#closed; i++) {
      if ((await this.#write<number>({type: 'vacuumStep'})) <= 0) return;
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

  #write<T>(job: WriteJob): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closedError());
    if (this.#gone) return Promise.reject(this.#gone);
    return this.#writer.enqueue(job) as Promise<T>;
  }

  // Before the batch's writes settle: a read issued after an ack finds what it acknowledged.
  #afterBatch(
    stamps: readonly Parameters<SqliteReadCache['applyBatch']>[0][],
    commits: readonly CommitInfo[],
    writeError: MoinError | null
  ): void {
    this.#writeError = writeError;
    for (const stamp of stamps) this.#cache?.applyBatch(stamp);
    if (this.#onCommit === undefined) return;
    for (const info of commits) {
      try {
        this.#onCommit(info);
      } catch {
        // A failing metrics hook must not turn a committed write into a rejected one.
      }
    }
  }

  /** A row from the file, decoded; `keep`: the cache was just found current, so it may keep it. */
  #readRow(key: string, now: number, keep: boolean): SessionRecord | undefined {
    const row = this.#conn.get.get(key, now);
    if (row === undefined) return undefined;
    const record = toRecord(row);
    return keep && this.#cache ? this.#cache.keep(record) : record;
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

// The options over the defaults, checked: a wrong value throws a TypeError naming the option.
function settingsOf(options: SqliteStoreOptions): SqliteStoreSettings {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const s: SqliteStoreSettings = {...SQLITE_STORE_DEFAULTS, ...defined};
  for (const name of ['purgeIntervalMs', 'maintenancePauseMs', 'pollIntervalMs', 'busyTimeoutMs']) {
    nonNegative(s[name as keyof SqliteStoreSettings] as number, name);
  }
  nonNegative(s.maintenanceChunk, 'maintenanceChunk', 'sessions');
  nonNegative(s.cacheSessions, 'cacheSessions', 'sessions');
  if (s.maintenanceChunk < 1)
    throw new TypeError('SqliteStore: maintenanceChunk must be 1 or more');
  if (s.synchronous !== 'FULL' && s.synchronous !== 'NORMAL') {
    throw new TypeError('SqliteStore: synchronous must be "FULL" or "NORMAL"');
  }
  return s;
}

function nonNegative(value: number, name: string, unit: 'ms' | 'sessions' = 'ms'): void {
  const whole = unit === 'sessions';
  if (!Number.isFinite(value) || value < 0 || (whole && !Number.isInteger(value))) {
    const what = whole ? 'a whole number of sessions' : 'a number of ms';
    throw new TypeError(`SqliteStore: ${name} must be ${what}, 0 or more`);
  }
}

import {randomBytes} from 'node:crypto';
import type Database from 'better-sqlite3';
import {isMoinError, type MoinError} from '../../shared/index.js';
import {applyOp, isLive, laterTouch, suEndEntry} from './ops.js';
import {backendCode, needsReopen, openConnection, storeError} from './sqlite-connection.js';
import type {Connection, ConnectionSettings, DeletedRow} from './sqlite-connection.js';
import {GroupCommit} from './sqlite-group-commit.js';
import type {CommitInfo, JobOutcome} from './sqlite-group-commit.js';
import {SqliteReadCache, type BatchStamp} from './sqlite-read-cache.js';
import {rowRecord, toAuditRow, toRecord, toRow} from './sqlite-schema.js';
import type {MutatedData, RecordRef, StampData, WriteJob} from './sqlite-writer-messages.js';
import type {SessionRecord, SuEndAction} from './types.js';

/** Free pages given back per transaction after a purge (1 MiB of 4 KiB pages). */
const VACUUM_STEP_PAGES = 256;

/** How the writer is set up (the store's options that concern writing). */
export interface WriterSettings extends ConnectionSettings {
  /** Commit the jobs of one batch together; false: one transaction each. */
  groupCommit: boolean;
  /** Rows per chunk of a bulk delete. */
  maintenanceChunk: number;
  /** The writer's own cache of decoded sessions (for reads inside a batch); 0: none. */
  cacheSessions: number;
}

/** What one batch of jobs came to, with records as references (see RecordRef). */
export interface WriterBatch {
  outcomes: JobOutcome[];
  /** What each transaction did, in commit order (for another cache of the file). */
  stamps: StampData[];
  commits: CommitInfo[];
  /** The last write's failure, or null once a transaction committed. */
  writeError: MoinError | null;
}

/**
 * The write side of the SQLite store: the one write connection and its group commits. It runs in
 * the writer thread (sqlite-writer-worker.ts), so a COMMIT's fsync never blocks the server's event
 * loop; the jobs are plain data ({@link WriteJob}). Read, apply (`applyOp`, the one definition of
 * an operation) and write happen inside the batch's BEGIN IMMEDIATE, so no update is lost.
 */
export class SqliteWriter {
  readonly file: string;
  readonly #settings: WriterSettings;
  readonly #writes: GroupCommit;
  #conn: Connection;
  #cache: SqliteReadCache | null;
  /** Sessions changed by the current batch and not yet written (see #writeBack). */
  readonly #changed = new Map<string, SessionRecord>();
  /** Keys of #changed whose only change since the file is the expiry (deferred touches). */
  readonly #touchedOnly = new Set<string>();
  #reopen = false;
  #writeError: MoinError | null = null;
  /** Errors of a batch that could not begin because another connection held the lock. */
  readonly #busyErrors = new WeakSet<object>();
  #dataVersion: number;
  /** Collected for the batch that is running (see {@link run}). */
  #stamps: StampData[] = [];
  #commits: CommitInfo[] = [];
  /**
   * Per session, the latest record a mutate of the running batch resulted in and that job's index
   * (for {@link RecordRef}). Only the latest: a later job can only start from it, and earlier
   * records must not outlive their job (a batch of thousands would keep them all alive).
   */
  #madeBy = new Map<string, {record: SessionRecord; job: number}>();
  /** The header the main thread's pinned records are valid at (see WriteJob `pinned`). */
  #validAt: Uint8Array | null = null;

  /** Opens the write connection; throws (store_unavailable naming the file) when it cannot. */
  constructor(file: string, settings: WriterSettings) {
    this.file = file;
    this.#settings = settings;
    try {
      this.#conn = openConnection(file, settings);
    } catch (error) {
      throw storeError(file, error, 'opened');
    }
    this.#dataVersion = this.#conn.dataVersion.get() as number;
    this.#cache = SqliteReadCache.open(file, settings.cacheSessions);
    this.#writes = new GroupCommit(
      (runs) => this.#commit(runs),
      settings.groupCommit,
      (info) => this.#commits.push(info),
      {
        isBusy: (error) =>
          typeof error === 'object' && error !== null && this.#busyErrors.has(error),
        timeoutMs: settings.busyTimeoutMs,
        maxDelayMs: 4,
      }
    );
  }

  /**
   * Runs a batch of jobs (one transaction, or one each without group commit; a batch another
   * process's lock keeps out is retried on a timer) and settles once every job has.
   */
  async run(jobs: readonly WriteJob[], validAt: Uint8Array | null = null): Promise<WriterBatch> {
    this.#validAt = validAt;
    this.#stamps = [];
    this.#commits = [];
    this.#madeBy = new Map();
    const queued = jobs.map((job, i) => this.#writes.enqueue(() => this.#job(job, i)));
    // The batch is complete already (the main thread gathered it): commit now, not a turn later.
    this.#writes.flush();
    const settled = await Promise.allSettled(queued);
    const outcomes = settled.map((s): JobOutcome =>
      s.status === 'fulfilled' ? {ok: true, value: s.value} : {ok: false, error: s.reason}
    );
    return {outcomes, stamps: this.#stamps, commits: this.#commits, writeError: this.#writeError};
  }

  /** True when another connection committed since the last call (PRAGMA data_version moved). */
  externalChange(): boolean {
    let version: number;
    try {
      version = this.#conn.dataVersion.get() as number;
    } catch {
      return false; // an unreadable file shows up on the next write
    }
    if (version === this.#dataVersion) return false;
    this.#dataVersion = version;
    return true;
  }

  /** Closes the connection (after the last batch settled). */
  close(): void {
    this.#cache?.close();
    this.#conn.db.close();
  }

  #job(job: WriteJob, index: number): unknown {
    switch (job.type) {
      case 'insert':
        return this.#insert(job.row, job.oldKey);
      case 'mutate':
        return this.#mutate(job.key, job, index);
      case 'touchLater':
        return this.#touchLater(job.touches, job.now);
      case 'destroy': {
        this.#writeBack();
        const gone = this.#conn.destroy.run(job.key).changes > 0;
        if (gone) this.#wrote(job.key, null);
        return gone;
      }
      case 'trim':
        return this.#trim(job.user, job.keep, job.now, job.newest);
      case 'revokeChunk':
        return this.#deleteChunk(this.#conn.revokeChunk, job.user, job.action, job.now);
      case 'purgeChunk':
        return this.#purgeChunk(job.now);
      case 'audit':
        this.#conn.appendAudit.run(toAuditRow(job.entry));
        this.#cache?.wroteOther();
        return undefined;
      case 'secret':
        // In the write transaction: of two processes making it at once, the first one's stays.
        if (this.#conn.addSecret.run(job.name, randomBytes(32)).changes > 0)
          this.#cache?.wroteOther();
        return this.#conn.getSecret.get(job.name);
      case 'vacuumStep':
        return this.#vacuumStep();
    }
  }

  #insert(row: ReturnType<typeof toRow>, oldKey: string | null): void {
    this.#writeBack();
    if (oldKey && this.#conn.destroy.run(oldKey).changes > 0) this.#wrote(oldKey, null);
    this.#conn.insert.run(row);
    this.#wrote(row.key, rowRecord(row));
  }

  // An expired row is left alone. Several ops on one session in a batch are applied in memory
  // and written once (see #writeBack).
  #mutate(
    key: string,
    {op, now, pinned}: Extract<WriteJob, {type: 'mutate'}>,
    index: number
  ): MutatedData | undefined {
    let record = this.#changed.get(key);
    // The main thread has the very record this op starts from: it need not cross again.
    const same =
      record === undefined && pinned && this.#cache?.batchUnchangedSince(this.#validAt, key);
    if (record === undefined) {
      record = this.#cache?.batchGet(key, now) ?? this.#readRow(key, now);
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
    const base: RecordRef = same ? {pinned: true} : this.#ref(record);
    if (result.record !== record || this.#madeBy.get(key)?.record !== record) {
      this.#madeBy.set(key, {record: result.record, job: index});
    }
    return {base};
  }

  // Deferred touches (issue 15). A session this batch changed already, or one in the writer's
  // cache, takes its touch like any op: in memory, written once at the end (#writeBack). Any
  // other is moved by one UPDATE that checks liveness and direction itself, with no read or
  // decoding of the row and nothing sent back; the caches drop it (the next read is from the
  // file).
  #touchLater(touches: readonly (readonly [string, number])[], now: number): void {
    for (const [key, expiresAt] of touches) {
      const pending = this.#changed.get(key);
      const record = pending ?? this.#cache?.batchGet(key, now);
      if (record === undefined) {
        if (this.#conn.touchLater.run({key, expires: expiresAt, now}).changes > 0) {
          this.#wrote(key, null);
        }
        continue;
      }
      if (!isLive(record, now)) continue;
      const result = applyOp(record, laterTouch(expiresAt));
      if (result.record === record) continue;
      this.#changed.set(key, result.record);
      if (pending === undefined) this.#touchedOnly.add(key);
    }
  }

  #ref(record: SessionRecord): RecordRef {
    const made = this.#madeBy.get(record.key);
    return made?.record === record ? {job: made.job} : record;
  }

  #readRow(key: string, now: number): SessionRecord | undefined {
    const row = this.#conn.get.get(key, now);
    return row === undefined ? undefined : toRecord(row);
  }

  #trim(user: string, keep: number, now: number, newest: string): string[] {
    this.#writeBack();
    const rows = this.#conn.oldestOfUser.all(user, now, newest, keep);
    this.#endSwitched(rows, 'su_end_capped', now);
    for (const row of rows) {
      this.#conn.destroy.run(row.key);
      this.#wrote(row.key, null);
    }
    return rows.map((row) => row.key);
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
    return this.#deleted(statement.all(by, this.#settings.maintenanceChunk), action, at);
  }

  // What follows the rows a chunk deleted: the changes of user among them get their end records,
  // ordered by rank, then key; the caches forget them. Returns their keys.
  #deleted(rows: readonly DeletedRow[], action: SuEndAction, at: number): string[] {
    const switched = rows.filter((row) => row.su !== null);
    switched.sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.#endSwitched(switched, action, at);
    for (const row of rows) this.#wrote(row.key, null);
    return rows.map((row) => row.key);
  }

  // One chunk of the purge: the next due rows by purge_at. The expired ones are deleted (see
  // #deleted; rank: expires); a live one only lagged, and its bound moves up to its expiry.
  // `due`: how many rows were due (a full chunk: go on).
  #purgeChunk(now: number): {keys: string[]; due: number} {
    this.#writeBack();
    const rows = this.#conn.purgeCandidates.all({now, limit: this.#settings.maintenanceChunk});
    const expired: DeletedRow[] = [];
    for (const row of rows) {
      if (row.rank > now) this.#conn.settlePurgeAt.run(row.id);
      else {
        this.#conn.destroyRow.run(row.id);
        expired.push(row);
      }
    }
    if (rows.length > expired.length) this.#cache?.wroteOther();
    return {keys: this.#deleted(expired, 'su_end_expired', now), due: rows.length};
  }

  // The end records of the changes of user among deleted sessions, in the order given.
  #endSwitched(rows: readonly Omit<DeletedRow, 'rank'>[], action: SuEndAction, at: number): void {
    for (const row of rows) {
      if (row.su === null || row.user === null) continue;
      const r = {key: row.key, user: row.user, suTarget: row.su};
      const loginMethod = row.method === null ? {} : {loginMethod: row.method};
      this.#conn.appendAudit.run(toAuditRow(suEndEntry({...r, ...loginMethod}, action, at)));
    }
  }

  // Only files made with auto_vacuum = INCREMENTAL (2) can give pages back.
  #vacuumStep(): number {
    if ((this.#conn.db.pragma('auto_vacuum', {simple: true}) as number) !== 2) return -1;
    this.#conn.db.exec(`PRAGMA incremental_vacuum(${VACUUM_STEP_PAGES})`);
    this.#cache?.wroteOther();
    return this.#conn.freePages.get() ?? 0;
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
          this.#cache?.beginBatch();
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

  // What the transaction did, for the writer's cache and (through the batch) the main thread's.
  // Without a cache nobody can tell whose commit it was: an empty stamp tells the reader to forget.
  #endBatch(committed: boolean): void {
    const empty: BatchStamp = {before: null, after: null, wrote: true, effects: new Map()};
    const {effects, ...stamp} = this.#cache?.endBatch(committed) ?? empty;
    const refs = [...effects].map(([key, r]): [string, RecordRef | null] => [
      key,
      r && this.#ref(r),
    ]);
    this.#stamps.push({...stamp, effects: refs});
  }

  // A session the running batch wrote (null: deleted).
  #wrote(key: string, record: SessionRecord | null): void {
    this.#cache?.wrote(key, record);
  }

  // Writes the sessions mutated so far in this batch, once each however many ops they took (one
  // hot session with 100 visits in a turn is one UPDATE, not 100 reads, parses and UPDATEs).
  // Runs before any other write touches the table and at the end of every batch.
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
  // a fresh one picks the fix up. On failure the old connection stays.
  #reopenConnection(): void {
    const fresh = openConnection(this.file, this.#settings);
    const old = this.#conn;
    this.#conn = fresh;
    this.#reopen = false;
    this.#cache?.reopen();
    if (this.#cache && !this.#cache.active) this.#cache = null;
    try {
      old.db.close();
    } catch {
      // The old handle is being dropped anyway.
    }
    // The new connection counts commits afresh; others may have written meanwhile.
    this.#dataVersion = -1;
  }
}

import {RecordCache} from './record-cache.js';
import type {SessionRecord} from './types.js';
import {WAL_HEADER_BYTES, WalStamp, onlyOurCommit} from './wal-stamp.js';

/**
 * What one committed batch of writes did, as the writer saw it: the wal-index header read under
 * the write lock at BEGIN (`before`) and just after COMMIT (`after`), whether it wrote anything,
 * and what became of each session it wrote (a record, or null for deleted). Null headers: not read.
 */
export interface BatchStamp {
  before: Buffer | null;
  after: Buffer | null;
  wrote: boolean;
  effects: ReadonlyMap<string, SessionRecord | null>;
}

/**
 * The SQLite store's cache of decoded sessions, kept exact by the wal-index stamp
 * ({@link WalStamp}): a cached session is used only while no connection has committed to the file
 * since it was read, except commits whose effects the cache was given (the writer's own, see
 * {@link endBatch} and {@link applyBatch}). Anything it cannot account for empties it.
 */
export class SqliteReadCache {
  readonly #file: string;
  readonly #records: RecordCache;
  #stamp: WalStamp | null;
  /** The wal-index header the cache is valid for; all zero (never a real header) when unknown. */
  readonly #seen = Buffer.alloc(WAL_HEADER_BYTES);
  readonly #header = Buffer.alloc(WAL_HEADER_BYTES);
  /** What the running batch did to sessions: a record, or null for deleted. */
  readonly #effects = new Map<string, SessionRecord | null>();
  #wrote = false;
  /** Was the cache checked against the file at the running batch's BEGIN (#seen is that header). */
  #checked = false;
  #before: Buffer | null = null;

  private constructor(file: string, stamp: WalStamp, size: number) {
    this.#file = file;
    this.#stamp = stamp;
    this.#records = new RecordCache(size);
  }

  /**
   * A cache of up to `size` sessions for an open WAL database, or null when `size` is 0 or the
   * file has no readable `-shm` (another journal mode, exclusive locking): every read is exact.
   */
  static open(file: string, size: number): SqliteReadCache | null {
    if (size <= 0) return null;
    const stamp = WalStamp.open(file);
    return stamp ? new SqliteReadCache(file, stamp, size) : null;
  }

  /** Is the cache on (false once the `-shm` file could not be opened again after a reopen). */
  get active(): boolean {
    return this.#stamp !== null;
  }

  // Outside a transaction: one read of the wal-index header. Any commit since the cache was last
  // validated (by another process, or a header we could not read) empties it and makes the header
  // now seen the new reference; a row read after this check is at least as new as that header,
  // so caching it is safe.
  /** Is the cache valid for the file as it is now? Call before {@link get} and {@link keep}. */
  current(): boolean {
    if (this.#stamp === null) return false;
    if (!this.#stamp.read(this.#header)) {
      this.forget();
      return false;
    }
    if (!this.#header.equals(this.#seen)) {
      this.#records.clear();
      this.#header.copy(this.#seen);
    }
    return true;
  }

  /** The cached session; only meaningful right after {@link current} returned true. */
  get(key: string, now: number): SessionRecord | undefined {
    return this.#records.get(key, now);
  }

  /** Keeps a session read from the file after {@link current} returned true; returns it frozen. */
  keep(record: SessionRecord): SessionRecord {
    return this.#records.set(record);
  }

  /**
   * Inside BEGIN IMMEDIATE: nobody else can commit until our COMMIT, so the header read now is
   * the one our commit will build on.
   */
  beginBatch(): void {
    this.#effects.clear();
    this.#wrote = false;
    this.#checked = this.current();
    this.#before = this.#checked ? Buffer.from(this.#seen) : null;
  }

  // The cache was checked against the file at BEGIN, under the write lock, so it holds for every
  // session this batch has not written yet; the rest come from the file (which shows this
  // transaction's own writes) and are not cached here: endBatch caches what the batch wrote.
  /** A session as the running batch may build on, or undefined: read it from the file. */
  batchGet(key: string, now: number): SessionRecord | undefined {
    return this.#checked && !this.#effects.has(key) ? this.#records.get(key, now) : undefined;
  }

  /**
   * Is `header` the one the running batch began on, and has the batch not written `key` yet? Then
   * the session is, for this batch, exactly as a cache valid at `header` holds it.
   */
  batchUnchangedSince(header: Uint8Array | null, key: string): boolean {
    return (
      header !== null &&
      this.#before !== null &&
      this.#before.equals(header) &&
      !this.#effects.has(key)
    );
  }

  /** The header this cache is valid for, if {@link current} just returned true (a copy). */
  validAt(): Buffer {
    return Buffer.from(this.#seen);
  }

  /** The running batch wrote a session (null: deleted it). */
  wrote(key: string, record: SessionRecord | null): void {
    this.#wrote = true;
    this.#effects.set(key, record);
  }

  /** The running batch wrote something that is not a session (an audit record, a secret). */
  wroteOther(): void {
    this.#wrote = true;
  }

  /**
   * After COMMIT (or a rollback): the cache may take the batch's effects only when the header
   * shows exactly our commit on top of the one seen at BEGIN (or nothing, if we wrote nothing).
   * Anything else, e.g. another process committing in the moment after our COMMIT, drops it.
   * Returns what the batch did, for a second cache of the same file ({@link applyBatch}).
   */
  endBatch(committed: boolean): BatchStamp {
    const effects = new Map(this.#effects);
    const stamp: BatchStamp = {before: this.#before, after: null, wrote: this.#wrote, effects};
    this.#effects.clear();
    this.#before = null;
    const checked = this.#checked;
    this.#checked = false;
    if (this.#stamp === null) return stamp;
    if (!committed || !checked || !this.#stamp.read(this.#header)) {
      this.forget();
      return stamp;
    }
    stamp.after = Buffer.from(this.#header);
    this.#take(stamp);
    return stamp;
  }

  /**
   * Takes a batch another connection (the writer thread) committed to the same file. Its effects
   * are kept only when this cache was valid for the header the batch began on (so nothing else
   * happened in between) and the batch was the only commit since; a cache that already moved on
   * to the header after it (a read saw the commit first) has been emptied then, so the effects
   * are exact for it too. Anything else empties the cache.
   */
  applyBatch(batch: BatchStamp): void {
    if (this.#stamp === null) return;
    if (batch.before === null || batch.after === null) {
      this.forget();
      return;
    }
    if (this.#seen.equals(batch.before) || this.#seen.equals(batch.after)) this.#take(batch);
    else this.forget();
  }

  // #seen is the header the batch began on (or already its result): move to the header after it.
  #take(batch: BatchStamp): void {
    const after = batch.after as Buffer;
    const ours = onlyOurCommit(batch.before as Buffer, after, batch.wrote);
    after.copy(this.#seen);
    if (!ours) {
      this.#records.clear();
      return;
    }
    for (const [key, record] of batch.effects) {
      if (record === null) this.#records.delete(key);
      else this.#records.set(record);
    }
  }

  /** Drops the cache and any reference header: the next read starts afresh from the file. */
  forget(): void {
    this.#records.clear();
    this.#seen.fill(0);
  }

  /** After the connection was reopened: the `-shm` file is opened again (or the cache turns off). */
  reopen(): void {
    this.forget();
    this.#stamp?.close();
    this.#stamp = WalStamp.open(this.#file);
  }

  /** Forgets everything and closes the `-shm` file. */
  close(): void {
    this.#records.clear();
    this.#stamp?.close();
    this.#stamp = null;
  }
}

import type {SessionRecord, SessionStore} from '../store/types.js';

/** Tuning of {@link DeferredTouches}; the defaults are what `serve` uses (docs/store.md). */
export interface DeferredTouchOptions {
  /** How long a deferred touch waits before it is written, with every other one due. @default 1000 */
  flushMs?: number;
  /**
   * The most a deferred touch may move a session's stored expiry, at least: the most a session
   * can expire early when a crash loses it. A longer slide is written before the answer, unless
   * {@link maxEarlyShare} of the lifetime allows it. @default 300000
   */
  maxEarlyMs?: number;
  /**
   * The same bound as a share of the session's lifetime (the time from now to its new expiry);
   * the larger of the two applies, so a 12-hour session may slide 36 minutes deferred and an
   * hour-long one 5 minutes. @default 0.05
   */
  maxEarlyShare?: number;
  /**
   * A touch is deferred only while the stored expiry is at least this far ahead, so the session
   * cannot expire, here or for any other process, before the deferred write lands. @default 60000
   */
  safetyMs?: number;
  /** The clock of the writes (the engine's). @default Date.now */
  now?: () => number;
  /** Told when a flush fails (the touches stay queued and are tried again). */
  onError?: (error: unknown) => void;
}

/** The most touches written in one store batch. */
const FLUSH_SLICE = 200;

interface Pending {
  /** The record as the store holds it (the durable expiry is its expiresAt). */
  stored: SessionRecord;
  /** The same record with the deferred expiry: what the request sees. */
  touched: SessionRecord;
}

/**
 * Expiry touches of sessions in use, written together a moment later instead of one by one before
 * each answer (issue 15): 1.9's once-a-minute sliding expiry otherwise turns most requests into a
 * write when many sessions are active. The touch is still applied at once for the request (its
 * view and cookie show the new expiry); only its write waits, at most `flushMs`, and all writes due
 * go to the store at once (for SQLite: one group commit). Only touches wait, never a visit or any
 * other change. A touch is deferred only when losing it in a crash is harmless enough: the stored
 * expiry is at least `safetyMs` ahead (so nobody sees the session expire meanwhile) and the slide
 * is at most `maxEarlyMs` or `maxEarlyShare` of the lifetime, whichever is larger (the most a
 * session can then expire early). Writes only move an expiry
 * forward, so a late deferred touch never undoes a later one.
 */
export class DeferredTouches {
  readonly #store: SessionStore;
  readonly #flushMs: number;
  readonly #maxEarlyMs: number;
  readonly #maxEarlyShare: number;
  readonly #safetyMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #now: () => number;
  readonly #pending = new Map<string, Pending>();
  /** The durable expiry behind a record this class made (a socket keeps using it). */
  readonly #storedOf = new WeakMap<SessionRecord, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(store: SessionStore, options: DeferredTouchOptions = {}) {
    this.#store = store;
    this.#flushMs = options.flushMs ?? 1000;
    this.#maxEarlyMs = options.maxEarlyMs ?? 300_000;
    this.#maxEarlyShare = options.maxEarlyShare ?? 0.05;
    this.#safetyMs = options.safetyMs ?? 60_000;
    this.#onError = options.onError ?? (() => {});
    this.#now = options.now ?? Date.now;
  }

  /** How many touches wait to be written. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Defers a touch of `record` to `expiresAt` when it is safe to, and returns the record as the
   * request should see it; null when the caller must write the touch now (and it then should call
   * {@link forget}).
   */
  defer(record: SessionRecord, expiresAt: number, now: number): SessionRecord | null {
    const stored = this.#storedOf.get(record) ?? record.expiresAt;
    const maxEarly = Math.max(this.#maxEarlyMs, (expiresAt - now) * this.#maxEarlyShare);
    if (expiresAt <= stored || expiresAt - stored > maxEarly) return null;
    if (stored - now < this.#safetyMs) return null;
    const key = record.key;
    const pending = this.#pending.get(key);
    // The same stored record read again (a cache hands out one object): the same touched one, so
    // its view text is not built again.
    if (pending && pending.stored === record && pending.touched.expiresAt === expiresAt) {
      return pending.touched;
    }
    const base = pending?.touched === record ? pending.stored : record;
    const touched: SessionRecord = Object.freeze({...record, expiresAt});
    this.#storedOf.set(touched, stored);
    this.#pending.set(key, {stored: base, touched});
    this.#timer ??= setTimeout(() => void this.flush(), this.#flushMs);
    this.#timer.unref?.();
    return touched;
  }

  /** Drops a waiting touch of `key` (the caller wrote one itself). */
  forget(key: string): void {
    this.#pending.delete(key);
  }

  /** Writes every waiting touch now; resolves once they are written (or failed, kept for later). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const due = [...this.#pending];
    if (due.length === 0) return this.#flushing;
    this.#flushing = this.#flushing.then(() => this.#write(due));
    return this.#flushing;
  }

  // In slices of FLUSH_SLICE touches, one after the other: each slice is one store call and
  // (SQLite) one group commit of its own, so a flush never holds the store for one huge commit.
  async #write(due: [string, Pending][]): Promise<void> {
    let failed = false;
    for (let i = 0; i < due.length; i += FLUSH_SLICE) {
      const slice = due.slice(i, i + FLUSH_SLICE);
      try {
        await this.#store.touchLater(
          slice.map(([key, entry]) => [key, entry.touched.expiresAt] as const),
          this.#now()
        );
        for (const [key, entry] of slice) {
          if (this.#pending.get(key) === entry) this.#pending.delete(key);
        }
      } catch (error) {
        // Kept for the next flush; a touch whose session expired meanwhile is dropped there
        // (the store finds no live session and changes nothing).
        if (!failed) this.#onError(error);
        failed = true;
      }
    }
    if (failed && this.#pending.size > 0) {
      this.#timer ??= setTimeout(() => void this.flush(), this.#flushMs);
      this.#timer.unref?.();
    }
  }

  /** Writes what waits and stops the timer (the service closing, before its store). */
  async close(): Promise<void> {
    await this.flush();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

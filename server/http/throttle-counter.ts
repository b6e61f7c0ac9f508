/** How a {@link ThrottleCounter} counts: the same numbers for every implementation. */
export interface ThrottleCounterOptions {
  /** Attempts (failed or still running) per key before take() refuses. */
  maxFailures: number;
  /** Length of a key's window, counted from its first attempt, in milliseconds. */
  windowMs: number;
}

/**
 * The counting under the login throttle (login-throttle.ts), one per store kind: in this process
 * (memory-throttle-counter.ts) or in Redis, shared by every instance on it
 * (redis-throttle-counter.ts). A key counts failed attempts plus attempts still running; the
 * window starts at the key's first attempt and ends `windowMs` later. Both implementations pass
 * test/server/http/throttle-counter-conformance.ts.
 *
 * A counter that cannot reach where it counts rejects (`store_unavailable`): the caller then
 * refuses the login, never lets it through uncounted.
 */
export interface ThrottleCounter {
  /**
   * Takes one attempt on every key at once, if every key has fewer than `maxFailures` counted:
   * resolves 0 (taken, counted as a failure until {@link end}), else the milliseconds to wait
   * (nothing taken). A refusal that only attempts still running cause waits at most 1000 ms
   * (they may yet succeed); one that failures cause waits for the window's end.
   */
  take(keys: readonly string[]): Promise<number>;
  /**
   * Ends an attempt {@link take} gave on `keys`: a failure stays counted; a success is given back
   * (never below 0) and clears the failures of the keys in `reset`. A key whose window ended
   * meanwhile has nothing to give back.
   */
  end(keys: readonly string[], ok: boolean, reset: readonly string[]): Promise<void>;
  /** The milliseconds take(keys) would wait now; 0 when it would take. Counts nothing. */
  retryAfter(keys: readonly string[]): Promise<number>;
  /** Releases what the counter holds (a connection). */
  close(): Promise<void>;
}

import {addressGroup} from './address-group.js';

/** Options of {@link LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failures per name or per address before logins are refused. */
  maxFailures: number;
  /** Length of the window, counted from the first attempt, in seconds. */
  windowSeconds: number;
  now?: () => number;
  /** Keys kept at most; the oldest are forgotten first. @default 100_000 */
  maxKeys?: number;
}

interface Window {
  start: number;
  /** Checks that failed inside the window. */
  failures: number;
  /** Checks started and not finished yet: each counts as a failure until it is given back. */
  inFlight: number;
}

/**
 * Login throttling, in memory and per process. At most `maxFailures` password checks for one name,
 * or from one address, may fail inside `windowSeconds` (counted from the first attempt); further
 * logins for that name or from that address are refused until the window ends.
 *
 * An attempt is counted **when it starts** ({@link begin}), before the (slow, scrypt) check runs,
 * and given back when it succeeds ({@link end}). Counting only after the check would let every
 * request that arrives while the first checks are still running through: 500 guesses sent at once
 * would all be checked. Counting at the start keeps `failures + inFlight <= maxFailures` at every
 * moment, so however many arrive at once, no more than `maxFailures` wrong passwords are ever
 * checked per name and per address inside a window. A refusal caused only by checks still in flight
 * asks to retry after 1 s (they may yet succeed); one caused by failures waits for the window's end.
 *
 * A success gives its attempt back on both keys and clears the name's failures (not the address's:
 * one valid account must not reset an address that is guessing others). Several server instances
 * each count on their own.
 */
export class LoginThrottle {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #maxKeys: number;
  // Insertion order is window-start order (a reset window is re-inserted), so expiry prunes from the front.
  readonly #windows = new Map<string, Window>();

  constructor(options: LoginThrottleOptions) {
    this.#max = options.maxFailures;
    this.#windowMs = options.windowSeconds * 1000;
    this.#now = options.now ?? Date.now;
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  /** Seconds until a login for this name from this address may be tried; 0 when it may now. */
  retryAfter(name: string, address: string): number {
    return this.#retryAfter(keysFor(name, address));
  }

  /**
   * The same for a check that has no name (the back-end API's secret): counted per address only.
   * 0 when `address` may try now.
   */
  retryAfterAddress(address: string): number {
    return this.#retryAfter([addressKey(address)]);
  }

  /** Counts one failed nameless check of `address` (checked at once: nothing is in flight). */
  failAddress(address: string): void {
    const keys = [addressKey(address)];
    this.#begin(keys);
    this.#end(keys, false);
  }

  #retryAfter(keys: readonly string[]): number {
    const now = this.#now();
    let wait = 0;
    for (const key of keys) {
      const w = this.#live(key, now);
      if (!w || w.failures + w.inFlight < this.#max) continue;
      const untilEnd = Math.ceil((w.start + this.#windowMs - now) / 1000);
      wait = Math.max(wait, w.failures >= this.#max ? untilEnd : Math.min(1, untilEnd));
    }
    return wait;
  }

  /**
   * Starts a password check: 0 when it may run (it is counted now, as a failure until
   * {@link end} says otherwise), else the seconds to wait (nothing is counted).
   */
  begin(name: string, address: string): number {
    const keys = keysFor(name, address);
    const wait = this.#retryAfter(keys);
    if (wait > 0) return wait;
    this.#begin(keys);
    return 0;
  }

  /** Ends a check {@link begin} let run: a failure stays counted, a success is given back. */
  end(name: string, address: string, ok: boolean): void {
    this.#end(keysFor(name, address), ok);
  }

  #begin(keys: readonly string[]): void {
    const now = this.#now();
    this.#prune(now);
    for (const key of keys) {
      const w = this.#live(key, now);
      if (w) w.inFlight++;
      else this.#windows.set(key, {start: now, failures: 0, inFlight: 1});
    }
    while (this.#windows.size > this.#maxKeys) {
      const oldest = this.#windows.keys().next().value as string;
      this.#windows.delete(oldest);
    }
  }

  #end(keys: readonly string[], ok: boolean): void {
    const now = this.#now();
    for (const key of keys) {
      const w = this.#live(key, now);
      // Gone (forgotten for maxKeys): nothing to give back.
      if (!w || w.inFlight === 0) continue;
      w.inFlight--;
      if (!ok) w.failures++;
      else if (key.startsWith('n:')) w.failures = 0;
      if (w.failures === 0 && w.inFlight === 0) this.#windows.delete(key);
    }
  }

  /** Keys currently tracked (for tests and metrics). */
  get size(): number {
    return this.#windows.size;
  }

  #live(key: string, now: number): Window | undefined {
    const w = this.#windows.get(key);
    if (!w || now - w.start < this.#windowMs) return w;
    this.#windows.delete(key);
    if (w.inFlight === 0) return undefined;
    // Checks still running when their window ends count in the next one.
    const next = {start: now, failures: 0, inFlight: w.inFlight};
    this.#windows.set(key, next);
    return next;
  }

  #prune(now: number): void {
    for (const [key, w] of this.#windows) {
      if (now - w.start < this.#windowMs) break;
      this.#live(key, now);
    }
  }
}

function keysFor(name: string, address: string): string[] {
  return [`n:${name}`, addressKey(address)];
}

// IPv6 by its /64 (addressGroup): one client's many addresses share one count.
function addressKey(address: string): string {
  return `a:${addressGroup(address)}`;
}

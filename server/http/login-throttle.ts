/** Options of {@link LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failures per name or per address before logins are refused. */
  maxFailures: number;
  /** Length of the window, counted from the first failure, in seconds. */
  windowSeconds: number;
  now?: () => number;
  /** Keys kept at most; the oldest are forgotten first. @default 100_000 */
  maxKeys?: number;
}

interface Window {
  start: number;
  failures: number;
}

/**
 * Login throttling, in memory and per process: after `maxFailures` failed logins for one name, or
 * from one address, within `windowSeconds` of the first of them, further logins for that name or
 * from that address are refused until the window ends. A success clears the name's count (not the
 * address's: one valid account must not reset an address that is guessing others).
 * Several server instances each count on their own.
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
    const now = this.#now();
    let wait = 0;
    for (const key of keysFor(name, address)) {
      const w = this.#live(key, now);
      if (w && w.failures >= this.#max) {
        wait = Math.max(wait, Math.ceil((w.start + this.#windowMs - now) / 1000));
      }
    }
    return wait;
  }

  /** Counts a failed login. */
  fail(name: string, address: string): void {
    const now = this.#now();
    this.#prune(now);
    for (const key of keysFor(name, address)) {
      const w = this.#live(key, now);
      if (w) w.failures++;
      else this.#windows.set(key, {start: now, failures: 1});
    }
    while (this.#windows.size > this.#maxKeys) {
      const oldest = this.#windows.keys().next().value as string;
      this.#windows.delete(oldest);
    }
  }

  /** Clears the name's failures after a successful login. */
  succeed(name: string): void {
    this.#windows.delete(`n:${name}`);
  }

  /** Keys currently tracked (for tests and metrics). */
  get size(): number {
    return this.#windows.size;
  }

  #live(key: string, now: number): Window | undefined {
    const w = this.#windows.get(key);
    if (w && now - w.start >= this.#windowMs) {
      this.#windows.delete(key);
      return undefined;
    }
    return w;
  }

  #prune(now: number): void {
    for (const [key, w] of this.#windows) {
      if (now - w.start < this.#windowMs) break;
      this.#windows.delete(key);
    }
  }
}

function keysFor(name: string, address: string): string[] {
  return [`n:${name}`, `a:${address}`];
}

import type {ThrottleCounter, ThrottleCounterOptions} from './throttle-counter.js';

/** Options of {@link MemoryThrottleCounter}. */
export interface MemoryThrottleCounterOptions extends ThrottleCounterOptions {
  now?: () => number;
  /** Keys kept at most; the oldest are forgotten first. @default 100_000 */
  maxKeys?: number;
}

interface Window {
  start: number;
  /** Attempts that failed inside the window. */
  failures: number;
  /** Attempts taken and not ended yet: each counts as a failure until it is given back. */
  inFlight: number;
}

/**
 * The {@link ThrottleCounter} of one process (memory: and sqlite: stores): a map of windows,
 * bounded by `maxKeys`. Everything runs synchronously, so a take is atomic by itself, and
 * `failures + inFlight <= maxFailures` holds at every moment. Attempts still running when their
 * window ends count in the next one.
 */
export class MemoryThrottleCounter implements ThrottleCounter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #maxKeys: number;
  // Insertion order is window-start order (a reset window is re-inserted), so expiry prunes from the front.
  readonly #windows = new Map<string, Window>();

  constructor(options: MemoryThrottleCounterOptions) {
    this.#max = options.maxFailures;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  take(keys: readonly string[]): Promise<number> {
    const wait = this.#wait(keys);
    if (wait === 0) this.#take(keys);
    return Promise.resolve(wait);
  }

  end(keys: readonly string[], ok: boolean, reset: readonly string[]): Promise<void> {
    const now = this.#now();
    for (const key of keys) {
      const w = this.#live(key, now);
      // Gone (forgotten for maxKeys): nothing to give back.
      if (!w || w.inFlight === 0) continue;
      w.inFlight--;
      if (!ok) w.failures++;
      else if (reset.includes(key)) w.failures = 0;
      if (w.failures === 0 && w.inFlight === 0) this.#windows.delete(key);
    }
    return Promise.resolve();
  }

  retryAfter(keys: readonly string[]): Promise<number> {
    return Promise.resolve(this.#wait(keys));
  }

  close(): Promise<void> {
    this.#windows.clear();
    return Promise.resolve();
  }

  /** Keys currently tracked (for tests and metrics). */
  get size(): number {
    return this.#windows.size;
  }

  #wait(keys: readonly string[]): number {
    const now = this.#now();
    let wait = 0;
    for (const key of keys) {
      const w = this.#live(key, now);
      if (!w || w.failures + w.inFlight < this.#max) continue;
      const untilEnd = w.start + this.#windowMs - now;
      wait = Math.max(wait, w.failures >= this.#max ? untilEnd : Math.min(1000, untilEnd));
    }
    return wait;
  }

  #take(keys: readonly string[]): void {
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

  #live(key: string, now: number): Window | undefined {
    const w = this.#windows.get(key);
    if (!w || now - w.start < this.#windowMs) return w;
    this.#windows.delete(key);
    if (w.inFlight === 0) return undefined;
    // Attempts still running when their window ends count in the next one.
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

/**
 * A token bucket: `burst` tokens at the start, refilled at `rate` per second up to `burst`. Each
 * accepted event takes one token. Uses a monotonic clock, not the wall clock or the engine's (which
 * tests may freeze), so a clock step never opens or shuts the tap.
 */
export class TokenBucket {
  readonly rate: number;
  readonly burst: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  /**
   * @param rate tokens per second
   * @param burst the bucket's size (and its content at the start)
   * @param now milliseconds from a monotonic clock @default performance.now
   */
  constructor(rate: number, burst: number, now: () => number = () => performance.now()) {
    this.rate = rate;
    this.burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#at = now();
  }

  /** Takes one token; false (and nothing taken) when the bucket is empty. */
  take(): boolean {
    const now = this.#now();
    const refill = (Math.max(0, now - this.#at) / 1000) * this.rate;
    this.#at = now;
    this.#tokens = Math.min(this.burst, this.#tokens + refill);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** The interval of the flood refusals' samplers (logins, WebSockets). */
export const REFUSAL_LOG_MS = 10_000;

/**
 * At most one log line per interval for an event that a flood repeats (a refused login, a refused
 * WebSocket), so a client cannot fill the disk through the log: the line says how many occurred
 * since the last one. Per process, per sampler.
 */
export class LogSampler {
  readonly #intervalMs: number;
  readonly #now: () => number;
  #loggedAt = -Infinity;
  #count = 0;

  constructor(intervalMs: number, now: () => number = Date.now) {
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /**
   * Notes one occurrence. Returns how many occurred since the last line, this one included, when
   * a line is due now; 0 when it is not (the occurrence is counted for the next line).
   */
  take(): number {
    this.#count++;
    const now = this.#now();
    if (now - this.#loggedAt < this.#intervalMs) return 0;
    const n = this.#count;
    this.#loggedAt = now;
    this.#count = 0;
    return n;
  }
}

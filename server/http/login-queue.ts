import {MoinError} from '../../shared/index.js';

/**
 * Bounds the password checks (scrypt, ~50 ms of a libuv pool thread each) that run and wait at once.
 * At most `concurrency` run; at most `queueSize` more wait, first come first served; past that a
 * login is refused at once with `login_busy` (503) instead of queueing behind a flood, so a wait is
 * never longer than about `queueSize / concurrency` checks. The per-address throttle lets one
 * address hold at most `login_max_failures` of these places.
 */
export class LoginQueue {
  readonly #concurrency: number;
  readonly #queueSize: number;
  readonly #waiting: (() => void)[] = [];
  #running = 0;

  constructor(concurrency: number, queueSize: number) {
    this.#concurrency = concurrency;
    this.#queueSize = queueSize;
  }

  /** Runs `fn` when a place is free; throws `login_busy` (nothing run) when the queue is full. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#concurrency) {
      if (this.#waiting.length >= this.#queueSize) throw new MoinError('login_busy');
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await fn();
    } finally {
      // Hand the place straight to the next waiter (running stays the same), else free it.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}

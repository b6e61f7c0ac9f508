import {addressGroup} from './address-group.js';
import {MemoryThrottleCounter} from './memory-throttle-counter.js';
import type {ThrottleCounter} from './throttle-counter.js';

/** Options of {@link LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failures per name or per address before logins are refused. */
  maxFailures: number;
  /** Length of the window, counted from the first attempt, in seconds. */
  windowSeconds: number;
  now?: () => number;
  /** Keys kept at most by the in-process counter; the oldest are forgotten first. @default 100_000 */
  maxKeys?: number;
  /**
   * Where attempts are counted. @default an in-process {@link MemoryThrottleCounter} built from
   * the options above; on a Redis store, the backend's shared counter (backends/types.ts).
   */
  counter?: ThrottleCounter;
  /** Names this throttle's keys apart from another's on the same counter. @default "login" */
  scope?: string;
}

/**
 * Login throttling. At most `maxFailures` password checks for one name, or from one address, may
 * fail inside `windowSeconds` (counted from the first attempt); further logins for that name or
 * from that address are refused until the window ends.
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
 * one valid account must not reset an address that is guessing others). The counting is the
 * {@link ThrottleCounter}'s: per process, or in Redis for every instance on one Redis store, so
 * the limit holds for the whole deployment. A counter that cannot count rejects, and the login is
 * refused (fail closed).
 */
export class LoginThrottle {
  readonly #counter: ThrottleCounter;
  readonly #scope: string;

  constructor(options: LoginThrottleOptions) {
    this.#scope = options.scope ?? 'login';
    this.#counter =
      options.counter ??
      new MemoryThrottleCounter({
        maxFailures: options.maxFailures,
        windowMs: options.windowSeconds * 1000,
        ...(options.now ? {now: options.now} : {}),
        ...(options.maxKeys ? {maxKeys: options.maxKeys} : {}),
      });
  }

  /** Seconds until a login for this name from this address may be tried; 0 when it may now. */
  async retryAfter(name: string, address: string): Promise<number> {
    return seconds(await this.#counter.retryAfter(this.#keysFor(name, address)));
  }

  /**
   * The same for a check that has no name (the back-end API's secret): counted per address only.
   * 0 when `address` may try now.
   */
  async retryAfterAddress(address: string): Promise<number> {
    return seconds(await this.#counter.retryAfter([this.#addressKey(address)]));
  }

  /** Counts one failed nameless check of `address` (checked at once: nothing is in flight). */
  async failAddress(address: string): Promise<void> {
    const keys = [this.#addressKey(address)];
    // At the limit already: nothing more to count.
    if ((await this.#counter.take(keys)) === 0) await this.#counter.end(keys, false, []);
  }

  /**
   * Starts a password check: 0 when it may run (it is counted now, as a failure until
   * {@link end} says otherwise), else the seconds to wait (nothing is counted).
   */
  async begin(name: string, address: string): Promise<number> {
    return seconds(await this.#counter.take(this.#keysFor(name, address)));
  }

  /** Ends a check {@link begin} let run: a failure stays counted, a success is given back. */
  end(name: string, address: string, ok: boolean): Promise<void> {
    const keys = this.#keysFor(name, address);
    return this.#counter.end(keys, ok, [keys[0]!]);
  }

  /** Keys currently tracked by an in-process counter (for tests and metrics); 0 otherwise. */
  get size(): number {
    return this.#counter instanceof MemoryThrottleCounter ? this.#counter.size : 0;
  }

  #keysFor(name: string, address: string): string[] {
    return [`${this.#scope}/n:${name}`, this.#addressKey(address)];
  }

  // IPv6 by its /64 (addressGroup): one client's many addresses share one count.
  #addressKey(address: string): string {
    return `${this.#scope}/a:${addressGroup(address)}`;
  }
}

const seconds = (ms: number): number => Math.ceil(ms / 1000);

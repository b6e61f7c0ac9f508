import {addressGroup} from '../http/address-group.js';
import {SessionBuckets} from '../sync/session-buckets.js';

/**
 * How many new anonymous sessions each address may have stored: a token bucket per address of
 * `perMinute` at once, refilled at `perMinute` a minute (the buckets are {@link SessionBuckets},
 * keyed by address here). Past it a visitor from that address is served unstored (as on a first
 * visit) until the bucket refills; other addresses have their own bucket and are never held back.
 * Per process; at most `maxKeys` addresses are tracked, the least recently used forgotten first.
 * An IPv6 address counts by its /64 ({@link addressGroup}).
 */
export class SessionBudget {
  readonly #buckets: SessionBuckets;
  readonly #maxKeys: number;
  /** Addresses whose last take was refused (so only the first refusal of a run is reported). */
  readonly #refusing = new Set<string>();

  constructor(perMinute: number, maxKeys = 100_000) {
    this.#buckets = new SessionBuckets(perMinute / 60, perMinute, maxKeys);
    this.#maxKeys = maxKeys;
  }

  /**
   * Takes one new session for the address: `ok` false when its budget is spent; `first` is true
   * for the first refusal of a run of them (log that one, not every refused request).
   */
  take(client: string): {ok: boolean; first: boolean} {
    const address = addressGroup(client);
    const ok = this.#buckets.for(address).take();
    const first = !ok && !this.#refusing.has(address);
    if (ok) this.#refusing.delete(address);
    else if (first) {
      this.#refusing.add(address);
      if (this.#refusing.size > this.#maxKeys) {
        this.#refusing.delete(this.#refusing.values().next().value as string);
      }
    }
    return {ok, first};
  }
}

import {TokenBucket} from '../sync/token-bucket.js';

/**
 * How many new anonymous sessions each address may have stored: a token bucket per address of
 * `perMinute` at once, refilled at `perMinute` a minute. Past it a visitor from that address is
 * served unstored (as on a first visit) until the bucket refills; other addresses have their own
 * bucket and are never held back. Per process; at most `maxKeys` addresses are tracked, the least
 * recently used forgotten first.
 */
export class SessionBudget {
  readonly #perMinute: number;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, {bucket: TokenBucket; refusing: boolean}>();

  constructor(perMinute: number, maxKeys = 100_000) {
    this.#perMinute = perMinute;
    this.#maxKeys = maxKeys;
  }

  /**
   * Takes one new session for the address: `ok` false when its budget is spent; `first` is true
   * for the first refusal of a run of them (log that one, not every refused request).
   */
  take(address: string): {ok: boolean; first: boolean} {
    let entry = this.#buckets.get(address);
    if (entry) this.#buckets.delete(address);
    else {
      entry = {bucket: new TokenBucket(this.#perMinute / 60, this.#perMinute), refusing: false};
      if (this.#buckets.size >= this.#maxKeys) {
        this.#buckets.delete(this.#buckets.keys().next().value as string);
      }
    }
    this.#buckets.set(address, entry);
    const ok = entry.bucket.take();
    const first = !ok && !entry.refusing;
    entry.refusing = !ok;
    return {ok, first};
  }
}

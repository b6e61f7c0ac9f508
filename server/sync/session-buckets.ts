import {TokenBucket} from './token-bucket.js';

/**
 * One {@link TokenBucket} per key, least recently used forgotten first. Here: one visit bucket per
 * stored session (`visit_rate` per second, `visit_burst` at once),
 * shared by every WebSocket of the session and by `POST /api/trail`, so a client cannot multiply its
 * rate of durable writes by opening more sockets or by switching to HTTP. Per process; at most
 * `maxKeys` sessions are tracked, the least recently used forgotten first (a forgotten session
 * starts again from a full bucket, which is what an idle one would have).
 */
export class SessionBuckets {
  readonly #rate: number;
  readonly #burst: number;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(rate: number, burst: number, maxKeys = 100_000) {
    this.#rate = rate;
    this.#burst = burst;
    this.#maxKeys = maxKeys;
  }

  /** The bucket of a session (by store key), made full when first asked for. */
  for(key: string): TokenBucket {
    let bucket = this.#buckets.get(key);
    if (bucket) {
      this.#buckets.delete(key);
    } else {
      bucket = new TokenBucket(this.#rate, this.#burst);
      if (this.#buckets.size >= this.#maxKeys) {
        this.#buckets.delete(this.#buckets.keys().next().value as string);
      }
    }
    this.#buckets.set(key, bucket);
    return bucket;
  }

  /** Sessions tracked (for tests). */
  get size(): number {
    return this.#buckets.size;
  }
}

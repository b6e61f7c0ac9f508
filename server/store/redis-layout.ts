/**
 * The key layout of the Redis store, one layout for a single Redis, Sentinel and Redis Cluster
 * (docs/deployment.md, "Key layout"). Under the prefix P (`redis_prefix`, default `moin:`):
 *
 * Each session belongs to one of {@link REDIS_BUCKETS} buckets ({@link bucketOf} its key). The
 * keys of bucket NN all carry the hash tag `{NN}`, so Redis Cluster puts them in one hash slot and
 * every script on one bucket is one atomic step on one node:
 * - `P{NN}s:<key>`  string, the session record as JSON, expiring at its expiresAt (PXAT)
 * - `P{NN}x`        sorted set of the bucket's keys, score = expiresAt (purge, count, list)
 * - `P{NN}u`        sorted set (all scores 0) of `<user>\0<key>` for the bucket's logged-in
 *                   sessions: the bucket's part of every per-user index (revoke, trim, list --user)
 * - `P{NN}o`        hash key → user (to find the `u` entry of a key, also after Redis dropped it)
 * - `P{NN}su`       hash key → `<user>\0<target>` for switched sessions (the end record of a
 *                   change of user, also for a session Redis expired by itself)
 * - `P{NN}audit`    list of the end records the store's own scripts write (revoke, trim, purge)
 *
 * Keys of their own (no tag, each in its own slot):
 * - `Paudit`        list of the audit entries the service appends (oldest first)
 * - `Psecret:<n>`   the service's signing keys
 * - `Pchanges`      the pub/sub channel (classic PUBLISH: it reaches every node of a cluster)
 * - `P{throttle}<h>` the login throttle's counters (server/http/redis-throttle-counter.ts), all
 *                   in one slot so a login's name and address counters change in one script
 *
 * A bucket, not the session, is the unit of a hash tag so that a session and its index entries
 * change in one script: nothing spans two slots except the reads and sweeps that visit every
 * bucket (revoke, trim, purge, count, list, the audit log), each atomic per bucket.
 */

/**
 * Buckets of the key space: the most masters a cluster can spread sessions over, and the number of
 * steps of a sweep over every bucket. Part of the stored layout: changing it strands sessions.
 */
export const REDIS_BUCKETS = 64;

/** The bucket of a session key: FNV-1a (32 bit) of its UTF-16 code units, modulo the buckets. */
export function bucketOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % REDIS_BUCKETS;
}

/** The keys of one bucket, in the order every bucket script takes them as KEYS[1..5]. */
export interface BucketKeys {
  readonly bucket: number;
  /** `P{NN}` */
  readonly tag: string;
  readonly x: string;
  readonly o: string;
  readonly u: string;
  readonly su: string;
  readonly audit: string;
}

/** The names of bucket `bucket`'s keys under `prefix`. */
export function bucketKeys(prefix: string, bucket: number): BucketKeys {
  const tag = `${prefix}{${String(bucket).padStart(2, '0')}}`;
  return {
    bucket,
    tag,
    x: `${tag}x`,
    o: `${tag}o`,
    u: `${tag}u`,
    su: `${tag}su`,
    audit: `${tag}audit`,
  };
}

/** The index keys of a bucket as a script's first KEYS. */
export const indexKeys = (b: BucketKeys): string[] => [b.x, b.o, b.u, b.su, b.audit];

/** The Redis key of a session record. */
export function recordKeyOf(prefix: string, key: string): string {
  return `${bucketKeys(prefix, bucketOf(key)).tag}s:${key}`;
}

/** ZRANGEBYLEX bounds of every member of `user` in a bucket's `u` set. */
export const userRange = (user: string): [string, string] => [`[${user}\0`, `(${user}\x01`];

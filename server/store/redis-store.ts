import {randomBytes} from 'node:crypto';
import type {Result} from 'ioredis';
import {MoinError} from '../../shared/index.js';
import {summarize} from './session-summary.js';
import {storedOpWindow} from './op-window.js';
import {applyOp, isLive, touchEachLater} from './ops.js';
import {KeyedBatches} from './redis-batches.js';
import {
  closeRedis,
  openRedis,
  toStoreError,
  whenReady,
  type RedisClient,
} from './redis-connection.js';
import {
  REDIS_BUCKETS,
  bucketKeys,
  bucketOf,
  indexKeys,
  recordKeyOf,
  userRange,
  type BucketKeys,
} from './redis-layout.js';
import {CAS, DESTROY, INSERT, REMOVE} from './redis-scripts.js';
import type {
  AuditEntry,
  RevokeReason,
  MutateResult,
  SessionOp,
  SessionRecord,
  SessionStore,
  SessionSummary,
} from './types.js';

/**
 * How long one mutate keeps retrying its compare-and-set before it gives up with 503 (reached only
 * when other instances win every race on one session for this long).
 */
export const REDIS_CAS_DEADLINE_MS = 2_000;
/**
 * With `waitReplicas` > 0, how long a write waits for the replicas (WAIT's timeout) before the
 * change is answered with 503 instead of acknowledged (below the command timeout, so WAIT answers).
 */
export const REDIS_WAIT_TIMEOUT_MS = 1_000;
/** Keys per purge script call and per MGET in list (keeps each Redis step short). */
const BATCH = 500;
/** Session values remembered from the last read or write, to try a change without a read first. */
const SEEN_KEPT = 1_000;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    moinInsert(...args: string[]): Result<number, Context>;
    moinCas(...args: string[]): Result<number | string, Context>;
    moinDestroy(...args: string[]): Result<number, Context>;
    moinRemove(...args: string[]): Result<string[], Context>;
  }
}

/** The state-changing commands of the store (see #write). */
type WriteCommand = 'moinInsert' | 'moinCas' | 'moinDestroy' | 'moinRemove' | 'rpush' | 'set';

/** One waiting change of a session. */
interface BatchItem {
  op: SessionOp;
  now: number;
}

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** Prefix of every key and of the change channel. @default "moin:" */
  prefix?: string;
  /**
   * Replicas that must hold a write before it counts (`WAIT`); 0 = the primary's word. A write
   * that fewer replicas confirm in {@link REDIS_WAIT_TIMEOUT_MS} fails with store_unavailable.
   * @default 0
   */
  waitReplicas?: number;
}

/**
 * The session store on Redis: `redis://HOST:PORT[/DB]`, a master found through Sentinels
 * (`redis+sentinel://…`) or a Redis Cluster (`redis+cluster://…`), for several instances on one
 * store. Each session is one JSON string that Redis expires itself at the session's expiresAt.
 *
 * Key layout (redis-layout.ts, docs/deployment.md "Key layout"): sessions are spread over
 * {@link REDIS_BUCKETS} buckets by their key; a bucket's records and its indexes (expiry, owner,
 * per-user, switched users, end records) share one hash tag, so each script works in one slot on
 * one node, on a cluster as on one Redis.
 *
 * What is atomic: every change of one session together with its index entries (insert, the
 * compare-and-set of a change, destroy, the removal of each session a revocation, trim or purge
 * ends, with its end record). What is not: a step that spans buckets. Rotating a key (login)
 * destroys the old key, then inserts the new one (a failure between them leaves no session, never
 * two); revokeUser, trimUser and purgeExpired read each bucket's index and then remove, per bucket,
 * the sessions that still qualify when the removal runs; count, list and listAudit read bucket by
 * bucket. Nothing can come back: a session exists only while its record exists, removal deletes
 * the record and its index entries in one script, and nothing but insert (always a new key) ever
 * creates a record (a change of a removed record finds it gone and answers "gone"). A session a
 * revocation's read missed was made after the revocation began.
 *
 * `mutate` reads the record, applies the op with {@link applyOp} in Node (the one implementation
 * of op semantics) and writes it back with a compare-and-set script that writes only if the stored
 * value is still byte-for-byte what was read; on a conflict it applies again to the value the
 * script returns. This is WATCH/MULTI/EXEC's optimistic scheme without WATCH's drawback: WATCH
 * state belongs to a connection, so it would need a pool of exclusive connections, while the script
 * runs on the one shared, pipelined connection. Mutations of one key within this process are
 * batched (applied one after another, each with its own rev, and written with one compare-and-set),
 * so an instance never conflicts with itself; conflicts happen only between instances.
 *
 * Fails closed: when Redis (or, on a cluster, the master of a session's slot) is unreachable the
 * methods that need it reject within about two seconds (at once while the connection is known to
 * be down) with `MoinError('store_unavailable')`, and the connection keeps reconnecting in the
 * background. Scripts are sent by hash and reloaded by ioredis on NOSCRIPT (a promoted replica or a
 * restarted node has an empty script cache); MOVED and ASK (failover, resharding) are followed.
 *
 * `revokeUser`, `trimUser` and `purgeExpired` publish each removed key on `<prefix>changes` from
 * inside their script, so the CLI (which has no bus) still reaches the sockets of every instance.
 */
export class RedisStore implements SessionStore {
  readonly kind = 'redis';
  /** The scripts PUBLISH every key they remove (see the class comment). */
  readonly announcesRemovals = true;
  readonly prefix: string;
  readonly waitReplicas: number;
  readonly #client: RedisClient;
  readonly #channel: string;
  #everReady = false;
  readonly #batches = new KeyedBatches<BatchItem, MutateResult | undefined>((key, items) =>
    this.#mutateBatch(key, items)
  );
  // Last value read or written per key (insertion order = age). Only ever a guess: the
  // compare-and-set checks it, so a stale entry costs one round trip, never a wrong write.
  readonly #seen = new Map<string, string>();

  constructor(url: string, options: RedisStoreOptions = {}) {
    this.prefix = options.prefix ?? 'moin:';
    this.waitReplicas = options.waitReplicas ?? 0;
    this.#channel = `${this.prefix}changes`;
    this.#client = openRedis(url);
    this.#client.on('ready', () => (this.#everReady = true));
    // No numberOfKeys: each call passes its key count first (a removal takes many records).
    this.#client.defineCommand('moinInsert', {lua: INSERT});
    this.#client.defineCommand('moinCas', {lua: CAS});
    this.#client.defineCommand('moinDestroy', {lua: DESTROY});
    this.#client.defineCommand('moinRemove', {lua: REMOVE});
  }

  /** The Redis key of a session record. */
  recordKey(key: string): string {
    return recordKeyOf(this.prefix, key);
  }

  /** The keys of the bucket a session key belongs to. */
  bucketOf(key: string): BucketKeys {
    return bucketKeys(this.prefix, bucketOf(key));
  }

  async get(key: string, now: number): Promise<SessionRecord | undefined> {
    const r = decode(await this.#read(key));
    return r && isLive(r, now) ? r : undefined;
  }

  async insert(record: SessionRecord, oldKey?: string | null): Promise<void> {
    const json = encode(record);
    // The old key of a rotation usually lives in another bucket (another slot): it goes first, so
    // a failure in between leaves the user with no session rather than with the old one too.
    if (oldKey && oldKey !== record.key) await this.destroy(oldKey);
    await this.#script('moinInsert', record.key, [
      record.key,
      json,
      String(record.expiresAt),
      record.user ?? '',
      switched(record),
    ]);
    this.#remember(record.key, json);
  }

  // One compare-and-set per touch, all at once (ioredis pipelines them on the connection).
  touchLater(touches: readonly (readonly [string, number])[], now: number): Promise<void> {
    return touchEachLater(this, touches, now);
  }

  mutate(key: string, op: SessionOp, now: number): Promise<MutateResult | undefined> {
    // Changes of one key in this process are batched: while one compare-and-set is on its way,
    // the next ones wait and then go together, so parallel visits on one session neither race
    // each other nor queue up one round trip each.
    return this.#batches.add(key, {op, now});
  }

  async #mutateBatch(key: string, items: BatchItem[]): Promise<(MutateResult | undefined)[]> {
    // The request that mutates has usually just read the session (load), so the remembered value
    // is current and the change costs one round trip; a stale guess is answered with the value
    // stored now, so it costs one more.
    let raw = this.#seen.get(key) ?? null;
    let guessed = raw !== null;
    if (!guessed) raw = await this.#read(key);
    const deadline = Date.now() + REDIS_CAS_DEADLINE_MS;
    while (Date.now() < deadline) {
      const current = decode(raw);
      // Each op in arrival order on the result of the one before: each gets its own rev.
      let record = current;
      const results = items.map(({op, now}) => {
        if (!record || !isLive(record, now)) return undefined;
        const r = applyOp(record, op);
        record = r.record;
        return r;
      });
      // Gone, or nothing to write (duplicate op ids, a no-op return): an answer that must come
      // from what Redis holds now, never from a guess.
      if (!raw || !current || !record || record === current) {
        if (!guessed) return results;
        guessed = false;
        raw = await this.#read(key);
        continue;
      }
      const written: SessionRecord = record;
      const next = encode(written);
      const answer = await this.#script<number | string>('moinCas', key, [
        key,
        raw,
        next,
        String(written.expiresAt),
        switched(written),
        written.expiresAt === current.expiresAt ? '0' : '1',
      ]);
      if (answer === 1) {
        this.#remember(key, next);
        return results;
      }
      if (answer === -1) {
        this.#seen.delete(key);
        return items.map(() => undefined);
      }
      // Someone wrote first (another instance; or our guess was stale): apply again, at once, to
      // the value the script returned. No back-off: the script always lets one writer win, so
      // there is no livelock, and waiting would only let a busy instance win every race.
      raw = String(answer);
      this.#remember(key, raw);
      guessed = false;
    }
    throw new MoinError('store_unavailable', 'The session is too busy to change; try again.');
  }

  async destroy(key: string): Promise<boolean> {
    this.#seen.delete(key);
    return (await this.#script<number>('moinDestroy', key, [key])) === 1;
  }

  async revokeUser(
    user: string,
    reason: RevokeReason = 'revoked',
    now: number = Date.now()
  ): Promise<string[]> {
    const found = await this.#userKeys(user);
    return this.#removeAll('user', `su_end_${reason}`, now, user, found);
  }

  async trimUser(user: string, keep: number, now: number, newest = ''): Promise<string[]> {
    const found = await this.#userKeys(user);
    // At most `keep` index entries: nothing to end, no record to read (the usual login).
    if ([...found.values()].reduce((n, keys) => n + keys.length, 0) <= keep) return [];
    const live: {key: string; created: number}[] = [];
    await Promise.all(
      [...found].map(async ([b, keys]) => {
        const values = await this.#run((c) => c.mget(keys.map((k) => `${b.tag}s:${k}`)));
        values.forEach((raw, i) => {
          const r = decode(raw);
          if (r && isLive(r, now) && r.user === user && typeof r.createdAt === 'number') {
            live.push({key: keys[i]!, created: r.createdAt});
          }
        });
      })
    );
    // `newest` first, then by createdAt, then by key: the first `keep` stay.
    live.sort((a, b) => {
      if ((a.key === newest) !== (b.key === newest)) return a.key === newest ? -1 : 1;
      if (a.created !== b.created) return b.created - a.created;
      return a.key < b.key ? 1 : a.key > b.key ? -1 : 0;
    });
    const ending = live.slice(keep).map((s) => s.key);
    return this.#removeAll('user', 'su_end_capped', now, user, groupByBucket(this.prefix, ending));
  }

  async count(now: number): Promise<number> {
    // The expiry indexes hold every session by expiresAt: one ZCOUNT a bucket, no values fetched.
    const counts = await this.#eachBucket((b) =>
      this.#run((c) => c.zcount(b.x, `(${now}`, '+inf'))
    );
    return counts.reduce((a, n) => a + n, 0);
  }

  async list(now: number, user?: string): Promise<SessionSummary[]> {
    const perBucket = await this.#eachBucket(async (b) => {
      // `(now`: strictly later than now, the same rule as isLive.
      const keys =
        user === undefined
          ? await this.#run((c) => c.zrangebyscore(b.x, `(${now}`, '+inf'))
          : ((await this.#userKeys(user, [b])).get(b) ?? []);
      const out: SessionSummary[] = [];
      for (let i = 0; i < keys.length; i += BATCH) {
        const chunk = keys.slice(i, i + BATCH).map((k) => `${b.tag}s:${k}`);
        const values = await this.#run((c) => c.mget(chunk));
        for (const raw of values) {
          const r = decode(raw);
          if (r && isLive(r, now) && (user === undefined || r.user === user))
            out.push(summarize(r));
        }
      }
      return out;
    });
    return perBucket.flat();
  }

  async purgeExpired(now: number): Promise<number> {
    const removed = await this.#eachBucket(async (b) => {
      let n = 0;
      for (;;) {
        const keys = await this.#run((c) =>
          c.zrangebyscore(b.x, '-inf', String(now), 'LIMIT', 0, BATCH)
        );
        if (keys.length > 0) {
          n += (await this.#remove(b, 'expired', 'su_end_expired', now, '', keys)).length;
        }
        if (keys.length < BATCH) return n;
      }
    });
    return removed.reduce((a, n) => a + n, 0);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.#write('rpush', [`${this.prefix}audit`, JSON.stringify(entry)]);
  }

  async listAudit(): Promise<AuditEntry[]> {
    // The service's own list, then the end records each bucket's scripts wrote: merged by time.
    const lists = await Promise.all(
      [`${this.prefix}audit`, ...this.#buckets().map((b) => b.audit)].map((k) =>
        this.#run((c) => c.lrange(k, 0, -1))
      )
    );
    return mergeByTime(lists.map((rows) => rows.map((row) => JSON.parse(row) as AuditEntry)));
  }

  async secret(name: string): Promise<Buffer> {
    const key = `${this.prefix}secret:${name}`;
    // SET NX: of two instances making it at once, the first one's stays. A write like any other:
    // with waitReplicas it is confirmed by the replicas, so a failover cannot lose the key.
    await this.#write('set', [key, randomBytes(32).toString('base64'), 'NX']);
    const value = await this.#run((c) => c.get(key));
    if (value === null) throw new MoinError('store_unavailable', 'The store lost its secret.');
    return Buffer.from(value, 'base64');
  }

  async ping(): Promise<void> {
    await this.#run((c) => c.ping());
  }

  onExternalChange(): () => void {
    // Changes from other processes (other instances, the CLI) arrive on the Redis bus.
    return () => {};
  }

  async close(): Promise<void> {
    this.#seen.clear();
    await closeRedis(this.#client);
  }

  /** GET of one session value, remembered for the next change. */
  async #read(key: string): Promise<string | null> {
    const raw = await this.#run((c) => c.get(this.recordKey(key)));
    if (raw === null) this.#seen.delete(key);
    else this.#remember(key, raw);
    return raw;
  }

  #remember(key: string, raw: string): void {
    this.#seen.delete(key);
    this.#seen.set(key, raw);
    if (this.#seen.size > SEEN_KEPT) this.#seen.delete(this.#seen.keys().next().value!);
  }

  #buckets(): BucketKeys[] {
    return Array.from({length: REDIS_BUCKETS}, (_, i) => bucketKeys(this.prefix, i));
  }

  /** Runs `step` on every bucket at once (on a cluster each goes to its own node). */
  #eachBucket<T>(step: (b: BucketKeys) => Promise<T>): Promise<T[]> {
    return Promise.all(this.#buckets().map(step));
  }

  /** The keys of `user`'s sessions, by bucket (only buckets that hold some). */
  async #userKeys(user: string, buckets = this.#buckets()): Promise<Map<BucketKeys, string[]>> {
    const [from, to] = userRange(user);
    const found = new Map<BucketKeys, string[]>();
    await Promise.all(
      buckets.map(async (b) => {
        const members = await this.#run((c) => c.zrangebylex(b.u, from, to));
        const keys = members.map((m) => m.slice(user.length + 1));
        if (keys.length > 0) found.set(b, keys);
      })
    );
    return found;
  }

  /** One removal script per bucket (see REMOVE); the keys whose record existed. */
  async #removeAll(
    mode: 'user' | 'expired',
    action: string,
    now: number,
    user: string,
    byBucket: Map<BucketKeys, string[]>
  ): Promise<string[]> {
    const removed = await Promise.all(
      [...byBucket].map(([b, keys]) => this.#remove(b, mode, action, now, user, keys))
    );
    return removed.flat();
  }

  async #remove(
    b: BucketKeys,
    mode: 'user' | 'expired',
    action: string,
    now: number,
    user: string,
    keys: string[]
  ): Promise<string[]> {
    for (const k of keys) this.#seen.delete(k);
    const records = keys.map((k) => `${b.tag}s:${k}`);
    return this.#write<string[]>('moinRemove', [
      String(5 + records.length),
      ...indexKeys(b),
      ...records,
      mode,
      action,
      String(now),
      user,
      this.#channel,
      ...keys,
    ]);
  }

  /** A script on the bucket of `key` with its record: KEYS = the bucket's indexes, the record. */
  #script<T>(name: WriteCommand, key: string, argv: string[]): Promise<T> {
    const b = this.bucketOf(key);
    return this.#write<T>(name, ['6', ...indexKeys(b), this.recordKey(key), ...argv]);
  }

  /**
   * A state-changing command. With waitReplicas > 0 it goes in a pipeline with WAIT right behind
   * it (on a cluster the pipeline goes to the master of the command's slot, so WAIT covers this
   * write) and fewer confirmations than asked fail the call closed: the caller answers 503 and
   * the client retries (op ids make the retry idempotent).
   */
  async #write<T>(name: WriteCommand, args: string[]): Promise<T> {
    const n = this.waitReplicas;
    return this.#run(async (c) => {
      if (n === 0) return (await callNamed(c, name, args)) as T;
      const pipe = c.pipeline();
      callNamed(pipe, name, args);
      const replies = (await pipe.wait(n, REDIS_WAIT_TIMEOUT_MS).exec()) ?? [];
      const [[err, result] = [], [waitErr, held] = []] = replies;
      if (err) throw err;
      if (waitErr) throw waitErr;
      if ((held as number) < n) {
        throw new MoinError(
          'store_unavailable',
          `Only ${String(held)} of ${n} Redis replicas confirmed the write in time.`
        );
      }
      return result as T;
    });
  }

  async #run<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
    try {
      await whenReady(this.#client, () => this.#everReady);
      return await command(this.#client);
    } catch (err) {
      throw toStoreError(err);
    }
  }
}

/** Calls one of the store's write commands by name on a client or a pipeline. */
function callNamed(target: object, name: WriteCommand, args: string[]): unknown {
  const method = (target as Record<WriteCommand, (...a: string[]) => unknown>)[name];
  return method.apply(target, args);
}

/**
 * The `su` index value of a record: `<user>\0<target>` while switched, with `\0<login method>`
 * when the session knows how its user logged in (the end records name it), else ''.
 */
function switched(r: SessionRecord): string {
  if (!r.user || !r.suTarget) return '';
  return r.loginMethod ? `${r.user}\0${r.suTarget}\0${r.loginMethod}` : `${r.user}\0${r.suTarget}`;
}

/** Keys by the bucket they belong to. */
function groupByBucket(prefix: string, keys: string[]): Map<BucketKeys, string[]> {
  const byIndex = new Map<number, string[]>();
  for (const k of keys) {
    const i = bucketOf(k);
    byIndex.set(i, [...(byIndex.get(i) ?? []), k]);
  }
  return new Map([...byIndex].map(([i, ks]) => [bucketKeys(prefix, i), ks]));
}

/**
 * Lists each in its own order, merged by `at` (oldest first; on a tie the earlier list first), so
 * every list keeps its order and the result reads as one log.
 */
function mergeByTime(lists: AuditEntry[][]): AuditEntry[] {
  const heads = lists.map(() => 0);
  const out: AuditEntry[] = [];
  for (;;) {
    let pick = -1;
    lists.forEach((list, i) => {
      const e = list[heads[i]!];
      if (e && (pick < 0 || e.at < lists[pick]![heads[pick]!]!.at)) pick = i;
    });
    if (pick < 0) return out;
    out.push(lists[pick]![heads[pick]!++]!);
  }
}

/** A record as its stored JSON (the op-id window is text in its compact form, op-window.ts). */
function encode(record: SessionRecord): string {
  return JSON.stringify(record);
}

// A record that does not parse reads as absent (it expires by itself); it never breaks a request.
// Records written before issue 15 hold `ops` as an array, and still read.
function decode(raw: string | null): SessionRecord | undefined {
  if (raw === null) return undefined;
  try {
    const stored = JSON.parse(raw) as Omit<SessionRecord, 'ops'> & {ops: string | string[]};
    return {...stored, ops: storedOpWindow(stored.ops)};
  } catch {
    return undefined;
  }
}

import {randomBytes} from 'node:crypto';
import type {Redis, Result} from 'ioredis';
import {MoinError} from '../../shared/index.js';
import {summarize} from './memory-store.js';
import {decodeOpWindow, encodeOpWindow} from './op-window.js';
import {applyOp, isLive} from './ops.js';
import {KeyedBatches} from './redis-batches.js';
import {closeRedis, openRedis, toStoreError, whenReady} from './redis-connection.js';
import {CAS, DESTROY, INSERT, PURGE, REVOKE_USER, TRIM_USER} from './redis-scripts.js';
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
    moinRevokeUser(...args: string[]): Result<string[], Context>;
    moinTrimUser(...args: string[]): Result<string[], Context>;
    moinPurge(...args: string[]): Result<[number, number], Context>;
  }
}

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
 * The session store on Redis (`store: "redis://HOST:PORT[/DB]"`), for several instances on one
 * Redis. Each session is one JSON string that Redis expires itself at the session's expiresAt.
 *
 * Atomicity: `mutate` reads the record, applies the op with {@link applyOp} in Node (the one
 * implementation of op semantics) and writes it back with a compare-and-set script that writes only
 * if the stored value is still byte-for-byte what was read; on a conflict it applies again to the
 * value the script returns. This is WATCH/MULTI/EXEC's optimistic scheme without WATCH's drawback: WATCH state belongs
 * to a connection, so it would need a pool of exclusive connections, while the script runs on the
 * one shared, pipelined connection. Mutations of one key within this process are batched (applied
 * one after another, each with its own rev, and written with one compare-and-set), so an instance
 * never conflicts with itself; conflicts happen only between instances. Inserts, destroys,
 * revocations and purges are single scripts that also keep the indexes in step.
 *
 * Fails closed: when Redis is unreachable every method rejects within about two seconds (at once
 * while the connection is known to be down) with `MoinError('store_unavailable')`, and the
 * connection keeps reconnecting in the background.
 *
 * `revokeUser` and `purgeExpired` publish each removed key on `<prefix>changes` from inside their
 * script, so the CLI (which has no bus) still reaches the sockets of every instance.
 */
export class RedisStore implements SessionStore {
  readonly kind = 'redis';
  /** The scripts PUBLISH every key they remove (see the class comment). */
  readonly announcesRemovals = true;
  readonly prefix: string;
  readonly waitReplicas: number;
  readonly #client: Redis;
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
    this.#client = openRedis(url);
    this.#client.on('ready', () => (this.#everReady = true));
    this.#client.defineCommand('moinInsert', {numberOfKeys: 0, lua: INSERT});
    this.#client.defineCommand('moinCas', {numberOfKeys: 0, lua: CAS});
    this.#client.defineCommand('moinDestroy', {numberOfKeys: 0, lua: DESTROY});
    this.#client.defineCommand('moinRevokeUser', {numberOfKeys: 0, lua: REVOKE_USER});
    this.#client.defineCommand('moinTrimUser', {numberOfKeys: 0, lua: TRIM_USER});
    this.#client.defineCommand('moinPurge', {numberOfKeys: 0, lua: PURGE});
  }

  /** The Redis key of a session record. */
  recordKey(key: string): string {
    return `${this.prefix}s:${key}`;
  }

  async get(key: string, now: number): Promise<SessionRecord | undefined> {
    const r = decode(await this.#read(key));
    return r && isLive(r, now) ? r : undefined;
  }

  async insert(record: SessionRecord, oldKey?: string | null): Promise<void> {
    const json = encode(record);
    if (oldKey) this.#seen.delete(oldKey);
    await this.#write((c) =>
      c.moinInsert(
        this.prefix,
        record.key,
        json,
        String(record.expiresAt),
        record.user ?? '',
        oldKey ?? ''
      )
    );
    this.#remember(record.key, json);
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
      const answer = await this.#write((c) =>
        c.moinCas(
          this.prefix,
          key,
          raw!,
          next,
          String(written.expiresAt),
          written.expiresAt === current.expiresAt ? '0' : '1'
        )
      );
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
    return (await this.#write((c) => c.moinDestroy(this.prefix, key))) === 1;
  }

  async revokeUser(
    user: string,
    reason: RevokeReason = 'revoked',
    now: number = Date.now()
  ): Promise<string[]> {
    const keys = await this.#write((c) =>
      c.moinRevokeUser(this.prefix, user, `su_end_${reason}`, String(now))
    );
    for (const k of keys) this.#seen.delete(k);
    return keys;
  }

  async trimUser(user: string, keep: number, now: number, newest = ''): Promise<string[]> {
    const keys = await this.#write((c) =>
      c.moinTrimUser(this.prefix, user, String(keep), String(now), newest)
    );
    for (const k of keys) this.#seen.delete(k);
    return keys;
  }

  async count(now: number): Promise<number> {
    // The expiry index holds every session by expiresAt: one ZCOUNT, no values fetched.
    return this.#run((c) => c.zcount(`${this.prefix}x`, `(${now}`, '+inf'));
  }

  async list(now: number, user?: string): Promise<SessionSummary[]> {
    const index = user === undefined ? `${this.prefix}x` : `${this.prefix}u:${user}`;
    // `(now`: strictly later than now, the same rule as isLive.
    const keys = await this.#run((c) => c.zrangebyscore(index, `(${now}`, '+inf'));
    const out: SessionSummary[] = [];
    for (let i = 0; i < keys.length; i += BATCH) {
      const chunk = keys.slice(i, i + BATCH).map((k) => this.recordKey(k));
      const values = await this.#run((c) => c.mget(chunk));
      for (const raw of values) {
        const r = decode(raw);
        if (r && isLive(r, now) && (user === undefined || r.user === user)) out.push(summarize(r));
      }
    }
    return out;
  }

  async purgeExpired(now: number): Promise<number> {
    let removed = 0;
    for (;;) {
      const [seen, gone] = await this.#write((c) =>
        c.moinPurge(this.prefix, String(now), String(BATCH))
      );
      removed += gone;
      if (seen < BATCH) return removed;
    }
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.#write((c) => c.rpush(`${this.prefix}audit`, JSON.stringify(entry)));
  }

  async listAudit(): Promise<AuditEntry[]> {
    const rows = await this.#run((c) => c.lrange(`${this.prefix}audit`, 0, -1));
    return rows.map((row) => JSON.parse(row) as AuditEntry);
  }

  async secret(name: string): Promise<Buffer> {
    const key = `${this.prefix}secret:${name}`;
    // SET NX: of two instances making it at once, the first one's stays. A write like any other:
    // with waitReplicas it is confirmed by the replicas, so a failover cannot lose the key.
    await this.#write((c) => c.set(key, randomBytes(32).toString('base64'), 'NX'));
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

  /**
   * A state-changing command. With waitReplicas > 0, WAIT is pipelined right behind it on the same
   * connection (so it covers this write) and fewer confirmations than asked fail the call closed:
   * the caller answers 503 and the client retries (op ids make the retry idempotent).
   */
  async #write<T>(command: (client: Redis) => Promise<T>): Promise<T> {
    const n = this.waitReplicas;
    if (n === 0) return this.#run(command);
    return this.#run(async (c) => {
      const [result, held] = await Promise.all([command(c), c.wait(n, REDIS_WAIT_TIMEOUT_MS)]);
      if (held < n) {
        throw new MoinError(
          'store_unavailable',
          `Only ${held} of ${n} Redis replicas confirmed the write in time.`
        );
      }
      return result;
    });
  }

  async #run<T>(command: (client: Redis) => Promise<T>): Promise<T> {
    try {
      await whenReady(this.#client, () => this.#everReady);
      return await command(this.#client);
    } catch (err) {
      throw toStoreError(err);
    }
  }
}

/** A record as its stored JSON, the op-id window in its compact form (op-window.ts). */
function encode(record: SessionRecord): string {
  return JSON.stringify({...record, ops: encodeOpWindow(record.ops)});
}

// A record that does not parse reads as absent (it expires by itself); it never breaks a request.
// Records written before issue 15 hold `ops` as an array, and still read.
function decode(raw: string | null): SessionRecord | undefined {
  if (raw === null) return undefined;
  try {
    const stored = JSON.parse(raw) as Omit<SessionRecord, 'ops'> & {ops: string | string[]};
    return {...stored, ops: decodeOpWindow(stored.ops)};
  } catch {
    return undefined;
  }
}

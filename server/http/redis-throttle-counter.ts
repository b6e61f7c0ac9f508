import {createHash} from 'node:crypto';
import {
  closeRedis,
  openRedis,
  toStoreError,
  whenReady,
  type RedisClient,
} from '../store/redis-connection.js';
import type {ThrottleCounter, ThrottleCounterOptions} from './throttle-counter.js';

/**
 * KEYS: the counters. ARGV: maxFailures, windowMs, '1' to take ('0': only read the wait).
 * Returns 0 (taken when asked to) or the milliseconds to wait (nothing taken). Each counter is a
 * hash {f: failures, i: attempts in flight} that expires at the end of its window (PEXPIRE, set
 * by the attempt that creates it).
 */
const TAKE = `
local max, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local wait = 0
for _, k in ipairs(KEYS) do
  local v = redis.call('HMGET', k, 'f', 'i')
  local f, n = tonumber(v[1] or '0'), tonumber(v[2] or '0')
  if f + n >= max then
    local w = redis.call('PTTL', k)
    if w < 0 then w = window end
    if f < max and w > 1000 then w = 1000 end
    if w < 1 then w = 1 end
    if w > wait then wait = w end
  end
end
if wait > 0 or ARGV[3] ~= '1' then return wait end
for _, k in ipairs(KEYS) do
  redis.call('HINCRBY', k, 'i', 1)
  if redis.call('PTTL', k) < 0 then redis.call('PEXPIRE', k, window) end
end
return 0
`;

/**
 * KEYS: the counters an attempt was taken on. ARGV: '1' when it succeeded, then per key '1' to
 * clear its failures on success. An attempt in flight is given back (never below 0); a failure
 * stays counted; a counter gone (its window ended) is not made again. A counter at 0 is deleted.
 */
const END = `
for i, k in ipairs(KEYS) do
  local n = tonumber(redis.call('HGET', k, 'i') or '0')
  if n > 0 then
    redis.call('HINCRBY', k, 'i', -1)
    if ARGV[1] ~= '1' then
      redis.call('HINCRBY', k, 'f', 1)
    elseif ARGV[i + 1] == '1' then
      redis.call('HSET', k, 'f', 0)
    end
    local v = redis.call('HMGET', k, 'f', 'i')
    if tonumber(v[1] or '0') == 0 and tonumber(v[2] or '0') == 0 then redis.call('DEL', k) end
  end
end
return 1
`;

/** Options of {@link RedisThrottleCounter}. */
export interface RedisThrottleCounterOptions extends ThrottleCounterOptions {
  /** `redis_prefix`. @default "moin:" */
  prefix?: string;
}

interface ThrottleCommands {
  moinThrottleTake(n: number, ...args: (string | number)[]): Promise<number>;
  moinThrottleEnd(n: number, ...args: (string | number)[]): Promise<number>;
}

/**
 * The {@link ThrottleCounter} of a Redis store (one Redis, Sentinel or Cluster): every instance on
 * that Redis counts in the same keys, so the limit holds across instances. One script takes an
 * attempt on all of a login's keys (name and address) or on none.
 *
 * Keys (docs/deployment.md "Key layout"): `P{throttle}<digest>`, where the digest is the first
 * 32 hex digits of SHA-256 of the throttle's key (`login/n:<name>`, `login/a:<address group>`,
 * …): bounded in length whatever the name, and the same hash tag for every counter, so a login's
 * script touches one slot on a cluster (logins are few next to session reads: one slot carries
 * them). No password or secret is ever part of a key.
 *
 * Fails closed: while Redis is unreachable take() and retryAfter() reject with
 * `store_unavailable` (the login is refused with 503), within the connection's command timeout.
 */
export class RedisThrottleCounter implements ThrottleCounter {
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #max: number;
  readonly #windowMs: number;
  #everReady = false;

  constructor(url: string, options: RedisThrottleCounterOptions) {
    this.#prefix = options.prefix ?? 'moin:';
    this.#max = options.maxFailures;
    this.#windowMs = options.windowMs;
    this.#client = openRedis(url);
    this.#client.on('ready', () => (this.#everReady = true));
    this.#client.defineCommand('moinThrottleTake', {lua: TAKE});
    this.#client.defineCommand('moinThrottleEnd', {lua: END});
  }

  /** The Redis key of a throttle key. */
  redisKey(key: string): string {
    const digest = createHash('sha256').update(key).digest('hex').slice(0, 32);
    return `${this.#prefix}{throttle}${digest}`;
  }

  take(keys: readonly string[]): Promise<number> {
    return this.#take(keys, '1');
  }

  retryAfter(keys: readonly string[]): Promise<number> {
    return this.#take(keys, '0');
  }

  async end(keys: readonly string[], ok: boolean, reset: readonly string[]): Promise<void> {
    const flags = keys.map((k) => (reset.includes(k) ? '1' : '0'));
    await this.#run((c) =>
      c.moinThrottleEnd(keys.length, ...keys.map((k) => this.redisKey(k)), ok ? '1' : '0', ...flags)
    );
  }

  async close(): Promise<void> {
    await closeRedis(this.#client);
  }

  #take(keys: readonly string[], take: '0' | '1'): Promise<number> {
    return this.#run((c) =>
      c.moinThrottleTake(
        keys.length,
        ...keys.map((k) => this.redisKey(k)),
        this.#max,
        this.#windowMs,
        take
      )
    );
  }

  async #run<T>(command: (client: ThrottleCommands) => Promise<T>): Promise<T> {
    try {
      await whenReady(this.#client, () => this.#everReady);
      return await command(this.#client as unknown as ThrottleCommands);
    } catch (err) {
      throw toStoreError(err);
    }
  }
}

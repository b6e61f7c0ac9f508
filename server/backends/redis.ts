import {RedisBus} from '../bus/redis-bus.js';
import {RedisStore} from '../store/redis-store.js';
import {RedisThrottleCounter} from '../http/redis-throttle-counter.js';
import type {StoreBackend} from './types.js';

/**
 * `redis://`, `rediss://`, `redis+sentinel://` and `redis+cluster://` (see redis-url.ts): the
 * store and a pub/sub bus on the same Redis (or cluster) and prefix, so every instance on it sees
 * every change, and one login throttle for all of them.
 */
export const REDIS_BACKEND: StoreBackend = {
  matches: (url) => /^rediss?(\+sentinel|\+cluster)?:\/\//.test(url),
  inProcess: false,
  openStore: (config) =>
    new RedisStore(config.store, {
      prefix: config.redis_prefix,
      waitReplicas: config.redis_wait_replicas,
    }),
  openBus: (config, log, store) =>
    new RedisBus(config.store, {
      prefix: config.redis_prefix,
      ...(log ? {log} : {}),
      // A resync re-reads sessions: wait until the store answers too.
      ...(store ? {probe: () => store.ping()} : {}),
    }),
  // Every instance on this Redis counts login attempts in the same keys.
  openThrottle: (config, {maxFailures, windowMs}) =>
    new RedisThrottleCounter(config.store, {maxFailures, windowMs, prefix: config.redis_prefix}),
};

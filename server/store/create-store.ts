import type {Config} from '../../shared/index.js';
import {MemoryStore} from './memory-store.js';
import {RedisStore} from './redis-store.js';
import {SqliteStore} from './sqlite-store.js';
import type {SessionStore} from './types.js';

/**
 * Opens the store a config names (`store` key). `background: false` (a CLI command) starts no
 * maintenance timers of its own: the server's store does the periodic purge. `now`: the clock
 * that decides what the purge timer removes (the service's clock). @default Date.now. `onError`
 * hears failures of the store's background work (the SQLite purge timer, the file found deleted
 * or replaced).
 */
export function createStore(
  config: Config,
  {
    background = true,
    now,
    onError,
  }: {background?: boolean; now?: () => number; onError?: (error: unknown) => void} = {}
): SessionStore {
  if (config.store === 'memory:') return new MemoryStore();
  if (/^rediss?:\/\//.test(config.store)) {
    return new RedisStore(config.store, {prefix: config.redis_prefix});
  }
  // A relative path resolves against the current directory, as the CLI user expects.
  if (config.store.startsWith('sqlite:'))
    return new SqliteStore(config.store.slice('sqlite:'.length), {
      ...(background ? (now ? {now} : {}) : {purgeIntervalMs: 0}),
      ...(onError ? {onBackgroundError: onError} : {}),
    });
  throw new Error(`store "${config.store}" is not available yet`);
}

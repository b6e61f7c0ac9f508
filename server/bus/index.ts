import type {Config} from '../../shared/index.js';
import {MemoryBus} from './memory-bus.js';
import {RedisBus} from './redis-bus.js';
import type {SessionStore} from '../store/types.js';
import type {SessionBus} from './types.js';

export {MemoryBus} from './memory-bus.js';
export {RedisBus, RESYNC_MESSAGE, REDIS_BUS_HEARTBEAT_MS} from './redis-bus.js';
export type {RedisBusOptions} from './redis-bus.js';
export type {SessionBus} from './types.js';

/**
 * The bus a config implies: a `redis://` (or `rediss://`) store fans out over Redis pub/sub on the
 * same URL and prefix, so every instance on that Redis sees every change; any other store is one
 * process, so an in-process bus suffices.
 */
export function createBus(
  config: Pick<Config, 'store' | 'redis_prefix'>,
  log?: (event: string, fields: Record<string, unknown>) => void,
  store?: Pick<SessionStore, 'ping'>
): SessionBus {
  if (/^rediss?:\/\//.test(config.store)) {
    return new RedisBus(config.store, {
      prefix: config.redis_prefix,
      ...(log ? {log} : {}),
      // A resync re-reads sessions: wait until the store answers too.
      ...(store ? {probe: () => store.ping()} : {}),
    });
  }
  return new MemoryBus();
}

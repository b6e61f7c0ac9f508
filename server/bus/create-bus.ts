import type {Config} from '../../shared/index.js';
import {backendFor} from '../backends/index.js';
import type {BusLog} from '../backends/types.js';
import type {SessionStore} from '../store/types.js';
import type {SessionBus} from './types.js';

/**
 * The bus a config implies, from its store's backend (server/backends/): a Redis store fans out
 * over Redis pub/sub on the same Redis and prefix, so every instance on that Redis sees every
 * change; any other store is one process, so an in-process bus suffices.
 */
export function createBus(
  config: Pick<Config, 'store' | 'redis_prefix' | 'redis_wait_replicas'>,
  log?: BusLog,
  store?: Pick<SessionStore, 'ping'>
): SessionBus {
  return backendFor(config.store).openBus(config, log, store);
}

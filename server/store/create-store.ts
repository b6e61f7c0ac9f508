import type {Config} from '../../shared/index.js';
import {backendFor} from '../backends/index.js';
import type {SessionStore} from './types.js';

/** Opens the store a config names (`store` key), through its backend (server/backends/). */
export function createStore(
  config: Pick<Config, 'store' | 'redis_prefix' | 'redis_wait_replicas'>
): SessionStore {
  return backendFor(config.store).openStore(config);
}

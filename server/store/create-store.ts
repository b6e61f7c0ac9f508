import {backendFor} from '../backends/index.js';
import type {BackendConfig, StoreOpenOptions} from '../backends/types.js';
import type {SessionStore} from './types.js';

/**
 * Opens the store a config names (`store` key), through its backend (server/backends/). See
 * {@link StoreOpenOptions} for `background`, `now` and `onError`.
 */
export function createStore(config: BackendConfig, options: StoreOpenOptions = {}): SessionStore {
  return backendFor(config.store).openStore(config, options);
}

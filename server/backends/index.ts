import {MEMORY_BACKEND} from './memory.js';
import {REDIS_BACKEND} from './redis.js';
import {SQLITE_BACKEND} from './sqlite.js';
import type {StoreBackend} from './types.js';

/** Every backend, the one place that maps a `store` URL to its store, bus and CLI needs. */
const BACKENDS: readonly StoreBackend[] = [MEMORY_BACKEND, SQLITE_BACKEND, REDIS_BACKEND];

/** The backend of a `store` URL; throws for a URL no backend takes. */
export function backendFor(url: string): StoreBackend {
  const backend = BACKENDS.find((b) => b.matches(url));
  if (!backend) throw new Error(`store "${url}" is not available yet`);
  return backend;
}

import {MemoryBus} from '../bus/memory-bus.js';
import {MemoryStore} from '../store/memory-store.js';
import {MemoryThrottleCounter} from '../http/memory-throttle-counter.js';
import type {StoreBackend} from './types.js';

/** `memory:`: one process, nothing kept (tests, demos). */
export const MEMORY_BACKEND: StoreBackend = {
  matches: (url) => url === 'memory:',
  inProcess: true,
  openStore: () => new MemoryStore(),
  openBus: () => new MemoryBus(),
  openThrottle: (_config, options) => new MemoryThrottleCounter(options),
};

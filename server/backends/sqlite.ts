import {MemoryBus} from '../bus/memory-bus.js';
import {SqliteStore} from '../store/sqlite-store.js';
import {MemoryThrottleCounter} from '../http/memory-throttle-counter.js';
import type {StoreBackend} from './types.js';

const SCHEME = 'sqlite:';

/**
 * `sqlite:PATH`: one file; the CLI and the server share it, and the server notices the CLI's
 * commits itself (`onExternalChange`), so an in-process bus suffices.
 */
export const SQLITE_BACKEND: StoreBackend = {
  matches: (url) => url.startsWith(SCHEME),
  inProcess: false,
  // A relative path resolves against the current directory, as the CLI user expects.
  openStore: (config, {background = true, now, onError, onCommit} = {}) =>
    new SqliteStore(config.store.slice(SCHEME.length), {
      ...(background ? (now ? {now} : {}) : {purgeIntervalMs: 0}),
      ...(onError ? {onBackgroundError: onError} : {}),
      ...(onCommit ? {onCommit} : {}),
    }),
  openBus: () => new MemoryBus(),
  // Per process: instances on one file each count on their own (README "Security").
  openThrottle: (_config, options) => new MemoryThrottleCounter(options),
};

import type {Config} from '../../shared/index.js';
import type {SessionStore} from '../store/types.js';
import {UsageError} from './io.js';

/**
 * Opens the configured store for a CLI command, runs `work`, and closes it. The memory store lives
 * inside a server process, so the CLI refuses it. The servers hear of what a command removes
 * without a bus: SQLite servers notice another process's commits (`onExternalChange`), and the
 * Redis store publishes every removed key itself (`SessionStore.announcesRemovals`).
 */
export async function withStore<T>(
  config: Config,
  command: string,
  work: (store: SessionStore) => Promise<T>
): Promise<T> {
  // Loaded on demand: the store clients (better-sqlite3, ioredis) are the CLI's slowest imports.
  const {backendFor} = await import('../backends/index.js');
  const backend = backendFor(config.store);
  if (backend.inProcess) {
    throw new UsageError(
      `${command}: the store is "${config.store}", which lives inside the server process; the CLI cannot reach it`
    );
  }
  // A CLI command starts no maintenance timers: the server's store does the periodic purge.
  const store = backend.openStore(config, {background: false});
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

import type {Config} from '../../shared/index.js';
import type {SessionBus} from '../bus/types.js';
import type {SessionStore} from '../store/types.js';
import {UsageError} from './io.js';

/**
 * Opens the configured store for a CLI command, runs `work`, and closes it. The memory store lives
 * inside a server process, so the CLI refuses it. On Redis the changed keys are also published, so
 * every server instance pushes the change to its sockets (SQLite servers notice the commit
 * themselves through `onExternalChange`).
 */
export async function withStore<T>(
  config: Config,
  command: string,
  work: (store: SessionStore, announce: (keys: string[]) => Promise<void>) => Promise<T>
): Promise<T> {
  if (config.store === 'memory:') {
    throw new UsageError(
      `${command}: the store is "memory:", which lives inside the server process; the CLI cannot reach it`
    );
  }
  // Loaded on demand: the store clients (better-sqlite3, ioredis) are the CLI's slowest imports.
  const {createStore} = await import('../store/create-store.js');
  const store = createStore(config, {background: false});
  let bus: SessionBus | null = null;
  const announce = async (keys: string[]) => {
    if (store.kind !== 'redis' || keys.length === 0) return;
    bus ??= (await import('../bus/index.js')).createBus(config);
    for (const k of keys) await bus.publish(k);
  };
  try {
    return await work(store, announce);
  } finally {
    await (bus as SessionBus | null)?.close();
    await store.close();
  }
}

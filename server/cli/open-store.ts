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
  let bus: SessionBus | null = null;
  const announce = async (keys: string[]) => {
    if (!backend.cliAnnounces || keys.length === 0) return;
    bus ??= backend.openBus(config);
    for (const k of keys) await bus.publish(k);
  };
  try {
    return await work(store, announce);
  } finally {
    await (bus as SessionBus | null)?.close();
    await store.close();
  }
}

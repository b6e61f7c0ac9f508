import {seedUsers, startApi, type E2eApi} from './e2e-api.js';
import {startHost} from './e2e-host.js';
import {makeTempDir, type TempDir} from './temp-dir.js';

/** A temp folder with the users, the API on SQLite in it, and the host wiki on a second origin. */
export interface E2eStack {
  dir: TempDir;
  /** The API; restart it on the same port with {@link E2eStack.restartApi}. */
  api: E2eApi;
  host: {origin: string; stop(): Promise<void>};
  /** Starts the API again on its old port and file (after `api.stop()`). */
  restartApi(): Promise<E2eApi>;
  /** Stops everything and removes the folder. */
  stop(): Promise<void>;
}

/** Starts an {@link E2eStack}; the host serves self-hosted bundle files from `assets`. */
export async function startStack(assets?: string): Promise<E2eStack> {
  const dir = await makeTempDir('moin-e2e-');
  await seedUsers(dir);
  // The host needs the API's URL and the API needs the host's origin: reserve the API's port first.
  const probe = await startApi(dir, 'http://127.0.0.1:1');
  const port = probe.port;
  await probe.stop();
  const host = await startHost(`http://127.0.0.1:${port}`, assets);
  const stack: E2eStack = {
    dir,
    host,
    api: await startApi(dir, host.origin, port),
    async restartApi() {
      stack.api = await startApi(dir, host.origin, port);
      return stack.api;
    },
    async stop() {
      await stack.api.stop().catch(() => {});
      await host.stop();
      await dir.cleanup();
    },
  };
  return stack;
}

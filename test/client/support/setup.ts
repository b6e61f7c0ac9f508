import {clear, createStore} from 'idb-keyval';
import {forgetConnection} from '../../../client/connection/registry.js';
import {MIRROR_DB, MIRROR_STORE} from '../../../client/mirror/key-value-store.js';
import {FakeSocket} from './fake-socket.js';

let counter = 0;

/** An endpoint nobody else uses in this browser run (its own connection, mirror key and channel). */
export function uniqueEndpoint(): string {
  return `/api-${Date.now().toString(36)}-${++counter}`;
}

/** Empties the mirror database (as another test may have left it). */
export async function clearMirror(): Promise<void> {
  await clear(createStore(MIRROR_DB, MIRROR_STORE));
}

/** Disposes the connections the test used. */
export function forget(...endpoints: string[]): void {
  for (const e of endpoints) forgetConnection(e);
  FakeSocket.reset();
}

/** Waits until `check` passes (retrying assertions, sync or async), at most `ms`. */
export async function eventually(check: () => unknown, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

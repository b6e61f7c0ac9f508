import {createStore, promisifyRequest} from 'idb-keyval';

/**
 * The small key/value surface the mirror needs. `update` is an atomic read-modify-write (one
 * IndexedDB transaction, so two tabs updating one key never lose a write); returning `undefined`
 * from the updater deletes the key.
 */
export interface KeyValueStore {
  /** `indexeddb`, or `memory` once IndexedDB failed (private modes, a broken profile). */
  readonly kind: 'indexeddb' | 'memory';
  get<T>(key: string): Promise<T | undefined>;
  update<T>(key: string, updater: (old: T | undefined) => T | undefined): Promise<T | undefined>;
}

/** The database and object store every endpoint's mirror lives in. */
export const MIRROR_DB = 'moin-session';
export const MIRROR_STORE = 'kv';

/** A store in memory: the fallback, and for tests. Values are cloned as IndexedDB would. */
export class MemoryKeyValueStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  readonly #map = new Map<string, unknown>();

  async get<T>(key: string): Promise<T | undefined> {
    return structuredClone(this.#map.get(key)) as T | undefined;
  }

  async update<T>(key: string, updater: (old: T | undefined) => T | undefined) {
    const next = updater(structuredClone(this.#map.get(key)) as T | undefined);
    if (next === undefined) this.#map.delete(key);
    else this.#map.set(key, structuredClone(next));
    return next;
  }
}

/**
 * IndexedDB through idb-keyval's `createStore('moin-session', 'kv')`, falling back to memory for
 * good at the first failure or hang: Firefox private mode rejects, some Safari versions never
 * answer the first open (jakearchibald/idb-keyval#120), and a stubbed `indexedDB.open` throws
 * synchronously. The connection keeps its own state, so losing persistence never stops the page.
 */
export class FallbackKeyValueStore implements KeyValueStore {
  #idb: ReturnType<typeof createStore> | null;
  #memory: MemoryKeyValueStore | null = null;
  readonly #timeoutMs: number;

  constructor(timeoutMs = 3000) {
    this.#timeoutMs = timeoutMs;
    try {
      this.#idb = typeof indexedDB === 'undefined' ? null : createStore(MIRROR_DB, MIRROR_STORE);
    } catch {
      this.#idb = null;
    }
    if (!this.#idb) this.#memory = new MemoryKeyValueStore();
  }

  get kind(): 'indexeddb' | 'memory' {
    return this.#memory ? 'memory' : 'indexeddb';
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.#run(
      'readonly',
      (s) => promisifyRequest(s.get(key)) as Promise<T | undefined>,
      (m) => m.get<T>(key)
    );
  }

  update<T>(key: string, updater: (old: T | undefined) => T | undefined) {
    return this.#run(
      'readwrite',
      (s) => {
        const read = s.get(key);
        let next: T | undefined;
        read.onsuccess = () => {
          next = updater(read.result as T | undefined);
          if (next === undefined) s.delete(key);
          else s.put(next, key);
        };
        return promisifyRequest(s.transaction).then(() => next);
      },
      (m) => m.update(key, updater)
    );
  }

  async #run<R>(
    mode: IDBTransactionMode,
    onIdb: (s: IDBObjectStore) => Promise<R>,
    onMemory: (m: MemoryKeyValueStore) => Promise<R>
  ): Promise<R> {
    if (this.#idb) {
      const idb = this.#idb;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        return await Promise.race([
          // A synchronous throw from indexedDB.open lands in this async function's rejection.
          (async () => idb(mode, onIdb))(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error('IndexedDB did not answer')),
              this.#timeoutMs
            );
          }),
        ]);
      } catch {
        this.#idb = null;
        this.#memory = new MemoryKeyValueStore();
      } finally {
        clearTimeout(timer);
      }
    }
    return onMemory(this.#memory!);
  }
}

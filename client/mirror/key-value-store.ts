import {createStore, promisifyRequest} from 'idb-keyval';

/**
 * The small key/value surface the mirror needs. `update` is an atomic read-modify-write (one
 * IndexedDB transaction, so two tabs updating one key never lose a write); returning `undefined`
 * from the updater deletes the key. Values are treated as immutable: callers build new ones.
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

/**
 * IndexedDB through idb-keyval's `createStore('moin-session', 'kv')`, falling back to memory for
 * good at the first failure or hang: Firefox private mode rejects, some Safari versions never
 * answer the first open (jakearchibald/idb-keyval#120), and a stubbed `indexedDB.open` throws
 * synchronously. The connection keeps its own state, so losing persistence never stops the page.
 */
export class FallbackKeyValueStore implements KeyValueStore {
  #idb: ReturnType<typeof createStore> | null = null;
  #memory: Map<string, unknown> | null = null;
  readonly #timeoutMs: number;

  /**
   * @param timeoutMs how long an IndexedDB call may take before memory takes over. @default 3000
   * @param persist use IndexedDB at all. @default true where the browser has it
   */
  constructor(timeoutMs = 3000, persist = typeof indexedDB !== 'undefined') {
    this.#timeoutMs = timeoutMs;
    if (persist) this.#idb = createStore(MIRROR_DB, MIRROR_STORE);
    else this.#memory = new Map();
  }

  get kind(): 'indexeddb' | 'memory' {
    return this.#memory ? 'memory' : 'indexeddb';
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.#run(
      'readonly',
      (s) => promisifyRequest(s.get(key)) as Promise<T | undefined>,
      (m) => m.get(key) as T | undefined
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
      (m) => {
        const next = updater(m.get(key) as T | undefined);
        if (next === undefined) m.delete(key);
        else m.set(key, next);
        return next;
      }
    );
  }

  async #run<R>(
    mode: IDBTransactionMode,
    onIdb: (s: IDBObjectStore) => Promise<R>,
    onMemory: (m: Map<string, unknown>) => R
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
        this.#memory = new Map();
      } finally {
        clearTimeout(timer);
      }
    }
    return onMemory(this.#memory!);
  }
}

/** A store that is memory from the start (tests, and pages that must not persist anything). */
export class MemoryKeyValueStore extends FallbackKeyValueStore {
  constructor() {
    super(0, false);
  }
}

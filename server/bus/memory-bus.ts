import type {SessionBus} from './types.js';

/** The in-process bus: one server process, any number of sockets. */
export class MemoryBus implements SessionBus {
  #listeners = new Set<(key: string) => void>();

  async publish(key: string): Promise<void> {
    for (const l of this.#listeners) l(key);
  }

  subscribe(listener: (key: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onResync(): () => void {
    return () => {};
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}

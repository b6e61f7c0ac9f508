import type {BusListener, SessionBus} from './types.js';

/** The in-process bus: one server process, any number of sockets. */
export class MemoryBus implements SessionBus {
  #listeners = new Set<BusListener>();

  async publish(key: string, rev?: number): Promise<void> {
    for (const l of this.#listeners) l(key, rev);
  }

  subscribe(listener: BusListener): () => void {
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

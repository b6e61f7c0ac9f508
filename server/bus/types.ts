/** Hears a changed key, with its new rev when the change was made in this process. */
export type BusListener = (key: string, rev?: number) => void;

/**
 * The fan-out bus: every change of a session is published by its key; every instance's socket hub
 * listens and pushes a fresh view to the sockets of that session. Messages carry the key (and, to
 * this process's own listeners, the new rev), so a lost message can always be repaired by a full
 * re-read (see `onResync`).
 */
export interface SessionBus {
  /**
   * Announces that the session with this store key changed (or ended). `rev`: its rev after the
   * change, when the publisher knows it; only this process's listeners get it (other processes
   * hear the key alone), so the fan-out can skip re-reading a session it holds at that rev.
   */
  publish(key: string, rev?: number): Promise<void>;
  /** Listens for changed keys (with the rev of a change made here); returns an unsubscribe function. */
  subscribe(listener: BusListener): () => void;
  /**
   * Listens for moments where messages may have been lost (a cross-process bus reconnecting); the
   * listener should re-send a full view to every socket. Returns an unsubscribe function.
   */
  onResync(listener: () => void): () => void;
  close(): Promise<void>;
}

/**
 * The fan-out bus: every change of a session is published by its key; every instance's socket hub
 * listens and pushes a fresh view to the sockets of that session. Messages carry only the key, so a
 * lost message can always be repaired by a full re-read (see `onResync`).
 */
export interface SessionBus {
  /** Announces that the session with this store key changed (or ended). */
  publish(key: string): Promise<void>;
  /** Listens for changed keys; returns an unsubscribe function. */
  subscribe(listener: (key: string) => void): () => void;
  /**
   * Listens for moments where messages may have been lost (a cross-process bus reconnecting); the
   * listener should re-send a full view to every socket. Returns an unsubscribe function.
   */
  onResync(listener: () => void): () => void;
  close(): Promise<void>;
}

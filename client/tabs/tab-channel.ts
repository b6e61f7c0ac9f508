import type {SessionView} from '../shared.js';
import type {MirrorRecord} from '../mirror/session-mirror.js';

/**
 * The name tabs of one browser share for one endpoint: their BroadcastChannel's, and the Web Lock
 * their API calls take (client/connection/transport.ts).
 */
export const tabsName = (endpoint: string): string => `moin-session|v1|${endpoint}`;

/** What tabs of one browser tell each other about one endpoint. */
export type TabMessage =
  /**
   * A view this tab got from the server (socket or HTTP), with when the cookie it answers was sent
   * (`at`), or `ended`: it is a socket's news that the session of that identity ended, which
   * speaks only for tabs still showing it (see ViewFacts in client/connection/reconcile.ts).
   */
  | {type: 'view'; view: SessionView; at?: number | undefined; ended?: string | undefined}
  /** This tab wrote the shared mirror; here is the record after its atomic write. */
  | {type: 'record'; record: MirrorRecord};

/**
 * A BroadcastChannel named after the endpoint (tabs of one browser agree even while the server is
 * unreachable). Where BroadcastChannel is missing, posting does nothing and tabs catch up through
 * the server.
 */
export class TabChannel {
  readonly #channel: BroadcastChannel | null = null;

  constructor(endpoint: string, onMessage: (message: TabMessage) => void) {
    if (typeof BroadcastChannel === 'undefined') return;
    this.#channel = new BroadcastChannel(tabsName(endpoint));
    this.#channel.onmessage = (e: MessageEvent<TabMessage>) => onMessage(e.data);
  }

  post(message: TabMessage): void {
    this.#channel?.postMessage(message);
  }

  close(): void {
    this.#channel?.close();
  }
}

import type {SessionView} from '../shared.js';

/** `connecting` until the first answer, `online` while the socket is live, else `offline`. */
export type ConnectionStatus = 'connecting' | 'online' | 'offline';

/** A visit waiting for the server's ack. The id stays the same across reloads and resends. */
export interface PendingVisit {
  /** `<clientId>:<seq>`: unique per browser, valid as a protocol op id. */
  id: string;
  page: string;
}

/** What elements render: one snapshot of a connection. */
export interface ConnectionState {
  /** The trail to show: the server's plus visits not yet in it, or the browser-only trail. */
  readonly trail: readonly string[];
  /**
   * The latest view that came from the server during this page's life (directly, or relayed by
   * another tab); null until then. The change-user banner reads only this, never the mirror.
   */
  readonly serverView: SessionView | null;
  /** The latest view from any source, the mirror included; null until there is anything to paint
   * (then show the fallback). */
  readonly view: SessionView | null;
  readonly status: ConnectionStatus;
}

/** The parts of `fetch` the connection uses. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** The parts of a WebSocket constructor the connection uses. */
export type WebSocketFactory = new (url: string) => WebSocket;

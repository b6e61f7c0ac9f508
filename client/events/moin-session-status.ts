import type {ConnectionStatus} from '../connection/types.js';

/** `detail` of `moin-session-status`. */
export interface MoinSessionStatusDetail {
  /** The endpoint the element talks to, resolved to an absolute URL. */
  endpoint: string;
  /** `connecting` before the first answer, `online` while the socket is live, else `offline`. */
  status: ConnectionStatus;
}

/** Fired by both elements when their connection's status changes. */
export type MoinSessionStatusEvent = CustomEvent<MoinSessionStatusDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'moin-session-status': MoinSessionStatusEvent;
  }
}

// The client bundle (`/moin-session.js`, `import 'moin-session/client'`): importing it registers
// <moin-trail> and <moin-su-banner> (unless those names are taken) and exports the classes, so a
// host page can also register them under other names or drive the session (login, logout).
// Internals (the mirror, the tab channel, the controller) stay out of the bundle's exports.
import './components/trail/trail.js';
import './components/su-banner/su-banner.js';

export {MoinSuBanner} from './components/su-banner/su-banner.component.js';
export {MoinTrail} from './components/trail/trail.component.js';
export {connectionFor} from './connection/registry.js';
export {SessionRequestError} from './connection/request.js';
export {SessionConnection} from './connection/session-connection.js';
export type {ConnectionOptions} from './connection/session-connection.js';
export type {Timing} from './connection/timing.js';
export type {
  ConnectionState,
  ConnectionStatus,
  FetchLike,
  PendingVisit,
  WebSocketFactory,
} from './connection/types.js';
export type {KeyValueStore} from './mirror/key-value-store.js';
export type {
  MoinSessionStatusDetail,
  MoinSessionStatusEvent,
} from './events/moin-session-status.js';
export type {MoinTrailChangeDetail, MoinTrailChangeEvent} from './events/moin-trail-change.js';

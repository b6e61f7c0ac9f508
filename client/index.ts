// The client bundle (`/moin-session.js`, `import 'moin-session/client'`): importing it registers
// <moin-trail> and <moin-su-banner> (unless those names are taken) and exports the classes, so a
// host page can also register them under other names or drive the session (login, logout).
// Internals (the mirror, the tab channel, the controller) stay out of the bundle's exports.
import './components/trail/trail.js';
import './components/su-banner/su-banner.js';

export {MoinSuBanner} from './components/su-banner/su-banner.component.js';
export {MoinTrail} from './components/trail/trail.component.js';
export {SessionConnection, SessionRequestError, connectionFor} from './connection/index.js';
export type {
  ConnectionOptions,
  ConnectionState,
  ConnectionStatus,
  FetchLike,
  PendingVisit,
  Timing,
  WebSocketFactory,
} from './connection/index.js';
export type {KeyValueStore} from './mirror/index.js';
export type {
  MoinSessionStatusDetail,
  MoinSessionStatusEvent,
  MoinTrailChangeDetail,
  MoinTrailChangeEvent,
} from './events/index.js';

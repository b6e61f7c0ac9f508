export {connectionFor, forgetConnection, resolveEndpoint} from './registry.js';
export {SessionRequestError} from './request.js';
export {SessionConnection} from './session-connection.js';
export type {ConnectionOptions} from './session-connection.js';
export {DEFAULT_TIMING, backoffDelay} from './timing.js';
export type {Timing} from './timing.js';
export {identityOf, withVisits} from './trail-view.js';
export type {
  ConnectionState,
  ConnectionStatus,
  FetchLike,
  PendingVisit,
  WebSocketFactory,
} from './types.js';

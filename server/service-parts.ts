import type {Config} from '../shared/index.js';
import type {ThrottleCounter} from './http/throttle-counter.js';
import type {SessionBus} from './bus/types.js';
import type {Logger} from './log.js';
import type {Metrics} from './metrics.js';
import type {SessionEngine} from './session/session-engine.js';
import type {SessionStore} from './store/types.js';
import type {SessionBuckets} from './sync/session-buckets.js';
import type {UserDirectory} from './users/types.js';

/** The collaborators every part of the service (HTTP, sync, middleware) is built from. */
export interface ServiceParts {
  config: Config;
  engine: SessionEngine;
  store: SessionStore;
  bus: SessionBus;
  users: UserDirectory;
  logger: Logger;
  metrics: Metrics;
  /** Visit rate limits per session, shared by the WebSocket and `POST /api/trail`. */
  visitBuckets: SessionBuckets;
  /** Where the login throttles count (shared across instances on a Redis store). */
  throttleCounter: ThrottleCounter;
  /** The package root: index.html and dist/client live under it. */
  root: string;
}

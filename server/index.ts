// The server library (`import {createSessionService} from 'moin-session/server'`).
export {createSessionService} from './service.js';
export type {ServiceOptions, SessionService} from './service.js';
export type {ServiceParts} from './service-parts.js';
export {SessionEngine} from './session/session-engine.js';
export type {RequestInfo, SessionContext} from './session/session-engine.js';
export {MemoryStore} from './store/memory-store.js';
export {createStore} from './store/create-store.js';
export type {
  AuditEntry,
  MutateResult,
  SessionOp,
  SessionRecord,
  SessionStore,
  SessionSummary,
} from './store/types.js';
export {MemoryBus} from './bus/memory-bus.js';
export type {SessionBus} from './bus/types.js';
export type {UserDirectory, UserInfo} from './users/types.js';
export {FileUserDirectory} from './users/file-user-directory.js';
export {RequestSession} from './middleware/request-session.js';
export type {RequestWithSession, SessionMiddleware} from './middleware/session-middleware.js';

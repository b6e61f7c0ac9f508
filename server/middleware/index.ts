// `req.session` for extension code (CONTRACT §7): node:http and Connect/Express middleware.
export {createSessionMiddleware} from './session-middleware.js';
export type {RequestWithSession, SessionMiddleware} from './session-middleware.js';
export {RequestSession} from './request-session.js';
export type {SessionChanges} from './request-session.js';
export {assertJsonValue} from './json-value.js';

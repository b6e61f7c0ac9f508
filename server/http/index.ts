// The HTTP API on node:http (CONTRACT §4), apart from /api/sync (server/sync).
export {createHttpHandler} from './create-http-handler.js';
export {drainingResponse} from './draining-response.js';
export type {DrainSwitch} from './draining-response.js';
export {clientAddress, isSecure, ownOrigin, requestInfo} from './request-info.js';
export {judgeOrigin} from './origin.js';
export type {OriginVerdict} from './origin.js';
export {LoginThrottle} from './login-throttle.js';
export type {LoginThrottleOptions} from './login-throttle.js';
export {Router} from './router.js';
export type {Handler, Method, RouteMatch} from './router.js';

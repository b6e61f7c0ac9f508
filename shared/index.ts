// The pure layer both sides share: no Node, no DOM.
export {
  APPLIED_OPS_KEPT,
  COOKIE_BASE_NAME,
  EXPIRY_GRANULARITY_MS,
  FOREVER_SECONDS,
  MAX_BODY_BYTES,
  MAX_FRAME_BYTES,
  MAX_PAGE_NAME_LENGTH,
  MAX_TIMER_MS,
  OP_ID_PATTERN,
  SHORT_NAME_MAX,
  USER_SEARCH_LIMIT,
} from './constants.js';
export {
  CONFIG_KEYS,
  ConfigError,
  DEFAULT_CONFIG,
  LOG_LEVELS,
  cookieNameFor,
  resolveConfig,
} from './config.js';
export type {AuthMethodConfig, Config, GivenOptions, LogLevel} from './config.js';
export {ERROR_CODES, MoinError, isMoinError} from './errors.js';
export type {ErrorBody, ErrorCode} from './errors.js';
export {expiryFor, sessionLifetime} from './lifetime.js';
export type {LifetimeSubject} from './lifetime.js';
export {validatePageName} from './page.js';
export type {PageNameResult} from './page.js';
export {CLOSE_CODES} from './protocol.js';
export type {
  AckMessage,
  ClientMessage,
  ErrorMessage,
  PingMessage,
  PongMessage,
  ServerMessage,
  SessionMessage,
  VisitMessage,
} from './protocol.js';
// issue 14
export {
  MAX_SESSION_DATA_BYTES,
  MAX_SESSION_KEY_LENGTH,
  sessionDataBytes,
  sessionEntryBytes,
  sessionKeyProblem,
} from './session-data.js';
export {addToTrail, shortenPageName} from './trail.js';
export {isSessionView, parseClientMessage, parseServerMessage} from './validate.js';
export type {FrameProblem, Parsed} from './validate.js';
export {anonymousView} from './view.js';
export type {SessionView, UserRef} from './view.js';

import {pino, type DestinationStream, type Logger} from 'pino';
import type {Config} from '../shared/index.js';

export type {Logger};

/**
 * Fields that could carry a session id if a request or response were logged whole: pino censors
 * them before writing, a second line of defence behind "log `session` refs, never ids".
 */
const REDACTED_PATHS = [
  'cookie',
  'sid',
  'headers.cookie',
  'headers["set-cookie"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'request.cookie',
  'request.headers.cookie',
];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Where JSON lines go. @default stderr (fd 2), written synchronously */
  destination?: DestinationStream;
}

/**
 * The structured logger (pino, JSON lines on stderr so stdout stays free for the ready line and CLI
 * output). `level` is the config's `log_level`, which `--log-level` overrides. Session ids are never
 * logged: log `session` refs (a prefix of the SHA-256 store key); see docs/observability.md for
 * every event.
 */
export function createLogger(
  level: Config['log_level'] = 'info',
  options: LoggerOptions = {}
): Logger {
  return pino(
    {
      level,
      base: {service: 'moin-session'},
      redact: {paths: REDACTED_PATHS, censor: '[redacted]'},
    },
    options.destination ?? pino.destination(2)
  );
}

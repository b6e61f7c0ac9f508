import {pino, type Logger} from 'pino';
import type {Config} from '../shared/index.js';

export type {Logger};

/**
 * The structured logger (pino, JSON lines on stderr so stdout stays free for the ready line and CLI
 * output). Session ids are never logged: log `session` refs (a prefix of the SHA-256 store key).
 */
export function createLogger(level: Config['log_level']): Logger {
  return pino({level, base: {service: 'moin-session'}}, pino.destination(2));
}
